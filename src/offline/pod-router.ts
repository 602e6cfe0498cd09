// The routing an injected pod's proxy will do, read back from what was
// rendered for it (the outbound listener in envoy-lds, the routes in
// envoy-rds): first the destination port picks an HTTP or a TCP chain, as
// Envoy's listener does before reading a byte; then the routes decide.

import type { JsonObject } from '../model/json.js';
import { isPlainObject, type Pod } from '../model/kubernetes.js';
import { ANNOTATION } from '../model/names.js';
import { failed, ok, ProblemList, type Result } from '../model/result.js';
import { splitDomain } from '../routes/domains.js';
import { ROUTE_CONFIGURATION_SPEC } from '../routes/language.js';
import { duplicateVirtualHostProblems } from '../routes/parse.js';
import type { RouteFunction } from '../routes/router-check.js';
import { routeRequest, type RouteTable } from '../routes/router.js';
import { check, type FieldProblem } from '../routes/schema.js';

const HCM = 'envoy.filters.network.http_connection_manager';
const TCP_PROXY = 'envoy.filters.network.tcp_proxy';

type Chain = { kind: 'http' } | { kind: 'tcp'; cluster: string };

/** The port a request's connection goes to: the authority's, else 80. */
export function destinationPort(authority: string): number {
  return splitDomain(authority).port ?? 80;
}

/** A RouteConfiguration checked against the route language, as the router reads it. */
export function routeTableOf(document: unknown): Result<RouteTable, FieldProblem> {
  const problems = new ProblemList<FieldProblem>();
  check(document, ROUTE_CONFIGURATION_SPEC, '', problems);
  if (!problems.isEmpty()) return problems.result(document as RouteTable);
  const table = document as RouteTable;
  problems.add(...duplicateVirtualHostProblems(table.virtual_hosts));
  return problems.result(table);
}

export function tableRouter(table: RouteTable): RouteFunction {
  return (request) => ({ kind: 'http', decision: routeRequest(table, request), table });
}

export function podRouter(pod: Pod): Result<RouteFunction> {
  const routing = podRouting(pod);
  return routing.ok ? ok(routing.value.route) : routing;
}

/** The pod's router, and the route configuration it was rendered with. */
export function podRouting(pod: Pod): Result<{ route: RouteFunction; table: RouteTable }> {
  const annotations = pod.metadata?.annotations ?? {};
  const listener = firstResource(annotations[ANNOTATION.envoyLds]);
  const routes = firstResource(annotations[ANNOTATION.envoyRds]);
  if (!listener || !routes) return failed(`the pod has no rendered ${ANNOTATION.envoyLds} and ${ANNOTATION.envoyRds}: it was not injected by this version`);
  const table = routeTableOf(routes);
  if (!table.ok) return failed(...table.problems.map((p) => `${ANNOTATION.envoyRds} at ${p.field}: ${p.message}`));
  const chains = chainsByPort(listener);
  const fallback = filterChainTarget(listener.default_filter_chain) ?? { kind: 'tcp', cluster: 'passthrough' };
  const route: RouteFunction = (request) => {
    const chain = chains.get(destinationPort(request.authority)) ?? fallback;
    return chain.kind === 'http' ? { kind: 'http', decision: routeRequest(table.value, request), table: table.value } : chain;
  };
  return ok({ route, table: table.value });
}

function firstResource(text: string | undefined): JsonObject | undefined {
  if (text === undefined) return undefined;
  const response: unknown = JSON.parse(text);
  const resources = isPlainObject(response) && Array.isArray(response.resources) ? response.resources : [];
  const first: unknown = resources[0];
  if (!isPlainObject(first)) return undefined;
  // A discovery response's resources are Any messages: their type rides along.
  const { '@type': _type, ...resource } = first as JsonObject;
  return resource;
}

function chainsByPort(listener: JsonObject): Map<number, Chain> {
  const chains = new Map<number, Chain>();
  for (const chain of Array.isArray(listener.filter_chains) ? listener.filter_chains : []) {
    const match = isPlainObject(chain) ? chain.filter_chain_match : undefined;
    const port = isPlainObject(match) ? match.destination_port : undefined;
    const target = filterChainTarget(chain);
    if (typeof port === 'number' && target) chains.set(port, target);
  }
  return chains;
}

function filterChainTarget(chain: unknown): Chain | undefined {
  const filters = isPlainObject(chain) && Array.isArray(chain.filters) ? chain.filters : [];
  for (const filter of filters) {
    if (!isPlainObject(filter)) continue;
    if (filter.name === HCM) return { kind: 'http' };
    const config = filter.typed_config;
    if (filter.name === TCP_PROXY && isPlainObject(config) && typeof config.cluster === 'string') return { kind: 'tcp', cluster: config.cluster };
  }
  return undefined;
}
