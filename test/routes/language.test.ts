// The route language (routes/language.ts), field by field: each field a user
// can write, a value Envoy loads and a value it refuses, and the field the
// refusal names. A field dropped from the language, a constraint loosened or a
// check lost makes one of these rows fail.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProblemList } from '../../src/model/result.js';
import { ROUTE_CONFIGURATION_SPEC, ROUTE_OVERRIDES_SPEC } from '../../src/routes/language.js';
import { check, type FieldProblem, type ObjectSpec } from '../../src/routes/schema.js';

type Json = Record<string, unknown>;

function problemsOf(doc: unknown, spec: ObjectSpec = ROUTE_OVERRIDES_SPEC): FieldProblem[] {
  const list = new ProblemList<FieldProblem>();
  check(doc, spec, 'routes', list);
  return [...list.all()];
}

const VH = 'routes.virtual_hosts[0]';
const ROUTE = `${VH}.routes[0]`;

const withVirtualHost = (fields: Json): Json => ({
  virtual_hosts: [{ name: 'vh', domains: ['example.com'], routes: [{ match: { prefix: '/' }, route: { cluster: 'web' } }], ...fields }],
});
const withRoute = (fields: Json): Json => withVirtualHost({ routes: [{ match: { prefix: '/' }, route: { cluster: 'web' }, ...fields }] });
const withMatch = (match: Json): Json => withRoute({ match });
const withAction = (action: Json): Json => withRoute({ route: action });
const withRedirect = (redirect: Json): Json => withVirtualHost({ routes: [{ match: { prefix: '/' }, redirect }] });
const withHeader = (header: Json): Json => withMatch({ prefix: '/', headers: [header] });
const withQuery = (parameter: Json): Json => withMatch({ prefix: '/', query_parameters: [parameter] });
const withStringMatch = (stringMatch: Json): Json => withHeader({ name: 'x-user', string_match: stringMatch });

/** [what, document, the problem it gets (field and a part of the message) or none]. */
type Row = [string, Json, { field: string; says: string } | undefined];
const refused = (field: string, says: string): { field: string; says: string } => ({ field, says });

