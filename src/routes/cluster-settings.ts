// How the proxy talks to a route target: balancing, timeouts, circuit breakers,
// outlier detection and upstream HTTP/2, written per target in the routes
// document's `clusters:` list with Envoy's own Cluster field names, checked as
// strictly as the routes, and rendered onto the target's cluster. Balancing
// over a Service's pods needs config-source: xds (EDS endpoints); in file
// mode a Service is one address (its ClusterIP) and only the rest applies.

import { typed } from '../envoy/xds.js';
import type { JsonObject } from '../model/json.js';
import { isPlainObject } from '../model/kubernetes.js';
import type { ServicePort } from '../model/lookups.js';
import { canonicalDuration, type Duration, type ObjectSpec } from './schema.js';

/** Envoy's load balancers a pod may pick (Cluster.LbPolicy; CLUSTER_PROVIDED
 * and LOAD_BALANCING_POLICY_CONFIG are the injector's own business). */
const LB_POLICIES = ['ROUND_ROBIN', 'LEAST_REQUEST', 'RANDOM', 'RING_HASH', 'MAGLEV'] as const;

/** More targets than any pod routes to: each costs a cluster. */
export const MAX_CLUSTER_SETTINGS = 64;

const UINT32 = { kind: 'integer', min: 0, max: 4_294_967_295 } as const;
const PERCENT = { kind: 'integer', min: 0, max: 100 } as const;
/** Envoy's bounds: ring sizes up to 8M entries, a Maglev table prime up to 5000011. */
const RING_SIZE = { kind: 'integer', min: 1, max: 8_388_608 } as const;
const MAX_MAGLEV_TABLE = 5_000_011;

function isPrime(n: number): boolean {
  if (n < 2) return false;
  for (let d = 2; d * d <= n; d++) if (n % d === 0) return false;
  return true;
}

const thresholds: ObjectSpec = {
  kind: 'object',
  fields: {
    priority: { kind: 'enum', values: ['DEFAULT', 'HIGH'] },
    max_connections: UINT32,
    max_pending_requests: UINT32,
    max_requests: UINT32,
    max_retries: UINT32,
  },
};

/** The lb config each policy reads; any other is refused (Envoy ignores it silently). */
const LB_CONFIG_OF: Readonly<Record<string, string>> = {
  LEAST_REQUEST: 'least_request_lb_config',
  RING_HASH: 'ring_hash_lb_config',
  MAGLEV: 'maglev_lb_config',
};

export const CLUSTER_SETTINGS_SPEC: ObjectSpec = {
  kind: 'object',
  fields: {
    // A route target as the routes write it: svc, svc:port, svc.ns, svc.ns:port (or an external host:port).
    target: { kind: 'string', nonEmpty: true },
    lb_policy: { kind: 'enum', values: LB_POLICIES },
    connect_timeout: { kind: 'duration' },
    least_request_lb_config: { kind: 'object', fields: { choice_count: { kind: 'integer', min: 2, max: 100 } } },
    ring_hash_lb_config: {
      kind: 'object',
      fields: { minimum_ring_size: RING_SIZE, maximum_ring_size: RING_SIZE },
      check: (value) =>
        typeof value.minimum_ring_size === 'number' && typeof value.maximum_ring_size === 'number' && value.minimum_ring_size > value.maximum_ring_size
          ? `minimum_ring_size ${value.minimum_ring_size} is above maximum_ring_size ${value.maximum_ring_size}`
          : undefined,
    },
    maglev_lb_config: {
      kind: 'object',
      fields: { table_size: { kind: 'integer', min: 2, max: MAX_MAGLEV_TABLE } },
      check: (value) =>
        typeof value.table_size === 'number' && !isPrime(value.table_size) ? `table_size ${value.table_size} is not a prime number` : undefined,
    },
    circuit_breakers: { kind: 'object', fields: { thresholds: { kind: 'list', items: thresholds, maxItems: 2 } } },
    outlier_detection: {
      kind: 'object',
      fields: {
        consecutive_5xx: UINT32,
        consecutive_gateway_failure: UINT32,
        interval: { kind: 'duration' },
        base_ejection_time: { kind: 'duration' },
        max_ejection_time: { kind: 'duration' },
        max_ejection_percent: PERCENT,
        enforcing_consecutive_5xx: PERCENT,
        enforcing_consecutive_gateway_failure: PERCENT,
        enforcing_success_rate: PERCENT,
      },
    },
    // Ours, not Envoy's: talk HTTP/2 to the target (gRPC needs it). Unset:
    // from the Service port's appProtocol or name, as Istio reads them.
    upstream_http2: { kind: 'boolean' },
  },
  required: ['target'],
  hints: {
    http2_protocol_options: 'write upstream_http2: true (Envoy reads it from typed_extension_protocol_options now)',
    lb_subset_config: 'subset balancing is not supported: route to the Services of each subset instead',
  },
  check: (value) => {
    const wanted = typeof value.lb_policy === 'string' ? LB_CONFIG_OF[value.lb_policy] : undefined;
    const misplaced = Object.values(LB_CONFIG_OF).find((field) => value[field] !== undefined && field !== wanted);
    return misplaced === undefined
      ? undefined
      : `${misplaced} is read only with lb_policy ${Object.keys(LB_CONFIG_OF).find((p) => LB_CONFIG_OF[p] === misplaced) ?? ''}`;
  },
};

