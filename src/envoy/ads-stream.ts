// One proxy's aggregated discovery stream, state of the world, as the xDS
// protocol has it (envoyproxy.io, "xDS REST and gRPC protocol": ACK/NACK and
// resource versions): per resource type, what was last sent (version and
// nonce), what the proxy last accepted, and what it refused. Pure: a request
// or a new snapshot in, the next state and the response to send (if any)
// out; the gRPC plumbing around it owns the clock and the network.

import type { JsonObject } from '../model/json.js';
import type { SyncStatus } from '../model/proxy-sync.js';

export type { ProxySync, SyncStatus } from '../model/proxy-sync.js';

/** What the server holds for one type for this proxy: a version and the resources. */
export interface TypeSnapshot {
  version: string;
  resources: readonly JsonObject[];
}

/** A DiscoveryRequest, as far as the protocol's bookkeeping reads it. */
export interface DiscoveryRequest {
  type_url: string;
  version_info?: string;
  response_nonce?: string;
  resource_names?: readonly string[];
  error_detail?: { code?: number; message?: string };
}

/** A DiscoveryResponse to send. */
export interface DiscoveryResponse {
  type_url: string;
  version_info: string;
  nonce: string;
  resources: readonly JsonObject[];
}

export interface TypeState {
  /** The resource names the proxy asked for (empty: all, the wildcard of LDS and CDS). */
  names: readonly string[];
  sent?: { version: string; nonce: string };
  /** The last version the proxy ACKed: what it runs. */
  acked?: string;
  /** The last version it refused, and why: it keeps running `acked`. */
  nacked?: { version: string; message: string };
}

export interface StreamState {
  types: Readonly<Record<string, TypeState>>;
  /** Nonces are this stream's counter: each response has a new one. */
  nonces: number;
}

export type RequestEvent = 'subscribe' | 'ack' | 'nack' | 'stale';

export const EMPTY_STREAM: StreamState = { types: {}, nonces: 0 };

function respond(state: StreamState, typeUrl: string, type: TypeState, snapshot: TypeSnapshot): { state: StreamState; response: DiscoveryResponse } {
  const nonce = String(state.nonces + 1);
  const sent = { version: snapshot.version, nonce };
  return {
    state: { nonces: state.nonces + 1, types: { ...state.types, [typeUrl]: { ...type, sent } } },
    response: { type_url: typeUrl, version_info: snapshot.version, nonce, resources: snapshot.resources },
  };
}

/**
 * A request from the proxy. A request without a nonce subscribes (first, or
 * after a reconnect) and is answered with the current snapshot, unless it
 * says it runs that version already (a reconnect to a server with nothing
 * new, as go-control-plane's SotW server does). A request
 * whose nonce is not the last one sent is stale — it answers an older
 * response — and changes nothing. Otherwise it ACKs the sent version, or with
 * error_detail NACKs it: the proxy keeps its last good config, and the same
 * version is never sent again (no push loop); the next version is.
 */
export function onRequest(
  state: StreamState,
  request: DiscoveryRequest,
  snapshot: TypeSnapshot | undefined,
): { state: StreamState; event: RequestEvent; response?: DiscoveryResponse } {
  const typeUrl = request.type_url;
  const previous = state.types[typeUrl];
  const names = request.resource_names ?? [];
  if (request.response_nonce === undefined || request.response_nonce === '' || previous === undefined) {
    const type: TypeState = { ...previous, names, ...(request.version_info ? { acked: request.version_info } : {}) };
    if (snapshot === undefined || snapshot.version === request.version_info)
      return { state: { ...state, types: { ...state.types, [typeUrl]: type } }, event: 'subscribe' };
    return { ...respond(state, typeUrl, type, snapshot), event: 'subscribe' };
  }
  if (previous.sent?.nonce !== request.response_nonce) return { state, event: 'stale' };
  const nacked = request.error_detail !== undefined;
  const type: TypeState = nacked
    ? { ...previous, names, nacked: { version: previous.sent.version, message: request.error_detail?.message ?? '' } }
    : { names, sent: previous.sent, acked: previous.sent.version };
  const next: StreamState = { ...state, types: { ...state.types, [typeUrl]: type } };
  // A snapshot newer than what was sent goes out now; the refused one never again.
  if (snapshot !== undefined && snapshot.version !== previous.sent.version)
    return { ...respond(next, typeUrl, type, snapshot), event: nacked ? 'nack' : 'ack' };
  return { state: next, event: nacked ? 'nack' : 'ack' };
}

/** A new snapshot for one type: sent when the proxy subscribed to the type
 * and has not been sent this version yet. */
export function onSnapshot(state: StreamState, typeUrl: string, snapshot: TypeSnapshot): { state: StreamState; response?: DiscoveryResponse } {
  const type = state.types[typeUrl];
  if (type === undefined || type.sent?.version === snapshot.version) return { state };
  return respond(state, typeUrl, type, snapshot);
}

/** What `status` shows per type, as istioctl proxy-status does. */
export function syncStatus(type: TypeState | undefined, current: string | undefined): SyncStatus {
  if (type?.sent === undefined) return 'NOT SENT';
  if (type.nacked !== undefined && type.nacked.version === type.sent.version) return 'NACKED';
  return type.acked !== undefined && type.acked === current ? 'SYNCED' : 'STALE';
}
