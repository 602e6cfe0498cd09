// A Service's endpoints as Envoy's EDS serves them (a ClusterLoadAssignment),
// from its EndpointSlices (discovery.k8s.io/v1) as kube-proxy reads them:
// the Service port picked by name in each slice, ready endpoints HEALTHY,
// serving-but-terminating ones DRAINING (new requests go elsewhere, open
// ones finish), not-ready ones left out, and each endpoint's zone as its
// locality. Pure: slices in, the assignment out.

import type { JsonObject } from '../model/json.js';
import { isPlainObject } from '../model/kubernetes.js';

/** The label an EndpointSlice names its Service by. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/** Endpoints served per cluster, at most: a Service larger than this is
 * served its first ones in address order, and the cut is said back. The
 * API server's own EndpointSlice controller keeps 1,000 per slice. */
export const MAX_ENDPOINTS_PER_CLUSTER = 10_000;

export type EndpointHealth = 'HEALTHY' | 'DRAINING';

export interface ServedEndpoint {
  address: string;
  port: number;
  zone: string;
  health: EndpointHealth;
}

export interface LoadAssignment {
  assignment: JsonObject;
  /** Endpoints left out because the cluster holds its maximum. */
  dropped: number;
}

/** kube-proxy's reading of an endpoint's conditions: unset ready or serving
 * count as true (the API's "unknown means ready"); a terminating endpoint
 * that still serves is drained rather than dropped. */
function healthOf(conditions: unknown): EndpointHealth | undefined {
  const c = isPlainObject(conditions) ? conditions : {};
  const ready = c.ready !== false;
  const serving = c.serving === undefined ? ready : c.serving === true;
  if (ready && c.terminating !== true) return 'HEALTHY';
  if (serving && c.terminating === true) return 'DRAINING';
  return undefined;
}

/** The slice's port for the Service port named `portName` ("" for the
 * Service's one unnamed port), as kube-proxy matches them. */
function slicePort(slice: Readonly<Record<string, unknown>>, portName: string): number | undefined {
  const ports = Array.isArray(slice.ports) ? slice.ports : [];
  for (const port of ports) {
    if (!isPlainObject(port)) continue;
    const name = typeof port.name === 'string' ? port.name : '';
    if (name === portName && typeof port.port === 'number' && Number.isInteger(port.port) && port.port > 0 && port.port <= 65535) return port.port;
  }
  return undefined;
}

/** Every endpoint of the Service's slices on the named port, each address
 * once (an address can sit in two slices while one is being replaced: the
 * healthier reading wins). FQDN slices are left out: an EDS endpoint is an IP. */
export function servedEndpoints(slices: readonly unknown[], serviceName: string, portName: string): ServedEndpoint[] {
  const byAddress = new Map<string, ServedEndpoint>();
  for (const slice of slices) {
    if (!isPlainObject(slice)) continue;
    const labels = isPlainObject(slice.metadata) && isPlainObject(slice.metadata.labels) ? slice.metadata.labels : {};
    if (labels[SERVICE_NAME_LABEL] !== serviceName) continue;
    if (slice.addressType !== 'IPv4' && slice.addressType !== 'IPv6') continue;
    const port = slicePort(slice, portName);
    if (port === undefined) continue;
    for (const endpoint of Array.isArray(slice.endpoints) ? slice.endpoints : []) {
      if (!isPlainObject(endpoint)) continue;
      const health = healthOf(endpoint.conditions);
      if (health === undefined) continue;
      const zone = typeof endpoint.zone === 'string' ? endpoint.zone : '';
      // An endpoint has one address in practice; the API allows up to 100, all the same backend.
      const [address] = Array.isArray(endpoint.addresses) ? endpoint.addresses.filter((a): a is string => typeof a === 'string' && a !== '') : [];
      if (address === undefined) continue;
      const key = `${address}|${port}`;
      const known = byAddress.get(key);
      if (known === undefined || (known.health === 'DRAINING' && health === 'HEALTHY')) byAddress.set(key, { address, port, zone, health });
    }
  }
  return [...byAddress.values()].sort((a, b) => a.zone.localeCompare(b.zone) || a.address.localeCompare(b.address) || a.port - b.port);
}

/** The ClusterLoadAssignment of `clusterName`: one locality per zone, in zone order. */
export function loadAssignment(clusterName: string, endpoints: readonly ServedEndpoint[]): LoadAssignment {
  const kept = endpoints.slice(0, MAX_ENDPOINTS_PER_CLUSTER);
  const byZone = new Map<string, JsonObject[]>();
  for (const endpoint of kept) {
    const list = byZone.get(endpoint.zone) ?? [];
    list.push({
      endpoint: { address: { socket_address: { address: endpoint.address, port_value: endpoint.port } } },
      health_status: endpoint.health,
    });
    byZone.set(endpoint.zone, list);
  }
  const localities = [...byZone].map(([zone, lbEndpoints]) => ({ ...(zone === '' ? {} : { locality: { zone } }), lb_endpoints: lbEndpoints }));
  return { assignment: { cluster_name: clusterName, endpoints: localities }, dropped: endpoints.length - kept.length };
}
