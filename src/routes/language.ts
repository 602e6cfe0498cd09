// The subset of Envoy's v3 RouteConfiguration that users write in the
// envoy-injector.io/routes annotation, in Envoy's own field names.

import { CLUSTER_SETTINGS_SPEC, MAX_CLUSTER_SETTINGS } from './cluster-settings.js';
import type { ObjectSpec, Spec } from './schema.js';
import { quote } from '../syntax/quote.js';
import { FAULT_FILTER_NAME } from '../envoy/listeners.js';
import { TYPE, typeUrl } from '../envoy/xds.js';
import { re2Compile } from './re2/re2.js';

/** Envoy refuses a regex whose RE2 program is larger than this, by default
 * (runtime re2.max_program_size.error_level; source/common/common/regex.cc). */
const ENVOY_MAX_REGEX_PROGRAM_SIZE = 100;

/** Envoy's verdict on a safe_regex, from RE2 itself, in Envoy's words
 * (CompiledGoogleReMatcher: RE2's error text, then the program size check). */
function re2Problem(pattern: string): string | undefined {
  const verdict = re2Compile(pattern);
  if (!verdict.ok) return `${quote(pattern)} is not an RE2 regex (${verdict.error}); RE2 has no lookaround or backreferences`;
  if (verdict.programSize > ENVOY_MAX_REGEX_PROGRAM_SIZE) {
    return `regex ${quote(pattern)} is too complex for Envoy: RE2 program size of ${verdict.programSize} > max program size of ${ENVOY_MAX_REGEX_PROGRAM_SIZE} (re2.max_program_size.error_level); simplify it, e.g. avoid large counted repetitions like {1,64}`;
  }
  return undefined;
}

/** What Envoy loads as a domain (VirtualHostImpl, source/common/router/config_impl.cc):
 * any header-value text; "*" alone, or a "*" at its start or its end, is a
 * wildcard, and anything else is compared whole ("my_service",
 * "example.com.", "[::1]:8080" included). Here, visible ASCII without spaces:
 * a Host header holds nothing else, so a domain with more never matches. */
const DOMAIN = /^[\x21-\x7e]+$/;
function domainProblem(domain: string): string | undefined {
  if (!DOMAIN.test(domain))
    return `${quote(domain)} is not a domain a request's Host can match: a host name (example.com), with an optional :port, or a wildcard at one end (*.example.com, example.*, "*"), without spaces or control characters`;
  return undefined;
}

/** Envoy's StringMatcherImpl refuses ignore_case with safe_regex (source/common/common/matchers.h). */
function stringMatcherProblem(matcher: Readonly<Record<string, unknown>>): string | undefined {
  return matcher.safe_regex !== undefined && matcher.ignore_case === true
    ? 'ignore_case has no effect on safe_regex, and Envoy refuses the pair: match both cases in the regex itself, e.g. "(?i)^/api"'
    : undefined;
}

/** Envoy's WeightedClusterEntry checks (source/common/router/config_impl.cc,
 * RouteEntryImplBase): the weights must add up to more than 0, and to no
 * more than a 32-bit count. */
const MAX_TOTAL_WEIGHT = 4294967295;
function weightsProblem(weighted: Readonly<Record<string, unknown>>): string | undefined {
  const clusters = Array.isArray(weighted.clusters) ? (weighted.clusters as Array<{ weight?: unknown }>) : [];
  const total = clusters.reduce((sum, cluster) => sum + (typeof cluster.weight === 'number' ? cluster.weight : 0), 0);
  if (total === 0) return 'the weights add up to 0: give at least one cluster a positive weight, e.g. 90 and 10';
  if (typeof weighted.total_weight === 'number' && weighted.total_weight !== total) {
    return `the weights add up to ${total}, not total_weight ${weighted.total_weight}, and Envoy refuses that: leave total_weight out (the weights are relative)`;
  }
  if (total > MAX_TOTAL_WEIGHT) return `the weights add up to ${total}, more than Envoy's limit of ${MAX_TOTAL_WEIGHT}`;
  return undefined;
}

function pathProblem(text: string): string | undefined {
  return text.startsWith('/') ? undefined : `${quote(text)} must start with "/"`;
}

/** What ends up in a request or response header (a rewritten path or host, a
 * Location): control characters there would split or smuggle headers. */
