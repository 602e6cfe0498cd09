// Envoy's routing decision for one request, over a RouteConfiguration in the
// route language: the virtual host by the Host header, the first route whose
// match holds, the cluster (weights by the request's random value), rewrites,
// redirects and direct responses. Each step keeps why it chose what it chose,
// so `explain --request` can say it and route-check can compare it.

import { RE2JS } from 're2js';
import { quote } from '../syntax/quote.js';
import { asciiLowerCase } from '../syntax/ascii-case.js';
import { canonicalDuration, type Duration } from './schema.js';
import { FAULT_FILTER_NAME } from '../envoy/listeners.js';

export interface StringMatch {
  exact?: string;
  prefix?: string;
  suffix?: string;
  contains?: string;
  safe_regex?: { regex: string };
  ignore_case?: boolean;
}

export interface HeaderMatch {
  name: string;
  string_match?: StringMatch;
  present_match?: boolean;
  /** The value read as an integer in [start, end). */
  range_match?: { start: number; end: number };
  invert_match?: boolean;
}

export interface QueryMatch {
  name: string;
  string_match?: StringMatch;
  present_match?: boolean;
}

export interface RouteMatch {
  prefix?: string;
  path?: string;
  safe_regex?: { regex: string };
  path_separated_prefix?: string;
  headers?: HeaderMatch[];
  query_parameters?: QueryMatch[];
  case_sensitive?: boolean;
  grpc?: Record<string, never>;
  runtime_fraction?: RuntimeFraction;
}

/** envoy.type.v3.FractionalPercent. */
export interface FractionalPercent {
  numerator?: number;
  denominator?: 'HUNDRED' | 'TEN_THOUSAND' | 'MILLION';
}

export interface RuntimeFraction {
  default_value: FractionalPercent;
  runtime_key?: string;
}

export interface RegexRewrite {
  pattern: { regex: string };
  substitution: string;
}

/** envoy.config.core.v3.HeaderValueOption, as the route language allows it. */
export interface HeaderValueOption {
  header: { key: string; value?: string };
  append_action?: 'APPEND_IF_EXISTS_OR_ADD' | 'ADD_IF_ABSENT' | 'OVERWRITE_IF_EXISTS_OR_ADD' | 'OVERWRITE_IF_EXISTS';
  append?: boolean;
  keep_empty_value?: boolean;
}

/** The header mutations a route, a virtual host or a route configuration may set. */
export interface HeaderMutations {
  request_headers_to_add?: HeaderValueOption[];
  request_headers_to_remove?: string[];
  response_headers_to_add?: HeaderValueOption[];
  response_headers_to_remove?: string[];
}

/** The fault filter's per-route config, as the route language allows it. */
export interface HttpFault {
  delay?: { fixed_delay: Duration; percentage: FractionalPercent };
  abort?: { http_status?: number; grpc_status?: number; percentage: FractionalPercent };
}

export interface RouteEntry extends HeaderMutations {
  name?: string;
  typed_per_filter_config?: { [FAULT_FILTER_NAME]?: HttpFault };
  match: RouteMatch;
  route?: {
    cluster?: string;
    weighted_clusters?: { clusters: Array<{ name: string; weight: number }> };
    prefix_rewrite?: string;
    regex_rewrite?: RegexRewrite;
    host_rewrite_literal?: string;
    timeout?: Duration;
    request_mirror_policies?: Array<{ cluster: string; runtime_fraction?: RuntimeFraction }>;
    hash_policy?: Array<Record<string, unknown>>;
  };
  redirect?: {
    host_redirect?: string;
    port_redirect?: number;
    path_redirect?: string;
    prefix_rewrite?: string;
    regex_rewrite?: RegexRewrite;
    https_redirect?: boolean;
    scheme_redirect?: string;
    response_code?: string;
    strip_query?: boolean;
  };
  direct_response?: { status: number; body?: { inline_string: string } };
}

export interface VirtualHost extends HeaderMutations {
  name: string;
  domains: string[];
  routes: RouteEntry[];
  virtual_clusters?: Array<{ name: string; headers: HeaderMatch[] }>;
  require_tls?: 'NONE' | 'EXTERNAL_ONLY' | 'ALL';
}

