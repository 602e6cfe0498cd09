// Clusters present in every proxy. Route override clusters are rendered from
// the routes annotation (routes.ts) and served through CDS.

import { PROXY_PORT } from '../model/names.js';
import type { JsonObject } from '../model/json.js';
import { socketAddress } from './xds.js';

export const CLUSTER = {
  /** Outbound traffic to wherever the app was connecting. */
  passthrough: 'passthrough',
  /** Inbound traffic to the app port it was addressed to. */
  inboundPassthrough: 'inbound_passthrough',
  /** Envoy's admin interface; only /ready and /stats/prometheus are routed to it. */
  admin: 'envoy_admin',
  /** No endpoints: connections that would loop into the proxy itself end here. */
  blackhole: 'blackhole',
} as const;

function originalDestination(name: string): JsonObject {
  return {
    name,
    type: 'ORIGINAL_DST',
    lb_policy: 'CLUSTER_PROVIDED',
    connect_timeout: '10s',
  };
}

export function staticClusters(): JsonObject[] {
  return [
    originalDestination(CLUSTER.passthrough),
    originalDestination(CLUSTER.inboundPassthrough),
    {
      name: CLUSTER.admin,
      type: 'STATIC',
      connect_timeout: '1s',
      load_assignment: {
        cluster_name: CLUSTER.admin,
        endpoints: [{ lb_endpoints: [{ endpoint: { address: socketAddress('127.0.0.1', PROXY_PORT.admin) } }] }],
      },
    },
    // No endpoints and never connects: nothing to say beyond its type.
    { name: CLUSTER.blackhole, type: 'STATIC' },
  ];
}
