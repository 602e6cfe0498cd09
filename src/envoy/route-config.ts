// The outbound RouteConfiguration served through RDS. Without overrides it
// has one virtual host that passes every request to its original destination.

import type { JsonObject } from '../model/json.js';
import { CLUSTER } from './clusters.js';

/** The name the outbound listener's RDS asks for: the file must hold exactly one. */
export const OUTBOUND_ROUTE_CONFIG = 'outbound';

export const PASSTHROUGH_VIRTUAL_HOST: JsonObject = {
  name: 'passthrough',
  domains: ['*'],
  // No route timeout: the proxy must not cut long requests the app would not.
  routes: [{ match: { prefix: '/' }, route: { cluster: CLUSTER.passthrough, timeout: '0s' } }],
};

/** Override virtual hosts come first; the passthrough host catches the rest,
 * unless an override already claims every domain. */
export function outboundRouteConfiguration(overrides: readonly JsonObject[]): JsonObject {
  const claimsEverything = overrides.some((vh) => Array.isArray(vh.domains) && vh.domains.includes('*'));
  const virtualHosts = claimsEverything ? [...overrides] : [...overrides, PASSTHROUGH_VIRTUAL_HOST];
  return { name: OUTBOUND_ROUTE_CONFIG, virtual_hosts: virtualHosts };
}