function headerValueProblem(text: string): string | undefined {
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  const control = /[\u0000-\u001f\u007f]/.exec(text);
  return control
    ? `${quote(text)} contains a control character (code ${control[0].charCodeAt(0)}): header values cannot carry CR, LF, NUL or other controls`
    : undefined;
}

const HEADER_NAME = /^:?[a-z0-9!#$%&'*+.^_`|~-]+$/i;
function headerNameProblem(text: string): string | undefined {
  return HEADER_NAME.test(text) ? undefined : `${quote(text)} is not an HTTP header name`;
}

/** Envoy refuses to add, change or remove pseudo-headers and Host
 * (HeaderUtility::isModifiableHeader and isRemovableHeader, source/common/http/header_utility.cc). */
function mutableHeaderProblem(name: string): string | undefined {
  const invalid = headerNameProblem(name);
  if (invalid !== undefined) return invalid;
  return name.startsWith(':') || name.toLowerCase() === 'host'
    ? `${quote(name)} cannot be added, changed or removed: Envoy refuses :-prefixed and host headers (rewrite the authority with host_rewrite_literal)`
    : undefined;
}

/** Formatter commands a header value may hold, as Envoy's substitution
 * formatter reads "%...%" in request_headers_to_add and friends; anything
 * else between two "%" is refused here, and "%%" is a literal "%". */
const HEADER_VALUE_COMMAND =
  /^(?:HOSTNAME|PROTOCOL|START_TIME|DOWNSTREAM_REMOTE_ADDRESS|DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT|DOWNSTREAM_LOCAL_ADDRESS|DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT|UPSTREAM_REMOTE_ADDRESS|REQ\([!#$&'*+.^_`|~0-9A-Za-z-]{1,100}\))$/;

function headerMutationValueProblem(value: string): string | undefined {
  const control = headerValueProblem(value);
  if (control !== undefined) return control;
  let at = value.indexOf('%');
  while (at >= 0) {
    if (value[at + 1] === '%') {
      at = value.indexOf('%', at + 2);
      continue;
    }
    const end = value.indexOf('%', at + 1);
    const command = end < 0 ? value.slice(at) : value.slice(at, end + 1);
    if (end < 0 || !HEADER_VALUE_COMMAND.test(command.slice(1, -1))) {
      return `${quote(command.slice(0, 60))} is not a formatter command this injector knows (%HOSTNAME%, %PROTOCOL%, %START_TIME%, %DOWNSTREAM_REMOTE_ADDRESS%, %REQ(header)%, ...): write %% for a literal %`;
    }
    at = value.indexOf('%', end + 1);
  }
  return undefined;
}

/** Header mutations per list: far more than a real route sets; each one is work per request. */
const MAX_HEADER_MUTATIONS = 32;

/** envoy.config.core.v3.HeaderValueOption. */
const headerValueOption: ObjectSpec = {
  kind: 'object',
  fields: {
    header: {
      kind: 'object',
      fields: { key: { kind: 'string', nonEmpty: true, check: mutableHeaderProblem }, value: { kind: 'string', check: headerMutationValueProblem } },
      required: ['key'],
    },
    append_action: { kind: 'enum', values: ['APPEND_IF_EXISTS_OR_ADD', 'ADD_IF_ABSENT', 'OVERWRITE_IF_EXISTS_OR_ADD', 'OVERWRITE_IF_EXISTS'] },
    // Deprecated for append_action, still loaded; Envoy refuses both at once.
    append: { kind: 'boolean' },
    keep_empty_value: { kind: 'boolean' },
  },
  required: ['header'],
  atMostOne: [['append', 'append_action']],
};

/** The four header mutation lists of a route, a virtual host or a route configuration. */
const HEADER_MUTATIONS: Record<string, Spec> = {
  request_headers_to_add: { kind: 'list', items: headerValueOption, maxItems: MAX_HEADER_MUTATIONS },
  request_headers_to_remove: { kind: 'list', items: { kind: 'string', nonEmpty: true, check: mutableHeaderProblem }, maxItems: MAX_HEADER_MUTATIONS },
  response_headers_to_add: { kind: 'list', items: headerValueOption, maxItems: MAX_HEADER_MUTATIONS },
  response_headers_to_remove: { kind: 'list', items: { kind: 'string', nonEmpty: true, check: mutableHeaderProblem }, maxItems: MAX_HEADER_MUTATIONS },
};

const RETRY_CONDITIONS = [
  '5xx',
  'gateway-error',
  'reset',
  'reset-before-request',
  'connect-failure',
  'envoy-ratelimited',
  'retriable-4xx',
  'refused-stream',
  'retriable-status-codes',
  'retriable-headers',
  'http3-post-connect-failure',
  'cancelled',
  'deadline-exceeded',
  'internal',
  'resource-exhausted',
  'unavailable',
] as const;

function retryOnProblem(text: string): string | undefined {
  const unknown = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => !(RETRY_CONDITIONS as readonly string[]).includes(s));
  return unknown.length === 0 ? undefined : `unknown retry condition ${unknown.map((s) => quote(s)).join(', ')} (known: ${RETRY_CONDITIONS.join(', ')})`;
}

export const regexSpec: ObjectSpec = {
  kind: 'object',
  // google_re2 is deprecated and has no effect; Envoy still loads an empty one.
  fields: { regex: { kind: 'string', nonEmpty: true, check: re2Problem }, google_re2: { kind: 'object', fields: {} } },
  required: ['regex'],
};

export const stringMatcher: ObjectSpec = {
  kind: 'object',
  fields: {
    exact: { kind: 'string' },
    prefix: { kind: 'string', nonEmpty: true },
    suffix: { kind: 'string', nonEmpty: true },
    contains: { kind: 'string', nonEmpty: true },
    safe_regex: regexSpec,
    ignore_case: { kind: 'boolean' },
  },
  exactlyOne: [['exact', 'prefix', 'suffix', 'contains', 'safe_regex']],
  check: stringMatcherProblem,
};

const deprecatedHeaderMatch = (field: string, replacement: string): string => `${field} is deprecated in Envoy v3: write string_match: { ${replacement}: ... }`;

/** envoy.type.v3.Int64Range, within the integers JSON numbers hold exactly. */
export const int64Range: ObjectSpec = {
  kind: 'object',
  fields: {
    start: { kind: 'integer', min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER },
    end: { kind: 'integer', min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER },
  },
  required: ['start', 'end'],
};

const headerMatcher: ObjectSpec = {
  kind: 'object',
  fields: {
    name: { kind: 'string', nonEmpty: true, check: headerNameProblem },
    string_match: stringMatcher,
    present_match: { kind: 'boolean' },
    range_match: int64Range,
    invert_match: { kind: 'boolean' },
  },
  required: ['name'],
  // A matcher with only a name matches when the header is present, as in Envoy.
  atMostOne: [['string_match', 'present_match', 'range_match']],
  hints: {
    exact_match: deprecatedHeaderMatch('exact_match', 'exact'),
    prefix_match: deprecatedHeaderMatch('prefix_match', 'prefix'),
    suffix_match: deprecatedHeaderMatch('suffix_match', 'suffix'),
    contains_match: deprecatedHeaderMatch('contains_match', 'contains'),
    safe_regex_match: deprecatedHeaderMatch('safe_regex_match', 'safe_regex'),
  },
};

const queryParameterMatcher: ObjectSpec = {
  kind: 'object',
  fields: {
    name: { kind: 'string', nonEmpty: true },
    string_match: stringMatcher,
    present_match: { kind: 'boolean' },
  },
  required: ['name'],
  exactlyOne: [['string_match', 'present_match']],
};

/** A key of the proxy's runtime (admin /runtime_modify sets it). */
function runtimeKeyProblem(key: string): string | undefined {
  return /^[\x21-\x7e]*$/.test(key) ? undefined : `${quote(key)} is not a runtime key: visible ASCII, no spaces`;
}

/** envoy.type.v3.FractionalPercent: numerator over 100, 10,000 or 1,000,000. */
const fractionalPercent: ObjectSpec = {
  kind: 'object',
  fields: {
    numerator: { kind: 'integer', min: 0, max: 4294967295 },
    denominator: { kind: 'enum', values: ['HUNDRED', 'TEN_THOUSAND', 'MILLION'] },
  },
};

/** A share of the requests (the classic canary of one path): default_value
 * decides, unless the proxy's runtime sets runtime_key (admin /runtime_modify). */
const runtimeFraction: ObjectSpec = {
  kind: 'object',
  fields: {
    default_value: fractionalPercent,
    runtime_key: { kind: 'string', check: runtimeKeyProblem },
  },
  required: ['default_value'],
};

const routeMatch: ObjectSpec = {
  kind: 'object',
  fields: {
    // An empty prefix matches every path, as "/" does.
    prefix: { kind: 'string', check: (text) => (text === '' ? undefined : pathProblem(text)) },
    path: { kind: 'string', check: pathProblem },
    safe_regex: regexSpec,
    // The path itself, or the path followed by "/" (Envoy's pattern: no "?" or "#", no trailing "/").
    path_separated_prefix: {
      kind: 'string',
      check: (text) => pathProblem(text) ?? (/^[^?#]+[^?#/]$/.test(text) ? undefined : `${quote(text)} must not end with "/" nor hold "?" or "#"`),
    },
    headers: { kind: 'list', items: headerMatcher },
    query_parameters: { kind: 'list', items: queryParameterMatcher },
    case_sensitive: { kind: 'boolean' },
    // Only gRPC requests (GrpcRouteMatchOptions has no fields yet).
    grpc: { kind: 'object', fields: {} },
    runtime_fraction: runtimeFraction,
  },
  exactlyOne: [['prefix', 'path', 'safe_regex', 'path_separated_prefix']],
  hints: { regex: 'regex is not an Envoy v3 match: write safe_regex: { regex: ... }' },
};

/** Checked for syntax by services.ts, which also resolves it. */
const serviceName: Spec = { kind: 'string', nonEmpty: true };

const weightedClusters: ObjectSpec = {
  kind: 'object',
  fields: {
    clusters: {
      kind: 'list',
      minItems: 1,
      items: {
        kind: 'object',
        fields: { name: serviceName, weight: { kind: 'integer', min: 0, max: 4294967295 } },
        required: ['name', 'weight'],
      },
    },
    // Deprecated, still loaded by Envoy 1.36 when it equals the sum; left out of the rendered config.
    total_weight: { kind: 'integer', min: 1, max: 4294967295 },
    // The proxy's runtime may override each weight under "<prefix>.<cluster>"; the config's weights otherwise.
    runtime_key_prefix: { kind: 'string', check: runtimeKeyProblem },
  },
  required: ['clusters'],
  check: weightsProblem,
};

const retryPolicy: ObjectSpec = {
  kind: 'object',
  fields: {
    retry_on: { kind: 'string', nonEmpty: true, check: retryOnProblem },
    num_retries: { kind: 'integer', min: 0, max: 100 },
    per_try_timeout: { kind: 'duration' },
  },
  required: ['retry_on'],
};

/** RE2's rewrite string (RE2::CheckRewriteString, which Envoy's
 * regex_rewrite runs): \0 to \9 name a group the pattern has, a doubled
 * backslash is one backslash, and no other backslash is allowed. */
function substitutionProblem(pattern: string, substitution: string): string | undefined {
  const verdict = re2Compile(pattern);
  if (!verdict.ok) return undefined; // the pattern's own check says it
  const { groups } = verdict;
  for (let i = 0; i < substitution.length; i++) {
    if (substitution[i] !== '\\') continue;
    const next = substitution[i + 1] ?? '';
    i++;
    if (next === '\\') continue;
    if (!/^[0-9]$/.test(next)) return `substitution ${quote(substitution)} has "\\${next}": write \\0 to \\9 for a group, \\\\ for a backslash`;
    if (Number(next) > groups) return `substitution ${quote(substitution)} refers to group ${next}, and the pattern has ${groups}`;
  }
  return headerValueProblem(substitution);
}

/** envoy.type.matcher.v3.RegexMatchAndSubstitute: every match of the pattern
 * in the path (query kept) replaced by the substitution. */
const regexRewrite: ObjectSpec = {
  kind: 'object',
  fields: { pattern: regexSpec, substitution: { kind: 'string' } },
  required: ['pattern', 'substitution'],
  check: (value) => {
    const pattern = (value.pattern as { regex?: unknown }).regex;
    return typeof pattern === 'string' && typeof value.substitution === 'string' ? substitutionProblem(pattern, value.substitution) : undefined;
  },
};

/** A copy of each request (fire and forget, its answer dropped) to another
 * Service the pod names: shadow traffic, the safest canary. */
const requestMirrorPolicy: ObjectSpec = {
  kind: 'object',
  fields: { cluster: serviceName, runtime_fraction: runtimeFraction, trace_sampled: { kind: 'boolean' } },
  required: ['cluster'],
  hints: { cluster_header: 'cluster_header is not allowed: a pod may only mirror to services it names' },
};

/** Session affinity keys for a ring-hash or Maglev balancer (effective once
 * the proxy balances over the Service's endpoints itself). */
const hashPolicy: ObjectSpec = {
  kind: 'object',
  fields: {
    header: { kind: 'object', fields: { header_name: { kind: 'string', nonEmpty: true, check: headerNameProblem } }, required: ['header_name'] },
    cookie: {
      kind: 'object',
      fields: {
        name: { kind: 'string', nonEmpty: true, check: headerNameProblem },
        ttl: { kind: 'duration' },
        path: { kind: 'string', check: headerValueProblem },
      },
      required: ['name'],
    },
    connection_properties: { kind: 'object', fields: { source_ip: { kind: 'boolean' } }, required: ['source_ip'] },
    query_parameter: { kind: 'object', fields: { name: { kind: 'string', nonEmpty: true } }, required: ['name'] },
    terminal: { kind: 'boolean' },
  },
  exactlyOne: [['header', 'cookie', 'connection_properties', 'query_parameter']],
};

/** Mirrors and hash keys per route: more than any real route needs. */
const MAX_MIRRORS = 8;
const MAX_HASH_POLICIES = 8;

const routeAction: ObjectSpec = {
  kind: 'object',
  fields: {
    cluster: serviceName,
    weighted_clusters: weightedClusters,
    timeout: { kind: 'duration' },
    retry_policy: retryPolicy,
    prefix_rewrite: { kind: 'string', check: headerValueProblem },
    regex_rewrite: regexRewrite,
    host_rewrite_literal: { kind: 'string', nonEmpty: true, check: headerValueProblem },
    request_mirror_policies: { kind: 'list', items: requestMirrorPolicy, maxItems: MAX_MIRRORS },
    hash_policy: { kind: 'list', items: hashPolicy, maxItems: MAX_HASH_POLICIES },
  },
  exactlyOne: [['cluster', 'weighted_clusters']],
  atMostOne: [['prefix_rewrite', 'regex_rewrite']],
  hints: { cluster_header: 'cluster_header is not allowed: a pod may only route to services it names' },
};

const redirectAction: ObjectSpec = {
  kind: 'object',
  fields: {
    host_redirect: { kind: 'string', nonEmpty: true, check: headerValueProblem },
    port_redirect: { kind: 'integer', min: 1, max: 65535 },
    path_redirect: { kind: 'string', check: (text) => pathProblem(text) ?? headerValueProblem(text) },
    prefix_rewrite: { kind: 'string', check: headerValueProblem },
    regex_rewrite: regexRewrite,
    https_redirect: { kind: 'boolean' },
    scheme_redirect: {
      kind: 'string',
      nonEmpty: true,
      check: (text) => (/^[a-z][a-z0-9+.-]{0,31}$/i.test(text) ? undefined : `${quote(text)} is not a URI scheme`),
    },
    response_code: { kind: 'enum', values: ['MOVED_PERMANENTLY', 'FOUND', 'SEE_OTHER', 'TEMPORARY_REDIRECT', 'PERMANENT_REDIRECT'] },
    strip_query: { kind: 'boolean' },
  },
  atMostOne: [
    ['path_redirect', 'prefix_rewrite', 'regex_rewrite'],
    ['https_redirect', 'scheme_redirect'],
  ],
};

const directResponse: ObjectSpec = {
  kind: 'object',
  fields: {
    status: { kind: 'integer', min: 200, max: 599 },
    body: { kind: 'object', fields: { inline_string: { kind: 'string' } }, required: ['inline_string'] },
  },
  required: ['status'],
};

/** Faults a route injects into its own requests (the HTTP fault filter's
 * per-route HTTPFault): a fixed delay, an abort with an HTTP or gRPC status,
 * each for a share of the requests. The share is required here: Envoy reads
 * a missing one as 0 % (FaultDelayConfig, source/extensions/filters/common/fault/fault_config.cc),
 * a fault that never fires. */
const httpFault: ObjectSpec = {
  kind: 'object',
  fields: {
    '@type': { kind: 'enum', values: [typeUrl(TYPE.fault)] },
    delay: { kind: 'object', fields: { fixed_delay: { kind: 'duration' }, percentage: fractionalPercent }, required: ['fixed_delay', 'percentage'] },
    abort: {
      kind: 'object',
      fields: {
        http_status: { kind: 'integer', min: 200, max: 599 },
        grpc_status: { kind: 'integer', min: 0, max: 4294967295 },
        percentage: fractionalPercent,
      },
      required: ['percentage'],
      exactlyOne: [['http_status', 'grpc_status']],
    },
  },
  required: ['@type'],
};

const route: ObjectSpec = {
  kind: 'object',
  fields: {
    name: { kind: 'string', nonEmpty: true },
    // Only the fault filter's: the outbound chain has no other filter a route could configure.
    typed_per_filter_config: { kind: 'object', fields: { [FAULT_FILTER_NAME]: httpFault } },
    match: routeMatch,
    route: routeAction,
    redirect: redirectAction,
    direct_response: directResponse,
    ...HEADER_MUTATIONS,
  },
  required: ['match'],
  exactlyOne: [['route', 'redirect', 'direct_response']],
};

/** Requests counted apart in the proxy's stats (vhost.<host>.vcluster.<name>.*):
 * the first whose headers all match, else "other". Envoy refuses one
 * without headers ("virtual clusters must define 'headers'"). */
const virtualCluster: ObjectSpec = {
  kind: 'object',
  fields: { name: { kind: 'string', nonEmpty: true }, headers: { kind: 'list', minItems: 1, items: headerMatcher } },
  required: ['name', 'headers'],
};

const virtualHost: ObjectSpec = {
  kind: 'object',
  fields: {
    name: { kind: 'string', nonEmpty: true },
    domains: { kind: 'list', minItems: 1, items: { kind: 'string', nonEmpty: true, check: domainProblem } },
    routes: { kind: 'list', minItems: 1, items: route },
    virtual_clusters: { kind: 'list', items: virtualCluster },
    // HTTP requests are redirected to https (EXTERNAL_ONLY: unless x-envoy-internal says internal).
    require_tls: { kind: 'enum', values: ['NONE', 'EXTERNAL_ONLY', 'ALL'] },
    ...HEADER_MUTATIONS,
  },
  required: ['name', 'domains', 'routes'],
};

export const ROUTE_OVERRIDES_SPEC: ObjectSpec = {
  kind: 'object',
  fields: {
    virtual_hosts: { kind: 'list', minItems: 1, items: virtualHost },
    // How each target is reached (cluster-settings.ts): alone, a namespace's defaults for its pods' targets.
    clusters: { kind: 'list', minItems: 1, items: CLUSTER_SETTINGS_SPEC, maxItems: MAX_CLUSTER_SETTINGS },
  },
  check: (value) => (value.virtual_hosts === undefined && value.clusters === undefined ? 'needs virtual_hosts, clusters or both' : undefined),
};

/** A whole RouteConfiguration in the same language: what route-check reads,
 * and what the injector renders (rds.json). Any other field is refused by
 * name, so route-check never silently ignores what it does not simulate. */
export const ROUTE_CONFIGURATION_SPEC: ObjectSpec = {
  kind: 'object',
  fields: {
    name: { kind: 'string' },
    virtual_hosts: { kind: 'list', items: virtualHost },
    ignore_port_in_host_matching: { kind: 'boolean' },
    ...HEADER_MUTATIONS,
    most_specific_header_mutations_wins: { kind: 'boolean' },
    // Header names the connection manager removes from requests it deems
    // external (ConnectionManagerUtility::mutateRequestHeaders); the router,
    // and router_check with it, never sees them removed.
    internal_only_headers: { kind: 'list', items: { kind: 'string', nonEmpty: true, check: headerNameProblem }, maxItems: MAX_HEADER_MUTATIONS },
  },
  required: ['virtual_hosts'],
};