/** The settings of one target as written (after the schema check). */
export type ClusterSettingsInput = Readonly<Record<string, unknown>> & { target: string };

/** Service ports whose protocol is HTTP/2: appProtocol (Kubernetes' field) or
 * a name prefix (Istio's convention: grpc-*, http2-*, h2c-*). */
export function speaksHttp2(port: ServicePort | undefined): boolean {
  if (port === undefined) return false;
  const appProtocol = port.appProtocol?.toLowerCase();
  if (appProtocol !== undefined) return ['grpc', 'grpc-web', 'http2', 'h2c', 'kubernetes.io/h2c'].includes(appProtocol);
  const name = port.name?.toLowerCase() ?? '';
  return ['grpc', 'http2', 'h2c'].some((prefix) => name === prefix || name.startsWith(`${prefix}-`));
}

const HTTP_PROTOCOL_OPTIONS = 'envoy.extensions.upstreams.http.v3.HttpProtocolOptions';

/** Durations in the one spelling the rendered config uses. */
function withCanonicalDurations(settings: JsonObject, fields: readonly string[]): JsonObject {
  const result: JsonObject = { ...settings };
  for (const field of fields) if (result[field] !== undefined) result[field] = canonicalDuration(result[field] as Duration);
  return result;
}

/** The cluster with the settings on it: the written fields as Envoy reads
 * them, upstream HTTP/2 as typed_extension_protocol_options. */
export function withClusterSettings(cluster: JsonObject, settings: ClusterSettingsInput | undefined, http2ByService: boolean): JsonObject {
  const { target: _target, upstream_http2: upstreamHttp2, connect_timeout: connectTimeout, outlier_detection: outlier, ...fields } = settings ?? { target: '' };
  const result: JsonObject = { ...cluster, ...(fields as JsonObject) };
  if (connectTimeout !== undefined) result.connect_timeout = canonicalDuration(connectTimeout as Duration);
  if (isPlainObject(outlier)) result.outlier_detection = withCanonicalDurations(outlier as JsonObject, ['interval', 'base_ejection_time', 'max_ejection_time']);
  const http2 = typeof upstreamHttp2 === 'boolean' ? upstreamHttp2 : http2ByService;
  if (http2) {
    result.typed_extension_protocol_options = {
      [HTTP_PROTOCOL_OPTIONS]: typed(HTTP_PROTOCOL_OPTIONS, { explicit_http_config: { http2_protocol_options: {} } }),
    };
  }
  return result;
}
