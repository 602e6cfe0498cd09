// The injector as its proxies' control plane: Envoy's Aggregated Discovery
// Service (envoy.service.discovery.v3, state of the world) over gRPC. Each
// stream is one proxy: it proves which pod it is (envoy/proxy-identity.ts),
// then gets that pod's resources and nothing else, each type versioned and
// acknowledged as the xDS protocol has it (envoy/ads-stream.ts), pushed
// again when the pod's snapshot changes. The resources are the injector's
// rendered documents, encoded by Envoy's own message types
// (envoy/any-encoding.ts). `serve --xds-port` starts it (cli/serve.ts).

import { performance } from 'node:perf_hooks';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { Root } from 'protobufjs';
import { encodeAny } from '../envoy/any-encoding.js';
import {
  EMPTY_STREAM,
  onRequest,
  onSnapshot,
  syncStatus,
  type DiscoveryRequest,
  type ProxySync,
  type DiscoveryResponse,
  type StreamState,
  type TypeSnapshot,
} from '../envoy/ads-stream.js';
import { bearerToken, proxyIdentity, type ProxyPod } from '../envoy/proxy-identity.js';
import { XDS_TYPE_URLS } from '../envoy/xds.js';
import { MEMO_BYTES } from '../model/limits.js';
import { BoundedCache } from '../model/memo.js';
import { firstLine } from '../syntax/first-line.js';

/** What the server serves: each pod's current snapshot per type, and word
 * of its changes. A snapshot's version names its content: two snapshots of a
 * type with one version hold the same resources (the rendered documents'
 * versions are hashes of them), so what is encoded once serves every proxy. */
export interface XdsSource {
  snapshot(pod: ProxyPod, typeUrl: string): TypeSnapshot | undefined;
  /** Calls `changed` whenever one of the pod's snapshots may have changed,
   * with when (performance.now()) the first change since the last call
   * arrived; returns the unsubscribe. */
  watch(pod: ProxyPod, changed: (since: number) => void): () => void;
}

/** The types a proxy may ask for on this server; a request for another is ignored, keeping no state. */
export const SERVED_TYPES: readonly string[] = Object.values(XDS_TYPE_URLS);

/** A DiscoveryRequest is a few hundred bytes; far larger ones are refused by gRPC before they are read. */
const MAX_REQUEST_BYTES = 256 * 1024;

export interface XdsServerOptions {
  /** Where envoy/service/discovery/v3/ads.proto and what it imports are. */
  protoIncludeDirs: readonly string[];
  /** Envoy's message types, to encode each resource. */
  resourceTypes: Root;
  credentials: grpc.ServerCredentials;
  /** The TokenReview status the API server gives a token. */
  reviewToken: (token: string) => Promise<unknown>;
  source: XdsSource;
  /** A stream that has not identified itself (its first request) by then is closed: a connection costs its time. */
  identifyWithinMs?: number;
  /** Told of each stream's events, for logs and metrics. */
  onEvent?: (event: XdsEvent) => void;
}

export type XdsEvent =
  | { kind: 'refused'; code: string; message: string }
  | { kind: 'connected' | 'disconnected'; pod: string }
  | { kind: 'ack' | 'nack'; pod: string; typeUrl: string; detail: string }
  /** latencyMs: from the change that caused it to the write (absent for an answer to a request). */
  | { kind: 'push'; pod: string; typeUrl: string; detail: string; latencyMs?: number };

export interface XdsServer {
  port: number;
  /** Every identified stream's sync state, by pod. */
  sync(): ProxySync[];
  close(): Promise<void>;
}

interface WireRequest {
  node?: { id?: string };
  type_url?: string;
  version_info?: string;
  response_nonce?: string;
  resource_names?: string[];
  error_detail?: { code?: number; message?: string };
}

type AdsCall = grpc.ServerDuplexStream<WireRequest, unknown>;

