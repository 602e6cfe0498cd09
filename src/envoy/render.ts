// Renders the four documents of the envoy-config volume. Their text goes into
// pod annotations, so it is compact JSON (Envoy reads .json files natively).

import { createHash } from 'node:crypto';
import type { JsonObject } from '../model/json.js';
import type { AccessLogFormat, IpFamily } from '../config/config.js';
import { renderBootstrap } from './bootstrap.js';
import { deliveredCluster, fallbackCluster, outboundRouting, withFallbackClusters, type ConfigDelivery } from './delivery.js';
import { FAULT_FILTER_NAME, outboundListener, outboundPortListeners } from './listeners.js';
import { isPlainObject } from '../model/kubernetes.js';
import { outboundRouteConfiguration } from './route-config.js';
import { discoveryResponse, TYPE, typed } from './xds.js';
import { BoundedCache, heapBytesOfString } from '../model/memo.js';
import { MEMO_BYTES } from '../model/limits.js';

export interface RouteOverrides {
  virtualHosts: JsonObject[];
  clusters: JsonObject[];
  /** The names of the clusters that are Kubernetes Services: over xDS, their endpoints come from EndpointSlices. */
  serviceClusters: string[];
}

export interface EnvoyConfigInput {
  /** `<workload>.<namespace>`: the node's id and cluster. */
  serviceCluster: string;
  namespace: string;
  ipFamilies: readonly IpFamily[];
  /** Destination ports routed as HTTP: one HTTP filter chain each in the outbound listener. */
  httpPorts: readonly number[];
  accessLog: AccessLogFormat;
  delivery: ConfigDelivery;
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

export const NO_ROUTE_OVERRIDES: RouteOverrides = { virtualHosts: [], clusters: [], serviceClusters: [] };

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** version_info changes exactly when the content does, so Envoy's stats show
 * which revision of the routes it runs. */
function versioned(typeName: string, resources: JsonObject[]): string {
  const body = JSON.stringify(resources.map((resource) => typed(typeName, resource)));
  // The resources are written once, into the hash and into the response.
  return JSON.stringify(discoveryResponse(typeName, [], sha256(body).slice(0, 16))).replace('"resources":[]', () => `"resources":${body}`);
}

/** Pods of one workload render the same config: each distinct one is built
 * once. The output is a function of the inputs alone, so a cached value is
 * the value; the cache is bounded, oldest first out. */
const RENDERED = new BoundedCache<RenderedEnvoyConfig>(512, MEMO_BYTES.rendered);

export function renderEnvoyConfig(input: EnvoyConfigInput, overrides: RouteOverrides): RenderedEnvoyConfig {
  const key = JSON.stringify([
    input.serviceCluster,
    input.namespace,
    input.ipFamilies,
    input.httpPorts,
    input.accessLog,
    input.delivery,
    overrides.virtualHosts,
    overrides.clusters,
    overrides.serviceClusters,
  ]);
  const found = RENDERED.get(key);
  // Stryker disable next-line ConditionalExpression: equivalent, rendering again gives the same value (only slower)
  if (found) return found;
  const rendered = Object.freeze(render(input, overrides));
  return RENDERED.set(key, rendered, renderedConfigBytes(rendered));
}

/** The heap bytes a rendered config holds: what the cache counts it as. */
export function renderedConfigBytes(rendered: RenderedEnvoyConfig): number {
  return [rendered.bootstrap, rendered.lds, rendered.rds, rendered.cds, rendered.hash].reduce((sum, text) => sum + heapBytesOfString(text), 0);
}

/** A route with fault injection needs the fault filter in the HTTP chains. */
function injectsFaults(overrides: RouteOverrides): boolean {
  return overrides.virtualHosts.some((host) =>
    (Array.isArray(host.routes) ? host.routes : []).some((route) => {
      const perFilter = isPlainObject(route) ? route.typed_per_filter_config : undefined;
      return isPlainObject(perFilter) && perFilter[FAULT_FILTER_NAME] !== undefined;
    }),
  );
}

function render(input: EnvoyConfigInput, overrides: RouteOverrides): RenderedEnvoyConfig {
  const faults = injectsFaults(overrides);
  const routing = outboundRouting(input.delivery);
  const routeConfiguration = outboundRouteConfiguration(overrides.virtualHosts);
  const overXds = input.delivery.kind === 'xds';
  const bootstrap = JSON.stringify(renderBootstrap({ ...input, ...(overXds ? { fallback: fallback(input, overrides, routeConfiguration, faults) } : {}) }));
  const listeners = overXds
    ? outboundPortListeners(input.httpPorts, input.ipFamilies, input.accessLog, { faults, routing })
    : [outboundListener(input.httpPorts, input.ipFamilies, input.accessLog, { faults, routing })];
  const lds = versioned(TYPE.listener, listeners);
  const rds = versioned(TYPE.routeConfiguration, [routeConfiguration]);
  const services = new Set(overrides.serviceClusters);
  const cds = versioned(
    TYPE.cluster,
    overrides.clusters.map((cluster) => deliveredCluster(cluster, typeof cluster.name === 'string' && services.has(cluster.name), input.delivery)),
  );
  const hash = sha256(`${bootstrap}\n${lds}\n${rds}\n${cds}`).slice(0, 16);
  return { bootstrap, lds, rds, cds, hash };
}

/** The xDS bootstrap's fallback: the outbound listener as file mode renders
 * it, handing connections off to the per-port listeners once LDS brings
 * them, its routes inline (no RDS to wait for) over renamed clusters. */
function fallback(
  input: EnvoyConfigInput,
  overrides: RouteOverrides,
  routeConfiguration: JsonObject,
  faults: boolean,
): { listener: JsonObject; clusters: JsonObject[] } {
  const routing = { route_config: withFallbackClusters(routeConfiguration, overrides.clusters) };
  return {
    listener: outboundListener(input.httpPorts, input.ipFamilies, input.accessLog, { faults, routing, handOff: true }),
    clusters: overrides.clusters.map(fallbackCluster),
  };
}
