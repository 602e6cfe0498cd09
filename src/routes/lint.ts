// Routes that are valid but can never take effect, said back as warnings
// (kubectl prints admission warnings; explain shows them): a virtual host no
// HTTP port reaches, a route that an earlier route always wins over, and a
// host whose require_tls turns every request of the pod away.

import type { JsonObject } from '../model/json.js';
import { isPlainObject } from '../model/kubernetes.js';
import type { ServiceLookup } from '../model/lookups.js';
import { serviceOfHost, splitDomain } from './domains.js';
import type { PlannedHost } from './overrides.js';
import { quote } from '../syntax/quote.js';
import { asciiLowerCase } from '../syntax/ascii-case.js';

export interface LintContext {
  httpPorts: readonly number[];
  podNamespace: string;
  clusterDomain: string;
  services: ServiceLookup | undefined;
}

export function routeWarnings(hosts: readonly PlannedHost[], context: LintContext): string[] {
  return hosts.flatMap((host) => [...unreachableHost(host, context), ...shadowedRoutes(host), ...tlsRequired(host)]);
}

/** The pod's own requests reach its proxy as plain HTTP (the outbound chain
 * sets x-forwarded-proto: http): require_tls redirects each of them to https
 * instead of routing it. */
function tlsRequired(host: PlannedHost): string[] {
  const requirement = host.settings?.require_tls;
  if (requirement !== 'ALL' && requirement !== 'EXTERNAL_ONLY') return [];
  const unless = requirement === 'EXTERNAL_ONLY' ? ' (unless it carries x-envoy-internal: true)' : '';
  return [
    `${host.origin} (${host.name}) has require_tls ${requirement}: the pod's requests reach its proxy as plain HTTP, so each is redirected to https${unless} instead of routed`,
  ];
}

/** Why no request on an HTTP port can select this host, or undefined when one can. */
function unreachableHost(host: PlannedHost, context: LintContext): string[] {
  const reasons: string[] = [];
  for (const domain of host.domains) {
    const reason = whyUnreachable(domain, context);
    if (reason === undefined) return [];
    reasons.push(reason);
  }
  return [`${host.origin} (${host.name}) is never consulted: ${reasons.join('; ')}`];
}

function whyUnreachable(domain: string, context: LintContext): string | undefined {
  const { host, port } = splitDomain(domain);
  if (port !== undefined) return context.httpPorts.includes(port) ? undefined : `port ${port} of ${quote(domain)} is not routed as HTTP`;
  if (context.httpPorts.length === 0) return 'the pod routes no port as HTTP';
  const service = serviceOfHost(host, context.podNamespace, context.clusterDomain);
  const known = service ? context.services?.service(service.namespace, service.name) : undefined;
  if (!service || !known || known.ports.some((p) => context.httpPorts.includes(p.port))) return undefined;
  const ports = known.ports.map((p) => (p.name ? `${p.port} (${p.name})` : String(p.port))).join(', ') || 'none';
  return `service ${service.namespace}/${service.name} has ports ${ports}, none routed as HTTP (add one to envoy-injector.io/http-ports, or give it appProtocol: http or a name http-*)`;
}

interface PathMatch {
  kind: 'prefix' | 'path' | 'safe_regex' | 'path_separated_prefix';
  value: string;
  caseSensitive: boolean;
  /** Header, query, gRPC and runtime_fraction conditions, compared as written. */
  conditions: string[];
}

function pathMatchOf(route: JsonObject): PathMatch | undefined {
  const match = route.match;
  if (!isPlainObject(match)) return undefined;
  // A route taken by a share of requests (runtime_fraction) covers no other:
  // its fraction is one more condition, compared as written.
  const conditions = [
    ...listOf(match.headers),
    ...listOf(match.query_parameters).map((q) => `query:${q}`),
    ...(match.grpc === undefined ? [] : ['grpc']),
    ...(match.runtime_fraction === undefined ? [] : [`runtime_fraction:${JSON.stringify(match.runtime_fraction)}`]),
  ];
  const caseSensitive = match.case_sensitive !== false;
  if (typeof match.prefix === 'string') return { kind: 'prefix', value: match.prefix, caseSensitive, conditions };
  if (typeof match.path === 'string') return { kind: 'path', value: match.path, caseSensitive, conditions };
  if (typeof match.path_separated_prefix === 'string') return { kind: 'path_separated_prefix', value: match.path_separated_prefix, caseSensitive, conditions };
  const regex = isPlainObject(match.safe_regex) ? match.safe_regex.regex : undefined;
  return typeof regex === 'string' ? { kind: 'safe_regex', value: regex, caseSensitive: true, conditions } : undefined;
}

function listOf(value: unknown): string[] {
  return Array.isArray(value) ? value.map((item) => JSON.stringify(item)) : [];
}

/** True only when every request `later` matches is certainly matched by
 * `earlier` too: a warning must never be wrong, so doubt means no. */
export function covers(earlier: PathMatch, later: PathMatch): boolean {
  if (!earlier.conditions.every((condition) => later.conditions.includes(condition))) return false;
  if (earlier.kind === 'prefix' && (earlier.value === '' || earlier.value === '/')) return true;
  if (earlier.kind === 'safe_regex') return later.kind === 'safe_regex' && later.value === earlier.value;
  if (later.kind === 'safe_regex') return false;
  // A case-insensitive later match reaches spellings a case-sensitive earlier one does not.
  if (earlier.caseSensitive && !later.caseSensitive && /[A-Za-z]/.test(earlier.value)) return false;
  const fold = (text: string): string => (earlier.caseSensitive ? text : asciiLowerCase(text));
  if (earlier.kind === 'path') return later.kind === 'path' && fold(later.value) === fold(earlier.value);
  // A path-separated prefix Q takes Q and Q/...: a later prefix only when it starts with Q/.
  if (earlier.kind === 'path_separated_prefix') {
    const taken = fold(earlier.value);
    const value = fold(later.value);
    return later.kind === 'prefix' ? value.startsWith(`${taken}/`) : value === taken || value.startsWith(`${taken}/`);
  }
  return fold(later.value).startsWith(fold(earlier.value));
}

function describeMatch(match: PathMatch): string {
  const conditions = match.conditions.length > 0 ? ` with ${match.conditions.length} condition(s) besides the path` : '';
  return `${match.kind} ${quote(match.value)}${conditions}`;
}

function shadowedRoutes(host: PlannedHost): string[] {
  const matches = host.routes.map(pathMatchOf);
  const warnings: string[] = [];
  matches.forEach((later, j) => {
    if (!later) return;
    const i = matches.findIndex((earlier, index) => index < j && earlier !== undefined && covers(earlier, later));
    const earlier = matches[i];
    if (i >= 0 && earlier) {
      warnings.push(
        `${host.origin}.routes[${j}] (${describeMatch(later)}) can never match: routes[${i}] (${describeMatch(earlier)}) comes first and matches every request it would`,
      );
    }
  });
  return warnings;
}
