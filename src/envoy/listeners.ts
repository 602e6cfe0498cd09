// The proxy's listeners. Outbound and inbound traffic arrives through the
// iptables REDIRECT of envoy-init; original_dst restores where it was going.

import type { AccessLogFormat, IpFamily } from '../config/config.js';
import { accessLogs } from './access-log.js';
import { CONFIG_FILES, PROXY_PORT } from '../model/names.js';
import type { JsonObject } from '../model/json.js';
import { CLUSTER } from './clusters.js';
import { OUTBOUND_ROUTE_CONFIG } from './route-config.js';
import { fileConfigSource, socketAddress, TYPE, typed } from './xds.js';

/** Listens on every family the cluster runs: 0.0.0.0 and/or [::]. */
function listenerAddresses(port: number, families: readonly IpFamily[]): JsonObject {
  const addresses = families.map((family) => socketAddress(family === 'IPv4' ? '0.0.0.0' : '::', port));
  const [primary, ...additional] = addresses;
  const result: JsonObject = { address: primary ?? socketAddress('0.0.0.0', port) };
  if (additional.length > 0) result.additional_addresses = additional.map((address) => ({ address }));
  return result;
}

const ORIGINAL_DST_FILTER: JsonObject = {
  name: 'envoy.filters.listener.original_dst',
  typed_config: typed(TYPE.originalDst),
};

function tcpProxy(statPrefix: string, cluster: string, accessLog: AccessLogFormat = 'off'): JsonObject {
  return {
    name: 'envoy.filters.network.tcp_proxy',
    typed_config: typed(TYPE.tcpProxy, { stat_prefix: statPrefix, cluster, ...accessLogs(accessLog, 'tcp') }),
  };
}

const ROUTER_FILTER: JsonObject = {
  name: 'envoy.filters.http.router',
  // Transparent: the app's peers see no x-envoy-* headers they did not ask for.
  typed_config: typed(TYPE.router, { suppress_envoy_headers: true }),
};

/** The name routes use in typed_per_filter_config to inject faults. */
export const FAULT_FILTER_NAME = 'envoy.filters.http.fault';

/** No fault of its own: each route's typed_per_filter_config says its faults.
 * Only in the chain when a route uses it, so other pods pay nothing. */
const FAULT_FILTER: JsonObject = { name: FAULT_FILTER_NAME, typed_config: typed(TYPE.fault) };

/** For the app's HTTP traffic (`app`), or for one admin path. Defaults are
 * not restated (codec_type AUTO): every byte here is in every pod's annotations. */
function httpConnectionManager(statPrefix: string, routing: JsonObject, app?: { accessLog: AccessLogFormat; faults: boolean }): JsonObject {
  return {
    name: 'envoy.filters.network.http_connection_manager',
    typed_config: typed(TYPE.httpConnectionManager, {
      stat_prefix: statPrefix,
      ...routing,
      ...(app ? accessLogs(app.accessLog, 'http') : {}),
      http_filters: app?.faults === true ? [FAULT_FILTER, ROUTER_FILTER] : [ROUTER_FILTER],
      // The app's websockets pass through; a probe or a scrape never upgrades.
      ...(app ? { upgrade_configs: [{ upgrade_type: 'websocket' }] } : {}),
      generate_request_id: false,
    }),
  };
}

/** A connection addressed to the proxy's own capture port would be passed
 * back to itself by ORIGINAL_DST forever: such connections are dropped. */
function loopGuardChains(prefix: string): JsonObject[] {
  return [PROXY_PORT.outbound, PROXY_PORT.inbound].map((port) => ({
    name: `${prefix}_loop_guard_${port}`,
    filter_chain_match: { destination_port: port },
    filters: [tcpProxy(`${prefix}_loop_guard`, CLUSTER.blackhole)],
  }));
}

export const OUTBOUND_STAT_PREFIX = 'outbound';

/** Where an HTTP chain's HttpConnectionManager takes its routes: `rds` (from a
 * file or from ADS) or an inline `route_config`. */
export type OutboundRouting = JsonObject;

/** Routes read from the envoy-config volume's rds.json: file mode. */
export const FILE_ROUTING: OutboundRouting = { rds: { route_config_name: OUTBOUND_ROUTE_CONFIG, config_source: fileConfigSource(CONFIG_FILES.rds.file) } };

interface HttpChainOptions {
  faults?: boolean;
  routing?: OutboundRouting;
}

/** The filter chain that routes one destination port's connections as HTTP. */
function outboundHttpChain(port: number, accessLog: AccessLogFormat, { faults, routing }: Required<HttpChainOptions>): JsonObject {
  return {
    name: `outbound_http_${port}`,
    filter_chain_match: { destination_port: port },
    filters: [httpConnectionManager(`outbound_http_${port}`, routing, { accessLog, faults })],
  };
}