/** envoy.service.discovery.v3.AggregatedDiscoveryService, from Envoy's ads.proto, field names as written. */
export function adsService(protoIncludeDirs: readonly string[]): grpc.ServiceClientConstructor {
  const definition = protoLoader.loadSync('envoy/service/discovery/v3/ads.proto', {
    includeDirs: [...protoIncludeDirs],
    keepCase: true,
    longs: String,
    enums: String,
    defaults: false,
    oneofs: true,
  });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as {
    envoy: { service: { discovery: { v3: { AggregatedDiscoveryService: grpc.ServiceClientConstructor } } } };
  };
  return loaded.envoy.service.discovery.v3.AggregatedDiscoveryService;
}

/** Encoded resources by type and version: the pods of one workload share
 * their documents, and an EndpointSlice change sends one assignment to every
 * proxy routing to the Service — each encoded once, not once per stream. */
type Encoded = ReturnType<typeof encodeAny>[];

function encoder(resourceTypes: Root): (response: DiscoveryResponse) => Encoded {
  const cache = new BoundedCache<Encoded>(4096, MEMO_BYTES.encodedResources);
  return (response) => {
    const key = `${response.type_url}\n${response.version_info}`;
    const found = cache.get(key);
    if (found !== undefined) return found;
    const encoded = response.resources.map((resource) => encodeAny(resourceTypes, resource));
    return cache.set(
      key,
      encoded,
      encoded.reduce((sum, any) => sum + any.value.length + 2 * any.type_url.length, 0),
    );
  };
}

