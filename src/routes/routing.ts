// A pod's routing, whole: its route overrides planned, the ports routed as
// HTTP derived from them, the virtual hosts rendered with the names and ports
// that make domains mean what users write, and the warnings that catch routes
// that would never apply.

import type { RouteOverrides } from '../envoy/render.js';
import type { AnnotationProblem, AnnotationSources } from '../model/annotations.js';
import { failed, ok, type Result } from '../model/result.js';
import { ANNOTATION } from '../model/names.js';
import { renderedRoutingSize, renderedSizeProblem } from './rendered-size.js';
import { deriveHttpPorts, type HttpPort, type HttpPortInputs } from './http-ports.js';
import { routeWarnings } from './lint.js';
import { planRouteOverrides, type RouteContext } from './overrides.js';
import { clusterName, type RouteTarget } from './targets.js';
import { renderVirtualHosts } from './virtual-hosts.js';

export interface Routing {
  overrides: RouteOverrides;
  httpPorts: HttpPort[];
  warnings: string[];
}

export type PortSettings = Pick<HttpPortInputs, 'annotated' | 'excluded'>;

export function resolveRouting(sources: AnnotationSources, context: RouteContext, ports: PortSettings): Result<Routing, AnnotationProblem> {
  const plan = planRouteOverrides(sources, context);
  if (!plan.ok) return plan;
  const { hosts, clusters, targets } = plan.value;
  const clusterDomain = context.config.clusterDomain;
  const derived = deriveHttpPorts({
    ...ports,
    defaults: context.config.proxy.outboundHttpPorts,
    targets,
    domains: hosts.flatMap((host) => host.domains),
    podNamespace: context.namespace,
    clusterDomain,
    services: context.services,
  });
  const httpPorts = derived.ports.map((p) => p.port);
  const domains = hosts.flatMap((host) => host.domains);
  const size = renderedRoutingSize({ domains, httpPorts, podNamespace: context.namespace, clusterDomain, ipFamilies: context.config.proxy.ipFamilies });
  const tooLarge = renderedSizeProblem(size, httpPorts.length);
  if (tooLarge !== undefined) {
    const source = sources.pod ?? sources.namespace;
    return failed({ annotation: source?.annotation ?? ANNOTATION.routes, from: source?.from ?? 'pod', message: tooLarge });
  }
  const rendered = renderVirtualHosts(hosts, { httpPorts, podNamespace: context.namespace, clusterDomain });
  const lint = routeWarnings(hosts, { httpPorts, podNamespace: context.namespace, clusterDomain, services: context.services });
  return ok({
    overrides: { virtualHosts: rendered.virtualHosts, clusters, serviceClusters: serviceClusterNames(targets) },
    httpPorts: derived.ports,
    warnings: [...plan.value.warnings, ...derived.warnings, ...rendered.warnings, ...lint],
  });
}

/** The clusters that are Kubernetes Services, each once, in the order first named. */
function serviceClusterNames(targets: readonly RouteTarget[]): string[] {
  return [...new Set(targets.filter((target) => target.kind === 'service').map(clusterName))];
}
