// Renders the four documents of the envoy-config volume. Their text goes into
// pod annotations, so it is compact JSON (Envoy reads .json files natively).

import { createHash } from 'node:crypto';
import type { JsonObject } from '../model/json.js';
import type { IpFamily } from '../config/config.js';
import { renderBootstrap } from './bootstrap.js';
import { outboundListener } from './listeners.js';
import { outboundRouteConfiguration } from './route-config.js';
import { discoveryResponse, TYPE } from './xds.js';

export interface RouteOverrides {
  virtualHosts: JsonObject[];
  clusters: JsonObject[];
}

export interface EnvoyConfigInput {
  /** `<workload>.<namespace>`: the node's id and cluster. */
  serviceCluster: string;
  namespace: string;
  ipFamilies: readonly IpFamily[];
  /** Destination ports routed as HTTP: one HTTP filter chain each in the outbound listener. */
  httpPorts: readonly number[];
}

export interface RenderedEnvoyConfig {
  bootstrap: string;
  /** The outbound listener, as a discovery response (lds.json). */
  lds: string;
  /** The outbound RouteConfiguration, as a discovery response (rds.json). */
  rds: string;
  /** The route targets' clusters, as a discovery response (cds.json). */
  cds: string;
  /** sha256 of the three documents, shortened: the status annotation's config hash. */
  hash: string;
}

export const NO_ROUTE_OVERRIDES: RouteOverrides = { virtualHosts: [], clusters: [] };

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** version_info changes exactly when the content does, so Envoy's stats show
 * which revision of the routes it runs. */
function versioned(typeName: string, resources: JsonObject[]): string {
  const version = sha256(JSON.stringify(resources)).slice(0, 16);
  return JSON.stringify(discoveryResponse(typeName, resources, version));
}

export function renderEnvoyConfig(input: EnvoyConfigInput, overrides: RouteOverrides): RenderedEnvoyConfig {
  const bootstrap = JSON.stringify(renderBootstrap(input));
  const lds = versioned(TYPE.listener, [outboundListener(input.httpPorts, input.ipFamilies)]);
  const rds = versioned(TYPE.routeConfiguration, [outboundRouteConfiguration(overrides.virtualHosts)]);
  const cds = versioned(TYPE.cluster, overrides.clusters);
  const hash = sha256(`${bootstrap}\n${lds}\n${rds}\n${cds}`).slice(0, 16);
  return { bootstrap, lds, rds, cds, hash };
}