/** A RouteConfiguration after the route language's schema check. */
export interface RouteTable extends HeaderMutations {
  name?: string;
  virtual_hosts: VirtualHost[];
  ignore_port_in_host_matching?: boolean;
  most_specific_header_mutations_wins?: boolean;
  internal_only_headers?: string[];
}

export interface RouteRequest {
  authority: string;
  /** Path with its query string, as in :path. */
  path: string;
  method: string;
  scheme: 'http' | 'https';
  /** Other request headers, names in any case; repeated names are joined with "," as Envoy does. */
  headers: ReadonlyArray<readonly [string, string]>;
  /** Picks among weighted clusters (random_value modulo the total weight)
   * and decides runtime_fraction matches. */
  randomValue: number;
  /** Set by route-check: router_check's runtime, the tests' `runtime` input
   * ("" for none). Unset, a runtime_fraction decides as the pod's proxy does. */
  routerCheckRuntime?: string;
  /** Set by route-check: the downstream connection router_check gives every
   * request (test/tools/router_check/router.cc, RouterCheckTool::compareEntries:
   * ConnectionInfoSetterImpl(nullptr, getCanonicalIpv4LoopbackAddress()), a
   * remote address of 127.0.0.1 port 0 and no local address). Unset, the
   * formatter commands that read the connection stay as written. */
  connection?: { remoteAddress: string; remotePort: number };
}

export interface HostChoice {
  index: number;
  name: string;
  domain: string;
  how: 'exact' | 'suffix wildcard' | 'prefix wildcard' | 'catch-all';
}

export type RouteAction =
  | {
      kind: 'route';
      cluster: string;
      weights?: Array<{ name: string; weight: number; chosen: boolean }>;
      path: string;
      authority: string;
      /** The route's timeout, "15s" (Envoy's default) when it sets none, "0s" for none at all. */
      timeout: string;
      /** The virtual cluster that counts the request: its name, "other", or "" when the host has none. */
      virtualCluster: string;
    }
  | { kind: 'redirect'; uri: string; code: number }
  | { kind: 'direct-response'; uri: string; code: number };

export interface RouteDecision {
  host?: HostChoice;
  /** The routes tried before the one taken (or all of them), each with why it did not match. */
  misses: Array<{ index: number; why: string }>;
  /** require_tls turned a plain HTTP request away before any route: the https URI it is sent to (301). */
  tlsRedirect?: string;
  route?: { index: number; entry: RouteEntry; action: RouteAction };
}

/** RouteAction.timeout when a route sets none (route_components.proto). */
const DEFAULT_ROUTE_TIMEOUT = '15s';

const REDIRECT_CODES: Readonly<Record<string, number>> = {
  MOVED_PERMANENTLY: 301,
  FOUND: 302,
  SEE_OTHER: 303,
  TEMPORARY_REDIRECT: 307,
  PERMANENT_REDIRECT: 308,
};

export function routeRequest(table: RouteTable, request: RouteRequest): RouteDecision {
  const host = selectVirtualHost(table, request.authority);
  const virtualHost = host ? table.virtual_hosts[host.index] : undefined;
  if (!host || !virtualHost) return { misses: [] };
  const headers = new RequestHeaders(request);
  if (requiresTls(virtualHost, headers)) return { host, misses: [], tlsRedirect: `https://${request.authority}${request.path}` };
  const misses: Array<{ index: number; why: string }> = [];
  for (const [index, entry] of virtualHost.routes.entries()) {
    const why = whyNotMatched(entry.match, headers, request);
    if (why === undefined) return { host, misses, route: { index, entry, action: actionOf(entry, request, () => virtualClusterOf(virtualHost, headers)) } };
    misses.push({ index, why });
  }
  return { host, misses };
}

/** VirtualHostImpl::getRouteFromEntries (source/common/router/config_impl.cc):
 * before any route, a plain HTTP request (x-forwarded-proto not https) to a
 * host with require_tls ALL, or EXTERNAL_ONLY and not x-envoy-internal:
 * "true", gets a 301 to the same URL over https (SslRedirectRoute). */