export async function startXdsServer(options: XdsServerOptions, host: string, port: number): Promise<XdsServer> {
  const server = new grpc.Server({ 'grpc.max_receive_message_length': MAX_REQUEST_BYTES });
  const encode = encoder(options.resourceTypes);
  /** Every open stream, and its sync state once it has identified itself. */
  const streams = new Map<AdsCall, () => ProxySync | undefined>();
  server.addService(adsService(options.protoIncludeDirs).service, {
    StreamAggregatedResources: (call: AdsCall) => serveStream(call, options, streams, encode),
  });
  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${host}:${port}`, options.credentials, (error, boundPort) => (error ? reject(error) : resolve(boundPort))),
  );
  return {
    port: bound,
    sync: () => [...streams.values()].flatMap((report) => report() ?? []).sort((a, b) => a.pod.localeCompare(b.pod)),
    close: () =>
      new Promise<void>((resolve) => {
        // No new streams; the open ones end with UNAVAILABLE, which Envoy
        // answers by reconnecting — through the Service, to another replica.
        server.tryShutdown(() => resolve());
        for (const call of streams.keys()) call.emit('error', { code: grpc.status.UNAVAILABLE, details: 'the control plane replica is shutting down' });
        streams.clear();
      }),
  };
}

function serveStream(
  call: AdsCall,
  options: XdsServerOptions,
  streams: Map<AdsCall, () => ProxySync | undefined>,
  encode: (response: DiscoveryResponse) => Encoded,
): void {
  let state: StreamState = EMPTY_STREAM;
  let pod: ProxyPod | undefined;
  /** `<pod>.<namespace>`, as the proxy's node id says it, for events. */
  let podId = '';
  let unwatch: (() => void) | undefined;
  // Requests are handled one at a time, in order: the first waits for the token's review.
  let queue: Promise<void> = Promise.resolve();
  let refused = false;
  const refuse = (code: 'UNAUTHENTICATED' | 'PERMISSION_DENIED', message: string): void => {
    if (refused) return;
    refused = true;
    clearTimeout(identifyDeadline);
    options.onEvent?.({ kind: 'refused', code, message });
    call.emit('error', { code: grpc.status[code], details: message });
  };
  const send = (response: DiscoveryResponse | undefined, since?: number): void => {
    if (response === undefined || pod === undefined) return;
    call.write({ ...response, resources: encode(response) });
    options.onEvent?.({
      kind: 'push',
      pod: podId,
      typeUrl: response.type_url,
      detail: response.version_info,
      ...(since === undefined ? {} : { latencyMs: performance.now() - since }),
    });
  };
  const pushChanges = (since: number): void => {
    if (pod === undefined || refused) return;
    for (const typeUrl of Object.keys(state.types)) {
      const snapshot = options.source.snapshot(pod, typeUrl);
      if (snapshot === undefined) continue;
      const next = onSnapshot(state, typeUrl, snapshot);
      state = next.state;
      send(next.response, since);
    }
  };
  const report = (): ProxySync | undefined => {
    if (pod === undefined) return undefined;
    const served = pod;
    return {
      pod: podId,
      types: Object.entries(state.types).map(([typeUrl, type]) => ({
        typeUrl,
        status: syncStatus(type, options.source.snapshot(served, typeUrl)?.version),
        ...(type.sent ? { sent: type.sent.version } : {}),
        ...(type.acked === undefined ? {} : { acked: type.acked }),
        ...(type.nacked ? { error: type.nacked.message } : {}),
      })),
    };
  };
  const identify = async (request: WireRequest): Promise<boolean> => {
    const token = bearerToken(call.metadata.get('authorization').map(String));
    if (!token.ok) {
      refuse('UNAUTHENTICATED', token.message);
      return false;
    }
    const identity = proxyIdentity(request.node?.id ?? '', await options.reviewToken(token.token));
    // The deadline may have closed the stream while the API server answered.
    if (refused) return false;
    if (!identity.ok) {
      refuse(identity.code, identity.message);
      return false;
    }
    pod = identity.pod;
    podId = `${pod.name}.${pod.namespace}`;
    unwatch = options.source.watch(pod, pushChanges);
    options.onEvent?.({ kind: 'connected', pod: podId });
    return true;
  };
  streams.set(call, report);
  const identifyMs = options.identifyWithinMs ?? 10_000;
  const identifyDeadline = setTimeout(() => {
    if (pod === undefined) refuse('UNAUTHENTICATED', `no DiscoveryRequest with a node within ${identifyMs / 1000} s`);
  }, identifyMs);
  const handle = async (request: WireRequest): Promise<void> => {
    if (refused) return;
    if (pod === undefined && !(await identify(request))) return;
    clearTimeout(identifyDeadline);
    if (pod === undefined || typeof request.type_url !== 'string' || !SERVED_TYPES.includes(request.type_url)) return;
    const discovery: DiscoveryRequest = {
      type_url: request.type_url,
      ...(request.version_info === undefined ? {} : { version_info: request.version_info }),
      ...(request.response_nonce === undefined ? {} : { response_nonce: request.response_nonce }),
      ...(request.resource_names === undefined ? {} : { resource_names: request.resource_names }),
      ...(request.error_detail === undefined ? {} : { error_detail: request.error_detail }),
    };
    const result = onRequest(state, discovery, options.source.snapshot(pod, request.type_url));
    state = result.state;
    if (result.event === 'ack' || result.event === 'nack') {
      options.onEvent?.({
        kind: result.event,
        pod: podId,
        typeUrl: request.type_url,
        detail: request.error_detail?.message ?? request.version_info ?? '',
      });
    }
    send(result.response);
  };
  call.on('data', (request: WireRequest) => {
    queue = queue
      .then(() => handle(request))
      .catch((error: unknown) => {
        // The API server could not review the token, or a resource could not be encoded: the stream ends, and nothing more is read.
        if (refused) return;
        refused = true;
        call.emit('error', { code: grpc.status.UNAVAILABLE, details: error instanceof Error ? firstLine(error.message).slice(0, 300) : 'internal error' });
      });
  });
  const stop = (): void => {
    clearTimeout(identifyDeadline);
    streams.delete(call);
    if (unwatch === undefined) return;
    unwatch();
    unwatch = undefined;
    options.onEvent?.({ kind: 'disconnected', pod: podId });
  };
  call.on('end', () => {
    stop();
    call.end();
  });
  call.on('cancelled', stop);
  call.on('error', stop);
}