const ROWS: Row[] = [
  // The document and its virtual hosts.
  ['a minimal document', withVirtualHost({}), undefined],
  ['no virtual hosts', { virtual_hosts: [] }, refused('routes.virtual_hosts', 'at least 1 entry')],
  [
    'a virtual host without a name',
    { virtual_hosts: [{ domains: ['a'], routes: [{ match: { prefix: '/' }, route: { cluster: 'web' } }] }] },
    refused(`${VH}.name`, 'is required'),
  ],
  ['an empty virtual host name', withVirtualHost({ name: '' }), refused(`${VH}.name`, 'must not be empty')],
  ['no domains', withVirtualHost({ domains: [] }), refused(`${VH}.domains`, 'at least 1 entry')],
  ['an empty domain', withVirtualHost({ domains: [''] }), refused(`${VH}.domains[0]`, 'must not be empty')],
  ['a domain with a space', withVirtualHost({ domains: ['a b'] }), refused(`${VH}.domains[0]`, "is not a domain a request's Host can match")],
  ['a domain Envoy compares whole', withVirtualHost({ domains: ['my_service', 'example.com.', '[::1]:8080', '*'] }), undefined],
  ['no routes', withVirtualHost({ routes: [] }), refused(`${VH}.routes`, 'at least 1 entry')],
  ['a field of no virtual host', withVirtualHost({ cors: {} }), refused(`${VH}.cors`, 'unknown field')],
  ['a virtual host that requires TLS', withVirtualHost({ require_tls: 'EXTERNAL_ONLY' }), undefined],
  ['an unknown require_tls', withVirtualHost({ require_tls: 'SOME' }), refused(`${VH}.require_tls`, 'is not one of NONE, EXTERNAL_ONLY, ALL')],
  [
    'virtual clusters',
    withVirtualHost({ virtual_clusters: [{ name: 'orders', headers: [{ name: ':path', string_match: { prefix: '/orders' } }] }] }),
    undefined,
  ],
  [
    'a virtual cluster without headers',
    withVirtualHost({ virtual_clusters: [{ name: 'orders', headers: [] }] }),
    refused(`${VH}.virtual_clusters[0].headers`, 'at least 1 entry'),
  ],
  [
    'a virtual cluster with no headers field',
    withVirtualHost({ virtual_clusters: [{ name: 'orders' }] }),
    refused(`${VH}.virtual_clusters[0].headers`, 'is required'),
  ],
  [
    'a virtual cluster without a name',
    withVirtualHost({ virtual_clusters: [{ name: '', headers: [{ name: 'x' }] }] }),
    refused(`${VH}.virtual_clusters[0].name`, 'must not be empty'),
  ],
  [
    'a virtual cluster with a bad header name',
    withVirtualHost({ virtual_clusters: [{ name: 'v', headers: [{ name: 'a b' }] }] }),
    refused(`${VH}.virtual_clusters[0].headers[0].name`, 'is not an HTTP header name'),
  ],

  // A route.
  ['a route with a name', withRoute({ name: 'api' }), undefined],
  ['a route with an empty name', withRoute({ name: '' }), refused(`${ROUTE}.name`, 'must not be empty')],
  ['a route without a match', withVirtualHost({ routes: [{ route: { cluster: 'web' } }] }), refused(`${ROUTE}.match`, 'is required')],
  ['a route with no action', withVirtualHost({ routes: [{ match: { prefix: '/' } }] }), refused(ROUTE, 'needs one of route, redirect, direct_response')],
  ['a route with two actions', withRoute({ redirect: { https_redirect: true } }), refused(ROUTE, 'choose exactly one of route, redirect, direct_response')],

  // The match.
  ['an empty prefix (every path)', withMatch({ prefix: '' }), undefined],
  ['a prefix without "/"', withMatch({ prefix: 'api' }), refused(`${ROUTE}.match.prefix`, 'must start with "/"')],
  ['a path', withMatch({ path: '/api' }), undefined],
  ['a path without "/"', withMatch({ path: 'api' }), refused(`${ROUTE}.match.path`, 'must start with "/"')],
  [
    'a prefix and a path',
    withMatch({ prefix: '/', path: '/a' }),
    refused(`${ROUTE}.match`, 'choose exactly one of prefix, path, safe_regex, path_separated_prefix'),
  ],
  ['a match of nothing', withMatch({}), refused(`${ROUTE}.match`, 'needs one of prefix, path, safe_regex, path_separated_prefix')],
  ['a path-separated prefix', withMatch({ path_separated_prefix: '/api/v1' }), undefined],
  [
    'a path-separated prefix ending in "/"',
    withMatch({ path_separated_prefix: '/api/' }),
    refused(`${ROUTE}.match.path_separated_prefix`, 'must not end with "/" nor hold "?" or "#"'),
  ],
  [
    'a path-separated prefix with a query',
    withMatch({ path_separated_prefix: '/api?x' }),
    refused(`${ROUTE}.match.path_separated_prefix`, 'must not end with "/" nor hold "?" or "#"'),
  ],
  ['"/" as a path-separated prefix', withMatch({ path_separated_prefix: '/' }), refused(`${ROUTE}.match.path_separated_prefix`, 'must not end with "/"')],
  ['a path-separated prefix without "/"', withMatch({ path_separated_prefix: 'api' }), refused(`${ROUTE}.match.path_separated_prefix`, 'must start with "/"')],
  ['a regex', withMatch({ safe_regex: { regex: '^/api/[0-9]+$' } }), undefined],
  ['a regex with the deprecated google_re2', withMatch({ safe_regex: { regex: '^/a', google_re2: {} } }), undefined],
  [
    'a google_re2 with a field',
    withMatch({ safe_regex: { regex: '^/a', google_re2: { max_program_size: 1 } } }),
    refused(`${ROUTE}.match.safe_regex.google_re2.max_program_size`, 'unknown field'),
  ],
  ['a regex without its pattern', withMatch({ safe_regex: {} }), refused(`${ROUTE}.match.safe_regex.regex`, 'is required')],
  ['an empty regex', withMatch({ safe_regex: { regex: '' } }), refused(`${ROUTE}.match.safe_regex.regex`, 'must not be empty')],
  ['a regex with lookahead', withMatch({ safe_regex: { regex: '^/(?=a)' } }), refused(`${ROUTE}.match.safe_regex.regex`, 'is not an RE2 regex')],
  // Sizes from RE2 itself (src/routes/re2): 32 groups of (a|b) make 100, Envoy's limit, allowed.
  ['a regex of program size 100', withMatch({ safe_regex: { regex: `^/${'(a|b)'.repeat(32)}$` } }), undefined],
  [
    'a regex of program size 101',
    withMatch({ safe_regex: { regex: `^/${'(a|b)'.repeat(32)}x$` } }),
    refused(`${ROUTE}.match.safe_regex.regex`, 'too complex for Envoy: RE2 program size of 101 > max program size of 100'),
  ],
  ['the v2 regex field', withMatch({ regex: '^/a' }), refused(`${ROUTE}.match.regex`, 'write safe_regex: { regex: ... }')],
  ['case_sensitive', withMatch({ prefix: '/', case_sensitive: false }), undefined],
  ['case_sensitive as text', withMatch({ prefix: '/', case_sensitive: 'no' }), refused(`${ROUTE}.match.case_sensitive`, 'expected true or false')],
  ['a gRPC match', withMatch({ prefix: '/', grpc: {} }), undefined],
  [
    'a share of requests',
    withMatch({ prefix: '/', runtime_fraction: { runtime_key: 'a.b', default_value: { numerator: 5, denominator: 'TEN_THOUSAND' } } }),
    undefined,
  ],
  [
    'a share without its default',
    withMatch({ prefix: '/', runtime_fraction: { runtime_key: 'a.b' } }),
    refused(`${ROUTE}.match.runtime_fraction.default_value`, 'is required'),
  ],
  [
    'a share of no denominator Envoy knows',
    withMatch({ prefix: '/', runtime_fraction: { default_value: { numerator: 5, denominator: 'THOUSAND' } } }),
    refused(`${ROUTE}.match.runtime_fraction.default_value.denominator`, 'is not one of HUNDRED, TEN_THOUSAND, MILLION'),
  ],
  [
    'a negative share',
    withMatch({ prefix: '/', runtime_fraction: { default_value: { numerator: -1 } } }),
    refused(`${ROUTE}.match.runtime_fraction.default_value.numerator`, 'out of range (0 to 4294967295)'),
  ],
  [
    'a runtime key with a space',
    withMatch({ prefix: '/', runtime_fraction: { runtime_key: 'a b', default_value: {} } }),
    refused(`${ROUTE}.match.runtime_fraction.runtime_key`, 'is not a runtime key'),
  ],
  ['a gRPC match with a field', withMatch({ prefix: '/', grpc: { service: 'x' } }), refused(`${ROUTE}.match.grpc.service`, 'unknown field')],

  // Header matchers.
  ['a header that is present', withHeader({ name: 'x-user' }), undefined],
  ['a pseudo-header', withHeader({ name: ':authority', string_match: { exact: 'a' } }), undefined],
  ['an inverted header match', withHeader({ name: 'x-user', present_match: true, invert_match: true }), undefined],
  ['invert_match as text', withHeader({ name: 'x-user', invert_match: 'yes' }), refused(`${ROUTE}.match.headers[0].invert_match`, 'expected true or false')],
  ['present_match as text', withHeader({ name: 'x-user', present_match: 'yes' }), refused(`${ROUTE}.match.headers[0].present_match`, 'expected true or false')],
  ['a header without a name', withHeader({ present_match: true }), refused(`${ROUTE}.match.headers[0].name`, 'is required')],
  ['an empty header name', withHeader({ name: '' }), refused(`${ROUTE}.match.headers[0].name`, 'must not be empty')],
  ['a header name with a space', withHeader({ name: 'x user' }), refused(`${ROUTE}.match.headers[0].name`, 'is not an HTTP header name')],
  ['a header name with a colon inside', withHeader({ name: 'x:user' }), refused(`${ROUTE}.match.headers[0].name`, 'is not an HTTP header name')],
  [
    'a value and presence at once',
    withHeader({ name: 'x-user', string_match: { exact: 'a' }, present_match: true }),
    refused(`${ROUTE}.match.headers[0]`, 'sets string_match and present_match: they cannot be combined'),
  ],
  ...(['exact', 'prefix', 'suffix', 'contains', 'safe_regex'] as const).map((kind): Row => [
    `the deprecated ${kind}_match`,
    withHeader({ name: 'x-user', [`${kind}_match`]: 'a' }),
    refused(`${ROUTE}.match.headers[0].${kind}_match`, `${kind}_match is deprecated in Envoy v3: write string_match: { ${kind}: ... }`),
  ]),

  // String matchers.
  ['an empty exact value', withStringMatch({ exact: '' }), undefined],
  ['a suffix', withStringMatch({ suffix: '.json' }), undefined],
  ['a contains', withStringMatch({ contains: 'bot' }), undefined],
  ['a prefix, ignoring case', withStringMatch({ prefix: 'Bearer ', ignore_case: true }), undefined],
  [
    'ignore_case as text',
    withStringMatch({ prefix: 'a', ignore_case: 'yes' }),
    refused(`${ROUTE}.match.headers[0].string_match.ignore_case`, 'expected true or false'),
  ],
  ...(['prefix', 'suffix', 'contains'] as const).map((kind): Row => [
    `an empty ${kind}`,
    withStringMatch({ [kind]: '' }),
    refused(`${ROUTE}.match.headers[0].string_match.${kind}`, 'must not be empty'),
  ]),
  ['a regex value', withStringMatch({ safe_regex: { regex: '^[0-9]+$' } }), undefined],
  [
    'a regex value with ignore_case',
    withStringMatch({ safe_regex: { regex: '^a' }, ignore_case: true }),
    refused(`${ROUTE}.match.headers[0].string_match`, 'ignore_case has no effect on safe_regex'),
  ],
  ['a regex value with ignore_case false', withStringMatch({ safe_regex: { regex: '^a' }, ignore_case: false }), undefined],
  [
    'two kinds of value',
    withStringMatch({ exact: 'a', prefix: 'a' }),
    refused(`${ROUTE}.match.headers[0].string_match`, 'choose exactly one of exact, prefix, suffix, contains, safe_regex'),
  ],
  [
    'no kind of value',
    withStringMatch({ ignore_case: true }),
    refused(`${ROUTE}.match.headers[0].string_match`, 'needs one of exact, prefix, suffix, contains, safe_regex'),
  ],

  // Query parameter matchers.
  ['a query parameter present', withQuery({ name: 'debug', present_match: true }), undefined],
  ['a query parameter value', withQuery({ name: 'v', string_match: { exact: '2' } }), undefined],
  [
    'a query parameter without a matcher',
    withQuery({ name: 'debug' }),
    refused(`${ROUTE}.match.query_parameters[0]`, 'needs one of string_match, present_match'),
  ],
  [
    'a query parameter with an empty name',
    withQuery({ name: '', present_match: true }),
    refused(`${ROUTE}.match.query_parameters[0].name`, 'must not be empty'),
  ],
  ['a query parameter without a name', withQuery({ present_match: true }), refused(`${ROUTE}.match.query_parameters[0].name`, 'is required')],
  [
    'present_match as text in a query matcher',
    withQuery({ name: 'q', present_match: 'yes' }),
    refused(`${ROUTE}.match.query_parameters[0].present_match`, 'expected true or false'),
  ],

  // The route action.
  ['an empty cluster', withAction({ cluster: '' }), refused(`${ROUTE}.route.cluster`, 'must not be empty')],
  [
    'cluster_header',
    withAction({ cluster: 'web', cluster_header: 'x-to' }),
    refused(`${ROUTE}.route.cluster_header`, 'a pod may only route to services it names'),
  ],
  [
    'a cluster and weights',
    withAction({ cluster: 'web', weighted_clusters: { clusters: [{ name: 'a', weight: 1 }] } }),
    refused(`${ROUTE}.route`, 'choose exactly one of cluster, weighted_clusters'),
  ],
  [
    'weights',
    withAction({
      weighted_clusters: {
        clusters: [
          { name: 'a', weight: 1 },
          { name: 'b', weight: 3 },
        ],
      },
    }),
    undefined,
  ],
  [
    'weights with their total',
    withAction({
      weighted_clusters: {
        clusters: [
          { name: 'a', weight: 1 },
          { name: 'b', weight: 3 },
        ],
        total_weight: 4,
      },
    }),
    undefined,
  ],
  [
    'weights with a wrong total',
    withAction({
      weighted_clusters: {
        clusters: [
          { name: 'a', weight: 1 },
          { name: 'b', weight: 3 },
        ],
        total_weight: 5,
      },
    }),
    refused(`${ROUTE}.route.weighted_clusters`, 'the weights add up to 4, not total_weight 5'),
  ],
  [
    'a total_weight of 0',
    withAction({ weighted_clusters: { clusters: [{ name: 'a', weight: 1 }], total_weight: 0 } }),
    refused(`${ROUTE}.route.weighted_clusters.total_weight`, 'out of range (1 to 4294967295)'),
  ],
  [
    'weights adding up to 0',
    withAction({
      weighted_clusters: {
        clusters: [
          { name: 'a', weight: 0 },
          { name: 'b', weight: 0 },
        ],
      },
    }),
    refused(`${ROUTE}.route.weighted_clusters`, 'the weights add up to 0'),
  ],
  [
    'weights at the 32-bit limit',
    withAction({
      weighted_clusters: {
        clusters: [
          { name: 'a', weight: 4294967294 },
          { name: 'b', weight: 1 },
        ],
      },
    }),
    undefined,
  ],
  [
    'weights past the 32-bit limit',
    withAction({
      weighted_clusters: {
        clusters: [
          { name: 'a', weight: 4294967295 },
          { name: 'b', weight: 1 },
        ],
      },
    }),
    refused(`${ROUTE}.route.weighted_clusters`, "the weights add up to 4294967296, more than Envoy's limit of 4294967295"),
  ],
  [
    'a negative weight',
    withAction({
      weighted_clusters: {
        clusters: [
          { name: 'a', weight: -1 },
          { name: 'b', weight: 2 },
        ],
      },
    }),
    refused(`${ROUTE}.route.weighted_clusters.clusters[0].weight`, 'out of range (0 to 4294967295)'),
  ],
  [
    'a weight without a name',
    withAction({ weighted_clusters: { clusters: [{ weight: 1 }] } }),
    refused(`${ROUTE}.route.weighted_clusters.clusters[0].name`, 'is required'),
  ],
  [
    'a cluster without a weight',
    withAction({ weighted_clusters: { clusters: [{ name: 'a' }] } }),
    refused(`${ROUTE}.route.weighted_clusters.clusters[0].weight`, 'is required'),
  ],
  [
    'an empty weighted cluster name',
    withAction({ weighted_clusters: { clusters: [{ name: '', weight: 1 }] } }),
    refused(`${ROUTE}.route.weighted_clusters.clusters[0].name`, 'must not be empty'),
  ],
  ['weights without clusters', withAction({ weighted_clusters: {} }), refused(`${ROUTE}.route.weighted_clusters.clusters`, 'is required')],
  ['weights with no cluster', withAction({ weighted_clusters: { clusters: [] } }), refused(`${ROUTE}.route.weighted_clusters.clusters`, 'at least 1 entry')],
  [
    'a mirror with a share',
    withAction({
      cluster: 'web',
      request_mirror_policies: [{ cluster: 'web-v2', runtime_fraction: { default_value: { numerator: 10 } }, trace_sampled: false }],
    }),
    undefined,
  ],
  [
    'a mirror without its cluster',
    withAction({ cluster: 'web', request_mirror_policies: [{ trace_sampled: true }] }),
    refused(`${ROUTE}.route.request_mirror_policies[0].cluster`, 'is required'),
  ],
  [
    'a mirror by header',
    withAction({ cluster: 'web', request_mirror_policies: [{ cluster_header: 'x-to' }] }),
    refused(`${ROUTE}.route.request_mirror_policies[0].cluster_header`, 'a pod may only mirror to services it names'),
  ],
  [
    'nine mirrors',
    withAction({ cluster: 'web', request_mirror_policies: Array.from({ length: 9 }, () => ({ cluster: 'web-v2' })) }),
    refused(`${ROUTE}.route.request_mirror_policies`, 'has 9 entries, more than the 8 allowed'),
  ],
  [
    'hash keys of every kind',
    withAction({
      cluster: 'web',
      hash_policy: [
        { header: { header_name: 'x-user' } },
        { cookie: { name: 'session', ttl: '3600s', path: '/' }, terminal: true },
        { connection_properties: { source_ip: true } },
        { query_parameter: { name: 'u' } },
      ],
    }),
    undefined,
  ],
  [
    'a hash key of two kinds',
    withAction({ cluster: 'web', hash_policy: [{ header: { header_name: 'x-user' }, query_parameter: { name: 'u' } }] }),
    refused(`${ROUTE}.route.hash_policy[0]`, 'choose exactly one of header, cookie, connection_properties, query_parameter'),
  ],
  [
    'a hash key on a bad header name',
    withAction({ cluster: 'web', hash_policy: [{ header: { header_name: 'x user' } }] }),
    refused(`${ROUTE}.route.hash_policy[0].header.header_name`, 'is not an HTTP header name'),
  ],
  ['a timeout', withAction({ cluster: 'web', timeout: '2.5s' }), undefined],
  ['a timeout without unit', withAction({ cluster: 'web', timeout: '5' }), refused(`${ROUTE}.route.timeout`, 'is not a duration')],
  ['a retry policy', withAction({ cluster: 'web', retry_policy: { retry_on: '5xx, reset', num_retries: 100, per_try_timeout: '1s' } }), undefined],
  [
    'a retry policy without retry_on',
    withAction({ cluster: 'web', retry_policy: { num_retries: 2 } }),
    refused(`${ROUTE}.route.retry_policy.retry_on`, 'is required'),
  ],
  ['an empty retry_on', withAction({ cluster: 'web', retry_policy: { retry_on: '' } }), refused(`${ROUTE}.route.retry_policy.retry_on`, 'must not be empty')],
  [
    'an unknown retry condition',
    withAction({ cluster: 'web', retry_policy: { retry_on: '5xx,5xx-ish' } }),
    refused(`${ROUTE}.route.retry_policy.retry_on`, 'unknown retry condition "5xx-ish" (known: 5xx, gateway-error'),
  ],
  [
    '101 retries',
    withAction({ cluster: 'web', retry_policy: { retry_on: '5xx', num_retries: 101 } }),
    refused(`${ROUTE}.route.retry_policy.num_retries`, 'out of range (0 to 100)'),
  ],
  [
    'a per-try timeout without unit',
    withAction({ cluster: 'web', retry_policy: { retry_on: '5xx', per_try_timeout: 1 } }),
    refused(`${ROUTE}.route.retry_policy.per_try_timeout`, 'is not a duration'),
  ],
  ['an empty prefix_rewrite (no rewrite)', withAction({ cluster: 'web', prefix_rewrite: '' }), undefined],
  [
    'a regex rewrite with groups',
    withAction({ cluster: 'web', regex_rewrite: { pattern: { regex: '^/s/([^/]+)(/.*)$' }, substitution: '\\2/i/\\1\\\\' } }),
    undefined,
  ],
  [
    'a regex rewrite naming a group the pattern lacks',
    withAction({ cluster: 'web', regex_rewrite: { pattern: { regex: '^/(a)$' }, substitution: '\\2' } }),
    refused(`${ROUTE}.route.regex_rewrite`, 'refers to group 2, and the pattern has 1'),
  ],
  [
    'a regex rewrite with another escape',
    withAction({ cluster: 'web', regex_rewrite: { pattern: { regex: '^/a$' }, substitution: '\\n' } }),
    refused(`${ROUTE}.route.regex_rewrite`, 'has "\\n": write \\0 to \\9 for a group'),
  ],
  [
    'a regex rewrite with a newline',
    withAction({ cluster: 'web', regex_rewrite: { pattern: { regex: '^/a$' }, substitution: '/b\n' } }),
    refused(`${ROUTE}.route.regex_rewrite`, 'contains a control character (code 10)'),
  ],
  [
    'a regex rewrite without its substitution',
    withAction({ cluster: 'web', regex_rewrite: { pattern: { regex: 'a' } } }),
    refused(`${ROUTE}.route.regex_rewrite.substitution`, 'is required'),
  ],
  [
    'a regex rewrite whose pattern is no RE2',
    withAction({ cluster: 'web', regex_rewrite: { pattern: { regex: '(?=a)' }, substitution: 'b' } }),
    refused(`${ROUTE}.route.regex_rewrite.pattern.regex`, 'is not an RE2 regex'),
  ],
  [
    'a prefix and a regex rewrite',
    withAction({ cluster: 'web', prefix_rewrite: '/a', regex_rewrite: { pattern: { regex: 'a' }, substitution: 'b' } }),
    refused(`${ROUTE}.route`, 'sets prefix_rewrite and regex_rewrite: they cannot be combined'),
  ],
  ['a redirect by regex rewrite', withRedirect({ regex_rewrite: { pattern: { regex: '^/old' }, substitution: '/new' } }), undefined],
  [
    'a redirect by path and regex rewrite',
    withRedirect({ path_redirect: '/a', regex_rewrite: { pattern: { regex: 'a' }, substitution: 'b' } }),
    refused(`${ROUTE}.redirect`, 'sets path_redirect and regex_rewrite: they cannot be combined'),
  ],
  [
    'a prefix_rewrite with a newline',
    withAction({ cluster: 'web', prefix_rewrite: '/v2\n' }),
    refused(`${ROUTE}.route.prefix_rewrite`, 'contains a control character (code 10)'),
  ],
  ['a host rewrite', withAction({ cluster: 'web', host_rewrite_literal: 'api.internal' }), undefined],
  ['an empty host rewrite', withAction({ cluster: 'web', host_rewrite_literal: '' }), refused(`${ROUTE}.route.host_rewrite_literal`, 'must not be empty')],
  [
    'a host rewrite with DEL',
    withAction({ cluster: 'web', host_rewrite_literal: 'a\u007f' }),
    refused(`${ROUTE}.route.host_rewrite_literal`, 'contains a control character (code 127)'),
  ],

  // Header mutations, on routes and virtual hosts.
  [
    'headers to add and remove on a route',
    withRoute({
      request_headers_to_add: [{ header: { key: 'x-canary', value: 'v2' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }],
      request_headers_to_remove: ['x-debug'],
      response_headers_to_add: [{ header: { key: 'x-served-by', value: '%HOSTNAME%' } }],
      response_headers_to_remove: ['server'],
    }),
    undefined,
  ],
  [
    'headers on a virtual host',
    withVirtualHost({ request_headers_to_add: [{ header: { key: 'x-user', value: '%REQ(end-user)% is 100%% here' }, keep_empty_value: true }] }),
    undefined,
  ],
  ['the deprecated append', withRoute({ request_headers_to_add: [{ header: { key: 'x-a', value: '1' }, append: false }] }), undefined],
  [
    'append and append_action at once',
    withRoute({ request_headers_to_add: [{ header: { key: 'x-a', value: '1' }, append: false, append_action: 'ADD_IF_ABSENT' }] }),
    refused(`${ROUTE}.request_headers_to_add[0]`, 'sets append and append_action: they cannot be combined'),
  ],
  [
    'an unknown append_action',
    withRoute({ request_headers_to_add: [{ header: { key: 'x-a', value: '1' }, append_action: 'APPEND' }] }),
    refused(`${ROUTE}.request_headers_to_add[0].append_action`, 'is not one of APPEND_IF_EXISTS_OR_ADD'),
  ],
  [
    'a pseudo-header to add',
    withRoute({ request_headers_to_add: [{ header: { key: ':path', value: '/x' } }] }),
    refused(`${ROUTE}.request_headers_to_add[0].header.key`, 'Envoy refuses :-prefixed and host headers'),
  ],
  [
    'host to remove',
    withVirtualHost({ request_headers_to_remove: ['Host'] }),
    refused(`${VH}.request_headers_to_remove[0]`, 'Envoy refuses :-prefixed and host headers'),
  ],
  [
    'a header name with a space to remove',
    withRoute({ response_headers_to_remove: ['x a'] }),
    refused(`${ROUTE}.response_headers_to_remove[0]`, 'is not an HTTP header name'),
  ],
  [
    'an added header without its key',
    withRoute({ response_headers_to_add: [{ header: { value: '1' } }] }),
    refused(`${ROUTE}.response_headers_to_add[0].header.key`, 'is required'),
  ],
  [
    'a value with CR LF',
    withRoute({ request_headers_to_add: [{ header: { key: 'x-a', value: 'a\r\nSet-Cookie: s' } }] }),
    refused(`${ROUTE}.request_headers_to_add[0].header.value`, 'contains a control character (code 13)'),
  ],
  [
    'an unknown formatter command',
    withRoute({ request_headers_to_add: [{ header: { key: 'x-a', value: '%UPSTREAM_METADATA(x)%' } }] }),
    refused(`${ROUTE}.request_headers_to_add[0].header.value`, 'is not a formatter command this injector knows'),
  ],
  [
    'a lone %',
    withRoute({ request_headers_to_add: [{ header: { key: 'x-a', value: '50% off' } }] }),
    refused(`${ROUTE}.request_headers_to_add[0].header.value`, '"% off" is not a formatter command'),
  ],
  [
    '33 headers to add',
    withRoute({ request_headers_to_add: Array.from({ length: 33 }, (_, i) => ({ header: { key: `x-${i}`, value: '1' } })) }),
    refused(`${ROUTE}.request_headers_to_add`, 'has 33 entries, more than the 32 allowed'),
  ],
  ['32 headers to remove', withRoute({ request_headers_to_remove: Array.from({ length: 32 }, (_, i) => `x-${i}`) }), undefined],

  // Fault injection.
  [
    'a delay and an abort for shares of the requests',
    withRoute({
      typed_per_filter_config: {
        'envoy.filters.http.fault': {
          '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault',
          delay: { fixed_delay: '2s', percentage: { numerator: 10 } },
          abort: { http_status: 503, percentage: { numerator: 5, denominator: 'TEN_THOUSAND' } },
        },
      },
    }),
    undefined,
  ],
  [
    'a gRPC abort',
    withRoute({
      typed_per_filter_config: {
        'envoy.filters.http.fault': {
          '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault',
          abort: { grpc_status: 14, percentage: { numerator: 1 } },
        },
      },
    }),
    undefined,
  ],
  [
    'a delay without its share',
    withRoute({
      typed_per_filter_config: {
        'envoy.filters.http.fault': { '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault', delay: { fixed_delay: '2s' } },
      },
    }),
    refused(`${ROUTE}.typed_per_filter_config.envoy.filters.http.fault.delay.percentage`, 'is required'),
  ],
  [
    'an abort with two statuses',
    withRoute({
      typed_per_filter_config: {
        'envoy.filters.http.fault': {
          '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault',
          abort: { http_status: 503, grpc_status: 14, percentage: { numerator: 1 } },
        },
      },
    }),
    refused(`${ROUTE}.typed_per_filter_config.envoy.filters.http.fault.abort`, 'choose exactly one of http_status, grpc_status'),
  ],
  [
    'an abort with status 600',
    withRoute({
      typed_per_filter_config: {
        'envoy.filters.http.fault': {
          '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault',
          abort: { http_status: 600, percentage: { numerator: 1 } },
        },
      },
    }),
    refused(`${ROUTE}.typed_per_filter_config.envoy.filters.http.fault.abort.http_status`, 'out of range (200 to 599)'),
  ],
  [
    'a fault config of another type',
    withRoute({
      typed_per_filter_config: { 'envoy.filters.http.fault': { '@type': 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBACPerRoute' } },
    }),
    refused(
      `${ROUTE}.typed_per_filter_config.envoy.filters.http.fault.@type`,
      'is not one of type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault',
    ),
  ],
  [
    'another filter’s per-route config',
    withRoute({ typed_per_filter_config: { 'envoy.filters.http.rbac': {} } }),
    refused(`${ROUTE}.typed_per_filter_config.envoy.filters.http.rbac`, 'unknown field'),
  ],

  // Redirects.
  ['a redirect to another host and port', withRedirect({ host_redirect: 'example.org', port_redirect: 65535, response_code: 'FOUND' }), undefined],
  ['an empty host_redirect', withRedirect({ host_redirect: '' }), refused(`${ROUTE}.redirect.host_redirect`, 'must not be empty')],
  ['a host_redirect with CR', withRedirect({ host_redirect: 'a\rb' }), refused(`${ROUTE}.redirect.host_redirect`, 'contains a control character (code 13)')],
  ['port 0', withRedirect({ port_redirect: 0 }), refused(`${ROUTE}.redirect.port_redirect`, 'out of range (1 to 65535)')],
  ['port 65536', withRedirect({ port_redirect: 65536 }), refused(`${ROUTE}.redirect.port_redirect`, 'out of range (1 to 65535)')],
  ['a path_redirect', withRedirect({ path_redirect: '/new' }), undefined],
  ['a path_redirect without "/"', withRedirect({ path_redirect: 'new' }), refused(`${ROUTE}.redirect.path_redirect`, 'must start with "/"')],
  [
    'a path_redirect with LF',
    withRedirect({ path_redirect: '/new\nSet-Cookie: a' }),
    refused(`${ROUTE}.redirect.path_redirect`, 'contains a control character (code 10)'),
  ],
  ['a prefix_rewrite in a redirect', withRedirect({ prefix_rewrite: '/v2' }), undefined],
  [
    'a prefix_rewrite with NUL in a redirect',
    withRedirect({ prefix_rewrite: '/v2\u0000' }),
    refused(`${ROUTE}.redirect.prefix_rewrite`, 'contains a control character (code 0)'),
  ],
  [
    'a path and a prefix rewrite',
    withRedirect({ path_redirect: '/a', prefix_rewrite: '/b' }),
    refused(`${ROUTE}.redirect`, 'sets path_redirect and prefix_rewrite: they cannot be combined'),
  ],
  [
    'https and a scheme',
    withRedirect({ https_redirect: true, scheme_redirect: 'https' }),
    refused(`${ROUTE}.redirect`, 'sets https_redirect and scheme_redirect: they cannot be combined'),
  ],
  ['https_redirect as text', withRedirect({ https_redirect: 'yes' }), refused(`${ROUTE}.redirect.https_redirect`, 'expected true or false')],
  ['a scheme of 32 characters', withRedirect({ scheme_redirect: `a${'b+.-'.repeat(7)}123` }), undefined],
  ['a scheme of 33 characters', withRedirect({ scheme_redirect: `a${'b'.repeat(32)}` }), refused(`${ROUTE}.redirect.scheme_redirect`, 'is not a URI scheme')],
  ['a scheme starting with a digit', withRedirect({ scheme_redirect: '1http' }), refused(`${ROUTE}.redirect.scheme_redirect`, 'is not a URI scheme')],
  ['a scheme ending in a space', withRedirect({ scheme_redirect: 'http ' }), refused(`${ROUTE}.redirect.scheme_redirect`, 'is not a URI scheme')],
  ['an empty scheme', withRedirect({ scheme_redirect: '' }), refused(`${ROUTE}.redirect.scheme_redirect`, 'must not be empty')],
  [
    'an unknown response code',
    withRedirect({ response_code: 'MOVED' }),
    refused(`${ROUTE}.redirect.response_code`, 'is not one of MOVED_PERMANENTLY, FOUND, SEE_OTHER, TEMPORARY_REDIRECT, PERMANENT_REDIRECT'),
  ],
  ...['MOVED_PERMANENTLY', 'FOUND', 'SEE_OTHER', 'TEMPORARY_REDIRECT', 'PERMANENT_REDIRECT'].map((code): Row => [
    `response code ${code}`,
    withRedirect({ response_code: code }),
    undefined,
  ]),
  ['strip_query', withRedirect({ strip_query: true }), undefined],
  ['strip_query as text', withRedirect({ strip_query: 'yes' }), refused(`${ROUTE}.redirect.strip_query`, 'expected true or false')],

  // Direct responses.
  [
    'a direct response at both ends of the range',
    withVirtualHost({
      routes: [
        { match: { path: '/a' }, direct_response: { status: 200 } },
        { match: { path: '/b' }, direct_response: { status: 599, body: { inline_string: '' } } },
      ],
    }),
    undefined,
  ],
  [
    'status 199',
    withVirtualHost({ routes: [{ match: { prefix: '/' }, direct_response: { status: 199 } }] }),
    refused(`${ROUTE}.direct_response.status`, 'out of range (200 to 599)'),
  ],
  [
    'status 600',
    withVirtualHost({ routes: [{ match: { prefix: '/' }, direct_response: { status: 600 } }] }),
    refused(`${ROUTE}.direct_response.status`, 'out of range (200 to 599)'),
  ],
  [
    'a direct response without status',
    withVirtualHost({ routes: [{ match: { prefix: '/' }, direct_response: {} }] }),
    refused(`${ROUTE}.direct_response.status`, 'is required'),
  ],
  [
    'a body without its text',
    withVirtualHost({ routes: [{ match: { prefix: '/' }, direct_response: { status: 200, body: {} } }] }),
    refused(`${ROUTE}.direct_response.body.inline_string`, 'is required'),
  ],
  // Formatter commands are read whole, between their two "%".
  ...['%XHOSTNAME%', '%HOSTNAMEX%', '%HOSTNAME', '%REQ()%'].map((value): Row => [
    `the header value ${value}`,
    withRoute({ request_headers_to_add: [{ header: { key: 'x-a', value } }] }),
    refused(`${ROUTE}.request_headers_to_add[0].header.value`, 'is not a formatter command this injector knows'),
  ]),
  [
    'a header to add without its key',
    withRoute({ request_headers_to_add: [{ header: { value: '1' } }] }),
    refused(`${ROUTE}.request_headers_to_add[0].header.key`, 'is required'),
  ],
  [
    'a header to add with an empty key',
    withRoute({ request_headers_to_add: [{ header: { key: '', value: '1' } }] }),
    refused(`${ROUTE}.request_headers_to_add[0].header.key`, 'must not be empty'),
  ],
  [
    'a header option without its header',
    withRoute({ request_headers_to_add: [{ append_action: 'ADD_IF_ABSENT' }] }),
    refused(`${ROUTE}.request_headers_to_add[0].header`, 'is required'),
  ],
  [
    'append as text',
    withRoute({ request_headers_to_add: [{ header: { key: 'x-a', value: '1' }, append: 'yes' }] }),
    refused(`${ROUTE}.request_headers_to_add[0].append`, 'expected true or false'),
  ],
  [
    'keep_empty_value as text',
    withRoute({ request_headers_to_add: [{ header: { key: 'x-a', value: '1' }, keep_empty_value: 'yes' }] }),
    refused(`${ROUTE}.request_headers_to_add[0].keep_empty_value`, 'expected true or false'),
  ],
  [
    'a path-separated prefix ending in "/"',
    withMatch({ path_separated_prefix: '/api/' }),
    refused(`${ROUTE}.match.path_separated_prefix`, 'must not end with "/"'),
  ],
  [
    'a path-separated prefix holding "?"',
    withMatch({ path_separated_prefix: '/a?b' }),
    refused(`${ROUTE}.match.path_separated_prefix`, 'must not end with "/" nor hold "?"'),
  ],
  ['a path-separated prefix of one "/"', withMatch({ path_separated_prefix: '/' }), refused(`${ROUTE}.match.path_separated_prefix`, 'must not end with "/"')],
  [
    'a numeric runtime_key_prefix',
    withAction({ weighted_clusters: { runtime_key_prefix: 1, clusters: [{ name: 'a', weight: 1 }] } }),
    refused(`${ROUTE}.route.weighted_clusters.runtime_key_prefix`, 'expected a string'),
  ],
  [
    'a substitution escaping a letter',
    withAction({ cluster: 'web', regex_rewrite: { pattern: { regex: '^/(a)$' }, substitution: '\\a' } }),
    refused(`${ROUTE}.route.regex_rewrite`, 'has "\\a"'),
  ],
  ['a substitution escaping two digits', withAction({ cluster: 'web', regex_rewrite: { pattern: { regex: '^/(a)$' }, substitution: '\\1\\12' } }), undefined],
  [
    'a substitution ending in a backslash',
    withAction({ cluster: 'web', regex_rewrite: { pattern: { regex: '^/(a)$' }, substitution: '/x\\' } }),
    refused(`${ROUTE}.route.regex_rewrite`, 'has "\\"'),
  ],
  [
    'a hash on a cookie without a name',
    withAction({ cluster: 'web', hash_policy: [{ cookie: { ttl: '1s' } }] }),
    refused(`${ROUTE}.route.hash_policy[0].cookie.name`, 'is required'),
  ],
  [
    'a hash on a cookie with an empty name',
    withAction({ cluster: 'web', hash_policy: [{ cookie: { name: '' } }] }),
    refused(`${ROUTE}.route.hash_policy[0].cookie.name`, 'must not be empty'),
  ],
  [
    'a cookie ttl of bare seconds',
    withAction({ cluster: 'web', hash_policy: [{ cookie: { name: 's', ttl: 5 } }] }),
    refused(`${ROUTE}.route.hash_policy[0].cookie.ttl`, 'is not a duration'),
  ],
  [
    'a numeric cookie path',
    withAction({ cluster: 'web', hash_policy: [{ cookie: { name: 's', path: 1 } }] }),
    refused(`${ROUTE}.route.hash_policy[0].cookie.path`, 'expected a string'),
  ],
  [
    'a hash on the connection without source_ip',
    withAction({ cluster: 'web', hash_policy: [{ connection_properties: {} }] }),
    refused(`${ROUTE}.route.hash_policy[0].connection_properties.source_ip`, 'is required'),
  ],
  [
    'source_ip as text',
    withAction({ cluster: 'web', hash_policy: [{ connection_properties: { source_ip: 'yes' } }] }),
    refused(`${ROUTE}.route.hash_policy[0].connection_properties.source_ip`, 'expected true or false'),
  ],
];

describe('the route language, field by field', () => {
  for (const [what, doc, expected] of ROWS) {
    it(`${what}: ${expected === undefined ? 'loaded' : `refused at ${expected.field}`}`, () => {
      const problems = problemsOf(doc);
      if (expected === undefined) {
        assert.deepEqual(problems, []);
        return;
      }
      assert.equal(problems.length, 1, JSON.stringify(problems));
      assert.equal(problems[0]?.field, expected.field);
      assert.ok(problems[0]?.message.includes(expected.says), problems[0]?.message);
    });
  }

  it('every retry condition Envoy knows is accepted, each on its own', () => {
    const conditions = [
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
    ];
    for (const condition of conditions) assert.deepEqual(problemsOf(withAction({ cluster: 'web', retry_policy: { retry_on: condition } })), [], condition);
  });
});

describe('a whole RouteConfiguration (route-check, rds.json)', () => {
  const virtualHost = { name: 'vh', domains: ['example.com'], routes: [{ match: { prefix: '/' }, route: { cluster: 'web' } }] };
  it('loads with its name and ignore_port_in_host_matching', () => {
    assert.deepEqual(problemsOf({ name: 'local_route', virtual_hosts: [virtualHost], ignore_port_in_host_matching: true }, ROUTE_CONFIGURATION_SPEC), []);
  });
  it('loads with no virtual host, as Envoy does', () => {
    assert.deepEqual(problemsOf({ virtual_hosts: [] }, ROUTE_CONFIGURATION_SPEC), []);
  });
  it('refuses a name that is not text and a flag that is not a boolean', () => {
    assert.deepEqual(problemsOf({ name: 1, virtual_hosts: [virtualHost], ignore_port_in_host_matching: 'yes' }, ROUTE_CONFIGURATION_SPEC), [
      { field: 'routes.name', message: 'expected a string, got number 1' },
      { field: 'routes.ignore_port_in_host_matching', message: 'expected true or false, got string "yes"' },
    ]);
  });
  it('needs its virtual hosts', () => {
    assert.deepEqual(problemsOf({ name: 'r' }, ROUTE_CONFIGURATION_SPEC), [{ field: 'routes.virtual_hosts', message: 'is required' }]);
  });
});