function requiresTls(virtualHost: VirtualHost, headers: RequestHeaders): boolean {
  if (headers.get('x-forwarded-proto') === 'https') return false;
  if (virtualHost.require_tls === 'ALL') return true;
  return virtualHost.require_tls === 'EXTERNAL_ONLY' && headers.get('x-envoy-internal') !== 'true';
}

/** CommonVirtualHostImpl::virtualClusterFromEntries: the first virtual
 * cluster whose headers all match, else the catch-all "other" when the host
 * has any, else none. */
function virtualClusterOf(virtualHost: VirtualHost, headers: RequestHeaders): string {
  const clusters = virtualHost.virtual_clusters ?? [];
  if (clusters.length === 0) return '';
  const found = clusters.find((cluster) => cluster.headers.every((header) => whyHeaderFails(header, headers.get(header.name)) === undefined));
  return found?.name ?? 'other';
}

/** Envoy's order: an exact domain, then the longest suffix wildcard, then the
 * longest prefix wildcard, then "*". The Host is compared whole, port
 * included, unless the configuration ignores ports. */
export function selectVirtualHost(table: RouteTable, authority: string): HostChoice | undefined {
  const host = hostForMatching(authority, table.ignore_port_in_host_matching === true);
  let best: (HostChoice & { rank: number; length: number }) | undefined;
  table.virtual_hosts.forEach((virtualHost, index) => {
    for (const domain of virtualHost.domains) {
      const candidate = domainMatch(asciiLowerCase(domain), host);
      if (!candidate) continue;
      const better = !best || candidate.rank < best.rank || (candidate.rank === best.rank && candidate.length > best.length);
      if (better) best = { index, name: virtualHost.name, domain, how: candidate.how, rank: candidate.rank, length: candidate.length };
    }
  });
  if (!best) return undefined;
  return { index: best.index, name: best.name, domain: best.domain, how: best.how };
}

/** With ignore_port_in_host_matching, the Host without what follows its
 * last ':' (any text, a number or not, even nothing) unless that ':' is inside
 * an IPv6 address's brackets: Envoy's HeaderUtility::getPortStart
 * (source/common/http/header_utility.cc), used by
 * RouteMatcher::findVirtualHost (source/common/router/config_impl.cc). */
function hostForMatching(authority: string, ignorePort: boolean): string {
  const host = asciiLowerCase(authority);
  if (!ignorePort) return host;
  const portStart = host.lastIndexOf(':');
  const bracket = host.lastIndexOf(']');
  return portStart >= 0 && bracket < portStart ? host.slice(0, portStart) : host;
}

function domainMatch(domain: string, host: string): { how: HostChoice['how']; rank: number; length: number } | undefined {
  if (domain === '*') return { how: 'catch-all', rank: 3, length: 0 };
  // The wildcard stands for at least one character.
  if (domain.startsWith('*')) {
    const suffix = domain.slice(1);
    return host.length > suffix.length && host.endsWith(suffix) ? { how: 'suffix wildcard', rank: 1, length: suffix.length } : undefined;
  }
  if (domain.endsWith('*')) {
    const prefix = domain.slice(0, -1);
    return host.length > prefix.length && host.startsWith(prefix) ? { how: 'prefix wildcard', rank: 2, length: prefix.length } : undefined;
  }
  return domain === host ? { how: 'exact', rank: 0, length: domain.length } : undefined;
}

/** The request's headers as Envoy's matchers see them, pseudo-headers included. */
class RequestHeaders {
  private readonly values = new Map<string, string[]>();

  constructor(request: RouteRequest) {
    const all: Array<readonly [string, string]> = [
      [':authority', request.authority],
      [':path', request.path],
      [':method', request.method],
      [':scheme', request.scheme],
      ['x-forwarded-proto', request.scheme],
      ...request.headers,
    ];
    for (const [name, value] of all) {
      const key = name.toLowerCase();
      this.values.set(key, [...(this.values.get(key) ?? []), value]);
    }
  }

  get(name: string): string | undefined {
    return this.values.get(name.toLowerCase())?.join(',');
  }

  get path(): string {
    return this.get(':path') ?? '';
  }
}

/** The path without its query and fragment: what Envoy's path matchers
 * compare (Http::PathUtil::removeQueryAndFragment, called by
 * PathMatcher::match in source/common/common/matchers.cc). */