/** Outbound traffic is routed as HTTP only for destination ports configured as
 * HTTP; every other connection is a plain TCP passthrough chosen before a
 * byte is read, so server-first protocols (MySQL, SMTP) never wait on detection.
 * With `handOff` (the xDS bootstrap's fallback), a connection whose original
 * destination port has a listener of its own (outboundPortListeners, over
 * LDS) is handed to it, as Istio's virtual outbound listener does; this
 * listener's chains serve only while there is none. */
export function outboundListener(
  httpPorts: readonly number[],
  families: readonly IpFamily[],
  accessLog: AccessLogFormat,
  { handOff = false, faults = false, routing = FILE_ROUTING }: HttpChainOptions & { handOff?: boolean } = {},
): JsonObject {
  // Envoy refuses two filter chains with the same match: one chain per port.
  const httpChains = [...new Set(httpPorts)].map((port) => outboundHttpChain(port, accessLog, { faults, routing }));
  return {
    name: 'outbound',
    // Stats as listener.outbound.*: the drain hook reads its open connections.
    stat_prefix: OUTBOUND_STAT_PREFIX,
    traffic_direction: 'OUTBOUND',
    ...listenerAddresses(PROXY_PORT.outbound, families),
    ...(handOff ? { use_original_dst: true } : {}),
    listener_filters: [ORIGINAL_DST_FILTER],
    filter_chains: [...loopGuardChains('outbound'), ...httpChains],
    default_filter_chain: { name: 'outbound_tcp', filters: [tcpProxy('outbound_tcp', CLUSTER.passthrough, accessLog)] },
  };
}

/**
 * Over xDS, one listener per HTTP port at 0.0.0.0:<port> (and [::]:<port>),
 * bound to no socket: the bootstrap's outbound listener hands it each
 * connection whose original destination has that port (Envoy looks the
 * restored address up exactly, then as the wildcard of its port:
 * ConnectionHandlerImpl::getBalancedHandlerByAddress). They share the
 * outbound listener's stat prefix, so the drain hook counts their connections.
 */
export function outboundPortListeners(
  httpPorts: readonly number[],
  families: readonly IpFamily[],
  accessLog: AccessLogFormat,
  chain: Required<HttpChainOptions>,
): JsonObject[] {
  return [...new Set(httpPorts)].map((port) => ({
    name: `outbound_http_${port}`,
    stat_prefix: OUTBOUND_STAT_PREFIX,
    traffic_direction: 'OUTBOUND',
    ...listenerAddresses(port, families),
    bind_to_port: false,
    filter_chains: [outboundHttpChain(port, accessLog, chain)],
  }));
}

export function inboundListener(families: readonly IpFamily[], accessLog: AccessLogFormat): JsonObject {
  return {
    name: 'inbound',
    // What the drain hook's drain_listeners?inboundonly drains.
    traffic_direction: 'INBOUND',
    ...listenerAddresses(PROXY_PORT.inbound, families),
    listener_filters: [ORIGINAL_DST_FILTER],
    filter_chains: loopGuardChains('inbound'),
    default_filter_chain: { name: 'inbound_tcp', filters: [tcpProxy('inbound_tcp', CLUSTER.inboundPassthrough, accessLog)] },
  };
}

/** Exposes one path of the admin interface (which stays on 127.0.0.1) on a pod
 * port, so kubelet and Prometheus reach it without reaching the rest of admin. */
export function adminPathListener(name: string, port: number, path: string, families: readonly IpFamily[]): JsonObject {
  return {
    name,
    ...listenerAddresses(port, families),
    filter_chains: [
      {
        filters: [
          httpConnectionManager(name, {
            route_config: {
              name,
              virtual_hosts: [
                {
                  name,
                  domains: ['*'],
                  routes: [
                    { match: { path }, route: { cluster: CLUSTER.admin } },
                    { match: { prefix: '/' }, direct_response: { status: 404 } },
                  ],
                },
              ],
            },
          }),
        ],
      },
    ],
  };
}

const BYTES_PER_HTTP_PORT = new Map<string, number>();

/** What one more HTTP port adds to the outbound listener's JSON, in bytes (at
 * most: the largest port number, and the fault filter in its chain): lets a
 * caller bound the rendered size from the number of ports before rendering them. */
export function outboundBytesPerHttpPort(families: readonly IpFamily[], accessLog: AccessLogFormat): number {
  const key = `${families.join(',')}/${accessLog}`;
  let bytes = BYTES_PER_HTTP_PORT.get(key);
  // Stryker disable next-line ConditionalExpression: equivalent, measuring again gives the same number (only slower)
  if (bytes === undefined) {
    const size = (ports: number[]): number => JSON.stringify(outboundListener(ports, families, accessLog, { faults: true })).length;
    bytes = size([65535]) - size([]);
    BYTES_PER_HTTP_PORT.set(key, bytes);
  }
  return bytes;
}