function pathOnly(path: string): string {
  const end = path.search(/[?#]/);
  return end < 0 ? path : path.slice(0, end);
}

/** The path up to its query string: a fragment with no query before it is
 * kept (Http::Utility::newUri in source/common/http/utility.cc cuts at '?'). */
function beforeQuery(path: string): string {
  const query = path.indexOf('?');
  return query < 0 ? path : path.slice(0, query);
}

function whyNotMatched(match: RouteMatch, headers: RequestHeaders, request: RouteRequest): string | undefined {
  const path = headers.path;
  const caseSensitive = match.case_sensitive !== false;
  const fold = (text: string): string => (caseSensitive ? text : asciiLowerCase(text));
  if (match.prefix !== undefined && !fold(pathOnly(path)).startsWith(fold(match.prefix))) {
    return `prefix ${quote(match.prefix)} does not match path ${quote(pathOnly(path))}`;
  }
  if (match.path !== undefined && fold(pathOnly(path)) !== fold(match.path)) return `path ${quote(match.path)} is not ${quote(pathOnly(path))}`;
  // PathSeparatedPrefixRouteEntryImpl::matches: the prefix, then the end of the path or a "/".
  if (match.path_separated_prefix !== undefined) {
    const whole = fold(pathOnly(path));
    const prefix = fold(match.path_separated_prefix);
    if (whole !== prefix && !whole.startsWith(`${prefix}/`))
      return `path_separated_prefix ${quote(match.path_separated_prefix)} does not match path ${quote(pathOnly(path))}`;
  }
  if (match.safe_regex !== undefined && !fullMatch(match.safe_regex.regex, pathOnly(path))) {
    return `safe_regex ${quote(match.safe_regex.regex)} does not match path ${quote(pathOnly(path))}`;
  }
  if (match.runtime_fraction !== undefined) {
    const why = whyRuntimeFractionFails(match.runtime_fraction, request);
    if (why !== undefined) return why;
  }
  if (match.grpc !== undefined && !isGrpc(headers.get('content-type'))) {
    return `grpc: content-type ${quote(headers.get('content-type') ?? '(absent)')} is not application/grpc`;
  }
  for (const header of match.headers ?? []) {
    const why = whyHeaderFails(header, headers.get(header.name));
    if (why !== undefined) return why;
  }
  const query = queryParameters(path);
  for (const parameter of match.query_parameters ?? []) {
    const why = whyQueryFails(parameter, query.get(parameter.name));
    if (why !== undefined) return why;
  }
  return undefined;
}

/** envoy.type.v3.FractionalPercent's denominators. */
export const FRACTION_DENOMINATORS: Readonly<Record<NonNullable<RuntimeFraction['default_value']['denominator']>, number>> = {
  HUNDRED: 100,
  TEN_THOUSAND: 10_000,
  MILLION: 1_000_000,
};

/** The proxy takes a runtime_fraction route for a request when its random
 * value, modulo the denominator, is under the numerator
 * (ProtobufPercentHelper::evaluateFractionalPercent, source/common/protobuf/utility.cc,
 * through Runtime::Snapshot::featureEnabled in RouteEntryImplBase::evaluateRuntimeMatch,
 * source/common/router/config_impl.cc): default_value decides, as the
 * injected proxies have no runtime layer but the admin one. router_check
 * instead enables only the runtime its test names, and raises a numerator of
 * 0 to 1 so such a route can be tested at random_value 0
 * (docs/root/configuration/operations/tools/router_check.rst). */
function whyRuntimeFractionFails(fraction: RuntimeFraction, request: RouteRequest): string | undefined {
  const key = fraction.runtime_key ?? '';
  let numerator = fraction.default_value.numerator ?? 0;
  const denominator = FRACTION_DENOMINATORS[fraction.default_value.denominator ?? 'HUNDRED'];
  if (request.routerCheckRuntime !== undefined) {
    if (request.routerCheckRuntime !== key || key === '') return `runtime_fraction: the test does not enable runtime ${quote(key)}`;
    numerator = Math.max(numerator, 1);
  }
  const drawn = request.randomValue % denominator;
  if (drawn < numerator) return undefined;
  return `runtime_fraction ${numerator}/${denominator}: random value ${request.randomValue} draws ${drawn}, not under ${numerator}`;
}

/** A gRPC request's content-type: "application/grpc" exactly, or followed
 * by "+" (application/grpc-web is not gRPC): Grpc::Common::hasGrpcContentType,
 * source/common/grpc/common.cc, which the route's grpc match uses. */
function isGrpc(contentType: string | undefined): boolean {
  const GRPC = 'application/grpc';
  return contentType !== undefined && contentType.startsWith(GRPC) && (contentType.length === GRPC.length || contentType[GRPC.length] === '+');
}

/** Why a header matcher does not hold for a header's value (undefined: absent), or undefined when it holds. */
export function whyHeaderFails(header: HeaderMatch, value: string | undefined): string | undefined {
  const invert = header.invert_match === true;
  const name = `header ${header.name}`;
  if (header.range_match !== undefined) return whyRangeFails(name, header.range_match, value, invert);
  if (header.string_match === undefined) {
    // present_match (or a bare name): present, or with present_match: false, absent.
    const wantPresent = header.present_match !== false;
    const matched = (value !== undefined) === wantPresent;
    if (matched !== invert) return undefined;
    return `${name} is ${value === undefined ? 'absent' : 'present'}${invert ? ' (invert_match)' : ''}`;
  }
  // A missing header never matches a string or range matcher, inverted or not.
  if (value === undefined) return `${name} is absent`;
  const matched = stringMatches(header.string_match, value);
  if (matched !== invert) return undefined;
  return `${name}: ${describeStringMatch(header.string_match)} ${matched ? 'matches' : 'does not match'} ${quote(value)}${invert ? ' (invert_match)' : ''}`;
}

/** HeaderUtility's range match (source/common/http/header_utility.cc,
 * HeaderDataRangeImpl): the value read by absl::SimpleAtoi as an int64 —
 * ASCII whitespace around it, a sign, decimal digits, nothing past int64 —
 * and start ≤ value < end. */
function whyRangeFails(name: string, range: { start: number; end: number }, value: string | undefined, invert: boolean): string | undefined {
  if (value === undefined) return `${name} is absent`;
  // Leading zeros are read through; past 20 digits no int64 is left.
  const digits = /^[ \t\n\v\f\r]*([+-]?)0*([0-9]{1,20})[ \t\n\v\f\r]*$/.exec(value);
  const parsed = digits === null ? undefined : BigInt(`${digits[1] ?? ''}${digits[2] ?? ''}`);
  const inInt64 = parsed !== undefined && parsed >= -(2n ** 63n) && parsed < 2n ** 63n;
  const matched = inInt64 && parsed >= BigInt(range.start) && parsed < BigInt(range.end);
  if (matched !== invert) return undefined;
  return `${name}: [${range.start}, ${range.end}) ${matched ? 'holds' : 'does not hold'} ${quote(value)}${invert ? ' (invert_match)' : ''}`;
}

/** Envoy's ConfigUtility::QueryParameterMatcher::matches
 * (source/common/router/config_utility.cc): present_match true matches a
 * parameter that is there, false one that is not (since Envoy 1.34, runtime
 * guard enable_new_query_param_present_match_behavior, on by default). */
function whyQueryFails(parameter: QueryMatch, value: string | undefined): string | undefined {
  const name = `query parameter ${parameter.name}`;
  if (parameter.present_match !== undefined) {
    if ((value !== undefined) === parameter.present_match) return undefined;
    return `${name} is ${value === undefined ? 'absent' : 'present'} (present_match: ${String(parameter.present_match)})`;
  }
  if (value === undefined) return `${name} is absent`;
  if (parameter.string_match === undefined || stringMatches(parameter.string_match, value)) return undefined;
  return `${name}: ${describeStringMatch(parameter.string_match)} does not match ${quote(value)}`;
}

/** The first value of each parameter, undecoded, as Envoy compares them:
 * from the '?' to the end of the path, a fragment included
 * (Http::Utility::QueryParamsMulti::parseQueryString, source/common/http/utility.cc). */
function queryParameters(path: string): Map<string, string> {
  const parameters = new Map<string, string>();
  const start = path.indexOf('?');
  if (start < 0) return parameters;
  for (const pair of path.slice(start + 1).split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    const key = equals < 0 ? pair : pair.slice(0, equals);
    if (!parameters.has(key)) parameters.set(key, equals < 0 ? '' : pair.slice(equals + 1));
  }
  return parameters;
}

export function stringMatches(matcher: StringMatch, value: string): boolean {
  const fold = (text: string): string => (matcher.ignore_case === true ? asciiLowerCase(text) : text);
  if (matcher.exact !== undefined) return fold(value) === fold(matcher.exact);
  if (matcher.prefix !== undefined) return fold(value).startsWith(fold(matcher.prefix));
  if (matcher.suffix !== undefined) return fold(value).endsWith(fold(matcher.suffix));
  if (matcher.contains !== undefined) return fold(value).includes(fold(matcher.contains));
  // ignore_case does not apply to regexes, as in Envoy.
  if (matcher.safe_regex !== undefined) return fullMatch(matcher.safe_regex.regex, value);
  return false;
}

function describeStringMatch(matcher: StringMatch): string {
  const kinds = ['exact', 'prefix', 'suffix', 'contains'] as const;
  const kind = kinds.find((k) => matcher[k] !== undefined);
  const shown = kind ? `${kind} ${quote(matcher[kind])}` : `safe_regex ${quote(matcher.safe_regex?.regex ?? '')}`;
  return `${shown}${matcher.ignore_case === true ? ' (ignore_case)' : ''}`;
}

const compiled = new Map<string, RE2JS>();

/** RE2 semantics, whole value: Envoy's safe_regex never matches a part. */
function fullMatch(regex: string, value: string): boolean {
  return compiledRegex(regex).matches(value);
}

function compiledRegex(regex: string): RE2JS {
  let pattern = compiled.get(regex);
  if (!pattern) {
    pattern = RE2JS.compile(regex);
    // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent, a bound on a cache of compiled regexes
    if (compiled.size > 1000) compiled.clear();
    compiled.set(regex, pattern);
  }
  return pattern;
}

/** `virtualCluster` is asked for routes to clusters only: a redirect or a
 * direct response has no route entry for Envoy to count it under. */
function actionOf(entry: RouteEntry, request: RouteRequest, virtualCluster: () => string): RouteAction {
  if (entry.route) {
    const weighted = entry.route.weighted_clusters?.clusters;
    const weights = weighted ? chooseWeighted(weighted, request.randomValue) : undefined;
    const cluster = weights ? (weights.find((w) => w.chosen)?.name ?? '') : (entry.route.cluster ?? '');
    return {
      kind: 'route',
      cluster,
      ...(weights ? { weights } : {}),
      path: rewrittenPath(entry.match, entry.route, request.path),
      authority: entry.route.host_rewrite_literal ?? request.authority,
      timeout: canonicalDuration(entry.route.timeout ?? DEFAULT_ROUTE_TIMEOUT),
      virtualCluster: virtualCluster(),
    };
  }
  if (entry.redirect) {
    const path = rewrittenPath(entry.match, entry.redirect, request.path);
    return {
      kind: 'redirect',
      uri: redirectUri(entry.redirect, { ...request, path }),
      code: REDIRECT_CODES[entry.redirect.response_code ?? 'MOVED_PERMANENTLY'] ?? 301,
    };
  }
  return { kind: 'direct-response', uri: redirectUri({}, request), code: entry.direct_response?.status ?? 0 };
}

/** Envoy's weighted pick: random_value modulo the total weight, against the
 * cumulative weights in order. */
function chooseWeighted(
  clusters: ReadonlyArray<{ name: string; weight: number }>,
  randomValue: number,
): Array<{ name: string; weight: number; chosen: boolean }> {
  // The language refuses weights adding up to 0, so the modulo is a number.
  const selected = randomValue % clusters.reduce((sum, c) => sum + c.weight, 0);
  let end = 0;
  // The ranges [begin, end) are disjoint: one cluster at most is chosen.
  return clusters.map(({ name, weight }) => {
    const begin = end;
    end += weight;
    return { name, weight, chosen: selected >= begin && selected < end };
  });
}

/** prefix_rewrite replaces what the match matched: the prefix (or the
 * path-separated prefix), or for path and safe_regex matches the whole path;
 * the query string stays. An empty one rewrites nothing
 * (RouteEntryImplBase::currentUrlPathAfterRewriteWithMatchedPath,
 * source/common/router/config_impl.cc: `if (!prefix_rewrite.empty())`), for
 * routes and redirects alike. regex_rewrite replaces every match in the path
 * without its query and fragment, which stay. */
function rewrittenPath(match: RouteMatch, rewrite: { prefix_rewrite?: string; regex_rewrite?: RegexRewrite }, path: string): string {
  if (rewrite.regex_rewrite !== undefined) {
    const just = pathOnly(path);
    return globalReplace(rewrite.regex_rewrite.pattern.regex, just, rewrite.regex_rewrite.substitution) + path.slice(just.length);
  }
  const prefixRewrite = rewrite.prefix_rewrite;
  if (prefixRewrite === undefined || prefixRewrite === '') return path;
  const matched = match.prefix ?? match.path_separated_prefix;
  if (matched !== undefined) return prefixRewrite + path.slice(matched.length);
  return prefixRewrite + path.slice(pathOnly(path).length);
}

/** RE2::GlobalReplace (re2/re2.cc), as Envoy's regex_rewrite runs it: every
 * non-overlapping match replaced, \0-\9 naming groups in the substitution,
 * and an empty match right where the last match ended skipped by one
 * character. */
function globalReplace(regex: string, text: string, substitution: string): string {
  const matcher = compiledRegex(regex).matcher(text);
  let out = '';
  let at = 0;
  let lastEnd = -1;
  while (at <= text.length && matcher.find(at)) {
    const start = matcher.start();
    const end = matcher.end();
    out += text.slice(at, start);
    if (start === end && start === lastEnd) {
      const step = (text.codePointAt(start) ?? 0) > 0xffff ? 2 : 1;
      out += text.slice(start, start + step);
      at = start + step;
      continue;
    }
    out += substitution.replace(/\\([0-9\\])/g, (_whole, ref: string) => (ref === '\\' ? '\\' : (matcher.group(Number(ref)) ?? '')));
    at = end;
    lastEnd = end;
  }
  // With nothing replaced, out is "" and this is the text itself.
  return out + text.slice(at);
}

/** Envoy's redirect URI: scheme, host (the request's, with a default port
 * dropped when the scheme changes), port, path, and the query unless stripped. */
function redirectUri(redirect: NonNullable<RouteEntry['redirect']>, request: RouteRequest): string {
  const scheme = redirect.scheme_redirect ?? (redirect.https_redirect === true ? 'https' : request.scheme);
  const port = redirect.port_redirect === undefined ? '' : `:${redirect.port_redirect}`;
  const host = redirect.host_redirect ?? requestHost(request, scheme, port);
  let path = request.path;
  const redirectHasQuery = redirect.path_redirect?.includes('?') === true;
  // Http::Utility::newUri (source/common/http/utility.cc): path_redirect
  // takes the request's query from its '?' to the end (a fragment with no
  // query is dropped), and strip_query cuts at the '?' only.
  if (redirect.path_redirect !== undefined && redirect.path_redirect !== '') {
    const query = redirectHasQuery ? '' : path.slice(beforeQuery(path).length);
    path = redirect.path_redirect + query;
  }
  if (!path.startsWith('/')) path = `/${path}`;
  if (redirect.strip_query === true && !redirectHasQuery) path = beforeQuery(path);
  return `${scheme}://${host}${port}${path}`;
}

function requestHost(request: RouteRequest, scheme: string, newPort: string): string {
  const host = request.authority;
  const colon = host.startsWith('[') ? host.lastIndexOf(']:') + 1 : host.lastIndexOf(':');
  if (colon <= 0) return host;
  const port = host.slice(colon);
  const defaultPortDropped = scheme !== request.scheme && ((request.scheme === 'https' && port === ':443') || (request.scheme === 'http' && port === ':80'));
  return newPort !== '' || defaultPortDropped ? host.slice(0, colon) : host;
}
