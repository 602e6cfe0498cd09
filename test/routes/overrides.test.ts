// Table tests of the envoy-injector.io/routes language: valid overrides render
// documents that pass strict Envoy-proto validation; invalid ones are refused
// with the exact message a person sees.

import { FILE_DELIVERY } from '../../src/envoy/delivery.js';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_CONFIG, type InjectorConfig } from '../../src/config/config.js';
import { formatAnnotationProblem } from '../../src/model/annotations.js';
import { planRouteOverrides } from '../../src/routes/overrides.js';
import { resolveRouting } from '../../src/routes/routing.js';
import { renderEnvoyConfig } from '../../src/envoy/render.js';
import type { ServiceLookup } from '../../src/model/lookups.js';
import { DISCOVERY_RESPONSE_TYPE, envoyProtoProblems } from '../support/envoy-proto.js';

const KEY = 'envoy-injector.io/routes';

function parse(text: string, options: { config?: InjectorConfig; services?: ServiceLookup; namespaceText?: string } = {}) {
  return resolveRouting(
    {
      pod: { annotation: KEY, value: text, from: 'pod' },
      ...(options.namespaceText ? { namespace: { annotation: KEY, value: options.namespaceText, from: 'namespace' } } : {}),
    },
    { namespace: 'shop', config: options.config ?? DEFAULT_CONFIG, ...(options.services ? { services: options.services } : {}) },
    { annotated: undefined, excluded: [] },
  );
}

const vh = (routes: string, extra = ''): string => `virtual_hosts:\n- name: web\n  domains: ["example.com"]${extra}\n  routes:\n${routes}`;
const route = (body: string): string => vh(`  - ${body}\n`);

const VALID: Array<[string, string]> = [
  // Loaded by Envoy 1.36 (VirtualHostImpl and RouteEntryImplBase, source/common/router/config_impl.cc).
  ['an empty google_re2, deprecated and still loaded', route('match: { safe_regex: { google_re2: {}, regex: "^/v[0-9]+" } }\n    route: { cluster: "svc" }')],
  ['an empty prefix, matching every path', route('match: { prefix: "" }\n    route: { cluster: "svc" }')],
  [
    'virtual clusters, require_tls and weights under a runtime prefix',
    vh(
      '  - match: { prefix: "/" }\n    route: { weighted_clusters: { runtime_key_prefix: "routing.w", clusters: [{ name: a, weight: 1 }, { name: b, weight: 1 }] } }\n',
      '\n  require_tls: EXTERNAL_ONLY\n  virtual_clusters:\n  - name: orders\n    headers: [{ name: ":path", string_match: { prefix: "/orders" } }, { name: ":method", string_match: { exact: "POST" } }]',
    ),
  ],
  [
    'header mutations on a virtual host and a route, every append_action',
    vh(
      '  - match: { prefix: "/" }\n    route: { cluster: "svc" }\n    request_headers_to_add:\n    - { header: { key: x-a, value: "1" }, append_action: APPEND_IF_EXISTS_OR_ADD }\n    - { header: { key: x-b, value: "%REQ(end-user)%" }, append_action: ADD_IF_ABSENT, keep_empty_value: true }\n    - { header: { key: x-c, value: "100%%" }, append_action: OVERWRITE_IF_EXISTS_OR_ADD }\n    - { header: { key: x-d, value: "%HOSTNAME%" }, append_action: OVERWRITE_IF_EXISTS }\n    - { header: { key: x-e, value: "e" }, append: false }\n    request_headers_to_remove: [x-debug]\n    response_headers_to_add: [{ header: { key: x-served-by, value: "%PROTOCOL%" } }]\n    response_headers_to_remove: [server]\n',
      '\n  request_headers_to_add: [{ header: { key: x-mesh, value: envoy-injector } }]\n  response_headers_to_remove: [x-internal]',
    ),
  ],
  [
    'a path-separated prefix, a regex rewrite, and a redirect by regex',
    vh(
      '  - match: { path_separated_prefix: "/api" }\n    route: { cluster: "svc", regex_rewrite: { pattern: { regex: "^/api/(.*)$" }, substitution: "/v2/\\\\1" } }\n  - match: { prefix: "/old" }\n    redirect: { regex_rewrite: { pattern: { google_re2: {}, regex: "^/old" }, substitution: "/new" } }\n',
    ),
  ],
  [
    'a mirror to another Service, and session-affinity keys',
    route(
      'match: { prefix: "/" }\n    route: { cluster: "svc", request_mirror_policies: [{ cluster: "svc-v2", runtime_fraction: { default_value: { numerator: 10 } } }], hash_policy: [{ header: { header_name: x-user } }, { cookie: { name: session, ttl: 3600s } }, { connection_properties: { source_ip: true } }] }',
    ),
  ],
  [
    'fault injection: a delay and an abort, durations in either form',
    route(
      'match: { prefix: "/" }\n    route: { cluster: "svc" }\n    typed_per_filter_config:\n      envoy.filters.http.fault:\n        "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault\n        delay: { fixed_delay: { seconds: 2 }, percentage: { numerator: 10 } }\n        abort: { http_status: 503, percentage: { numerator: 5 } }',
    ),
  ],
  [
    'a share of the requests (runtime_fraction), with and without a runtime key',
    vh(
      '  - match: { prefix: "/", runtime_fraction: { runtime_key: "routing.canary", default_value: { numerator: 5, denominator: HUNDRED } } }\n    route: { cluster: "v2" }\n  - match: { prefix: "/", runtime_fraction: { default_value: { numerator: 25, denominator: MILLION } } }\n    route: { cluster: "v3" }\n  - match: { prefix: "/" }\n    route: { cluster: "v1" }\n',
    ),
  ],
  ['gRPC requests only', route('match: { prefix: "/pkg.Service/", grpc: {} }\n    route: { cluster: "svc" }')],
  [
    'durations in the message form, and total_weight equal to the sum',
    route(
      'match: { prefix: "/" }\n    route: { weighted_clusters: { clusters: [{ name: a, weight: 90 }, { name: b, weight: 10 }], total_weight: 100 }, timeout: { seconds: 30 }, retry_policy: { retry_on: 5xx, per_try_timeout: { seconds: 1, nanos: 500000000 } } }',
    ),
  ],
  [
    'domains Envoy compares whole: an IPv6 literal, an underscore, a trailing dot',
    'virtual_hosts:\n- name: odd\n  domains: ["[::1]", "[::1]:8080", "my_service", "example.com."]\n  routes:\n  - match: { prefix: "/" }\n    route: { cluster: "svc" }\n',
  ],
  [
    'the reference example',
    'virtual_hosts:\n- name: my_virtual_host\n  domains: ["example.com"]\n  routes:\n  - match: { prefix: "/api" }\n    route: { cluster: "my-backend-service:8080" }\n  - match: { prefix: "/" }\n    route: { cluster: "default-service" }\n',
  ],
  ['JSON instead of YAML', '{"virtual_hosts":[{"name":"j","domains":["j.example.com"],"routes":[{"match":{"path":"/x"},"route":{"cluster":"svc"}}]}]}'],
  ['exact path', route('match: { path: "/healthz" }\n    route: { cluster: "svc" }')],
  ['safe_regex', route('match: { safe_regex: { regex: "^/api/v[0-9]+/.*" } }\n    route: { cluster: "svc" }')],
  ['header exact', route('match: { prefix: "/", headers: [{ name: "x-canary", string_match: { exact: "true" } }] }\n    route: { cluster: "svc" }')],
  ['header prefix', route('match: { prefix: "/", headers: [{ name: "user-agent", string_match: { prefix: "Mozilla" } }] }\n    route: { cluster: "svc" }')],
  [
    'header regex',
    route('match: { prefix: "/", headers: [{ name: "x-user", string_match: { safe_regex: { regex: "^[a-f0-9]{8}$" } } }] }\n    route: { cluster: "svc" }'),
  ],
  [
    'header in an integer range (range_match), inverted too',
    route(
      'match: { prefix: "/", headers: [{ name: "x-build", range_match: { start: 100, end: 200 } }, { name: "x-tier", range_match: { start: -5, end: 0 }, invert_match: true }] }\n    route: { cluster: "svc" }',
    ),
  ],
  [
    'header present, inverted',
    route('match: { prefix: "/", headers: [{ name: "x-debug", present_match: true, invert_match: true }] }\n    route: { cluster: "svc" }'),
  ],
  ['query parameter', route('match: { prefix: "/", query_parameters: [{ name: "beta", string_match: { exact: "1" } }] }\n    route: { cluster: "svc" }')],
  [
    'canary 90/10',
    route('match: { prefix: "/" }\n    route: { weighted_clusters: { clusters: [{ name: "web-v1", weight: 90 }, { name: "web-v2", weight: 10 }] } }'),
  ],
  [
    'timeout and retries',
    route(
      'match: { prefix: "/" }\n    route: { cluster: "svc", timeout: "2.5s", retry_policy: { retry_on: "5xx,reset,connect-failure", num_retries: 3, per_try_timeout: "0.5s" } }',
    ),
  ],
  ['rewrites', route('match: { prefix: "/old" }\n    route: { cluster: "svc", prefix_rewrite: "/new", host_rewrite_literal: "svc.internal" }')],
  ['redirect', route('match: { prefix: "/" }\n    redirect: { https_redirect: true, response_code: PERMANENT_REDIRECT }')],
  ['direct response', route('match: { path: "/teapot" }\n    direct_response: { status: 418, body: { inline_string: "short and stout" } }')],
  ['another namespace with port', route('match: { prefix: "/" }\n    route: { cluster: "payments.billing:9000" }')],
  [
    'wildcard domains',
    'virtual_hosts:\n- name: w\n  domains: ["*.example.com", "api.*", "example.org:8080"]\n  routes:\n  - match: { prefix: "/" }\n    route: { cluster: "svc" }\n',
  ],
  [
    'a catch-all "*" host replaces the passthrough',
    'virtual_hosts:\n- name: all\n  domains: ["*"]\n  routes:\n  - match: { prefix: "/" }\n    route: { cluster: "egress-gateway" }\n',
  ],
  ['a service named like an internal cluster stays a service', route('match: { prefix: "/" }\n    route: { cluster: "passthrough" }')],
];

const INVALID: Array<[string, string, string]> = [
  // Refused by Envoy 1.36, with the reason it gives.
  [
    'ignore_case with safe_regex (StringMatcherImpl, source/common/common/matchers.h)',
    route(
      'match: { prefix: "/", headers: [{ name: "x-user", string_match: { safe_regex: { regex: "^a" }, ignore_case: true } }] }\n    route: { cluster: "svc" }',
    ),
    'annotation envoy-injector.io/routes at virtual_hosts[0].routes[0].match.headers[0].string_match: ignore_case has no effect on safe_regex, and Envoy refuses the pair: match both cases in the regex itself, e.g. "(?i)^/api"',
  ],
  [
    'weights adding up past a 32-bit count (source/common/router/config_impl.cc)',
    route('match: { prefix: "/" }\n    route: { weighted_clusters: { clusters: [{ name: a, weight: 4294967295 }, { name: b, weight: 1 }] } }'),
    "annotation envoy-injector.io/routes at virtual_hosts[0].routes[0].route.weighted_clusters: the weights add up to 4294967296, more than Envoy's limit of 4294967295",
  ],
  [
    'total_weight other than the sum of the weights (source/common/router/config_impl.cc)',
    route('match: { prefix: "/" }\n    route: { weighted_clusters: { clusters: [{ name: a, weight: 90 }, { name: b, weight: 5 }], total_weight: 100 } }'),
    'annotation envoy-injector.io/routes at virtual_hosts[0].routes[0].route.weighted_clusters: the weights add up to 95, not total_weight 100, and Envoy refuses that: leave total_weight out (the weights are relative)',
  ],
  [
    'a duration with an unknown field',
    route('match: { prefix: "/" }\n    route: { cluster: svc, timeout: { seconds: 30, minutes: 1 } }'),
    'annotation envoy-injector.io/routes at virtual_hosts[0].routes[0].route.timeout: a mapping is not a duration: write seconds with an "s", e.g. "5s" or "0.25s"',
  ],
  [
    'a domain twice in two cases (VirtualHostImpl, source/common/router/config_impl.cc)',
    'virtual_hosts:\n- name: a\n  domains: ["Example.com"]\n  routes:\n  - match: { prefix: "/" }\n    route: { cluster: "a" }\n- name: b\n  domains: ["example.COM"]\n  routes:\n  - match: { prefix: "/" }\n    route: { cluster: "b" }\n',
    'annotation envoy-injector.io/routes at virtual_hosts[1].domains[0]: "example.COM" is already a domain of virtual_hosts[0]: each domain may appear once across all virtual hosts',
  ],
  [
    'unknown field with suggestion',
    route('match: { prefx: "/" }\n    route: { cluster: "svc" }'),
    'annotation envoy-injector.io/routes at virtual_hosts[0].routes[0].match.prefx: unknown field (did you mean "prefix"?) (known here: prefix, path, safe_regex, path_separated_prefix, headers, query_parameters, case_sensitive, grpc, runtime_fraction)',
  ],
  [
    'match without a kind',
    route('match: { case_sensitive: true }\n    route: { cluster: "svc" }'),
    'annotation envoy-injector.io/routes at virtual_hosts[0].routes[0].match: needs one of prefix, path, safe_regex, path_separated_prefix',
  ],
  [
    'two match kinds',
    route('match: { prefix: "/", path: "/x" }\n    route: { cluster: "svc" }'),
    'annotation envoy-injector.io/routes at virtual_hosts[0].routes[0].match: sets prefix and path: choose exactly one of prefix, path, safe_regex, path_separated_prefix',
  ],
  [
    'wrong type',
    route('match: { prefix: 5 }\n    route: { cluster: "svc" }'),
    'annotation envoy-injector.io/routes at virtual_hosts[0].routes[0].match.prefix: expected a string, got number 5',
  ],
  [
    'bad duration',
    route('match: { prefix: "/" }\n    route: { cluster: "svc", timeout: "5 seconds" }'),
    'annotation envoy-injector.io/routes at virtual_hosts[0].routes[0].route.timeout: string "5 seconds" is not a duration: write seconds with an "s", e.g. "5s" or "0.25s"',
  ],
  [
    'milliseconds duration',
    route('match: { prefix: "/" }\n    route: { cluster: "svc", timeout: "250ms" }'),
    'annotation envoy-injector.io/routes at virtual_hosts[0].routes[0].route.timeout: string "250ms" is not a duration: write seconds with an "s", e.g. "5s" or "0.25s"',
  ],
  [
    'weights summing to 0',
    route('match: { prefix: "/" }\n    route: { weighted_clusters: { clusters: [{ name: "a", weight: 0 }, { name: "b", weight: 0 }] } }'),
    'annotation envoy-injector.io/routes at virtual_hosts[0].routes[0].route.weighted_clusters: the weights add up to 0: give at least one cluster a positive weight, e.g. 90 and 10',
  ],
  [
    'empty domains',
    'virtual_hosts:\n- name: e\n  domains: []\n  routes:\n  - match: { prefix: "/" }\n    route: { cluster: "svc" }\n',
    'annotation envoy-injector.io/routes at virtual_hosts[0].domains: must have at least 1 entry',
  ],
  [
    'duplicate domains across virtual hosts',
    'virtual_hosts:\n- name: a\n  domains: ["x.com"]\n  routes:\n  - match: { prefix: "/" }\n    route: { cluster: "svc" }\n- name: b\n  domains: ["X.com"]\n  routes:\n  - match: { prefix: "/" }\n    route: { cluster: "svc" }\n',
    'annotation envoy-injector.io/routes at virtual_hosts[1].domains[0]: "X.com" is already a domain of virtual_hosts[0]: each domain may appear once across all virtual hosts',
  ],
  [
    'duplicate virtual host names',
    'virtual_hosts:\n- name: a\n  domains: ["x.com"]\n  routes:\n  - match: { prefix: "/" }\n    route: { cluster: "svc" }\n- name: a\n  domains: ["y.com"]\n  routes:\n  - match: { prefix: "/" }\n    route: { cluster: "svc" }\n',
    'annotation envoy-injector.io/routes at virtual_hosts[1].name: "a" is already the name of virtual_hosts[0]: names must be unique',
  ],
  [
    'reserved virtual host name',
    'virtual_hosts:\n- name: passthrough\n  domains: ["x.com"]\n  routes:\n  - match: { prefix: "/" }\n    route: { cluster: "svc" }\n',
    'annotation envoy-injector.io/routes at virtual_hosts[0].name: "passthrough" is reserved for the injector\'s default virtual host: choose another name',
  ],
  [
    'a route with no action',
    route('match: { prefix: "/" }'),
    'annotation envoy-injector.io/routes at virtual_hosts[0].routes[0]: needs one of route, redirect, direct_response',
  ],
  [
    'regex with lookahead',
    route('match: { safe_regex: { regex: "^/(?!admin)" } }\n    route: { cluster: "svc" }'),
    'annotation envoy-injector.io/routes at virtual_hosts[0].routes[0].match.safe_regex.regex: "^/(?!admin)" is not an RE2 regex (invalid perl operator: (?!); RE2 has no lookaround or backreferences',
  ],
  [
    'regex too complex for Envoy',
    route('match: { safe_regex: { regex: "^/[a-z0-9-]{1,64}$" } }\n    route: { cluster: "svc" }'),
    'annotation envoy-injector.io/routes at virtual_hosts[0].routes[0].match.safe_regex.regex: regex "^/[a-z0-9-]{1,64}$" is too complex for Envoy: RE2 program size of 259 > max program size of 100 (re2.max_program_size.error_level); simplify it, e.g. avoid large counted repetitions like {1,64}',
  ],
  [
    'service name not a DNS label',
    route('match: { prefix: "/" }\n    route: { cluster: "My_Service" }'),
    'annotation envoy-injector.io/routes at virtual_hosts[0].routes[0].route.cluster: "My_Service" is not a valid service name (lowercase letters, digits and "-", starting with a letter, at most 63 characters); write svc, svc:port, svc.ns or svc.ns:port',
  ],
  [
    'raw IP target',
    route('match: { prefix: "/" }\n    route: { cluster: "10.0.0.7:80" }'),
    'annotation envoy-injector.io/routes at virtual_hosts[0].routes[0].route.cluster: "10.0.0.7:80" is not a Kubernetes service (svc, svc:port, svc.ns or svc.ns:port): raw IPs and hosts outside the cluster are refused unless the injector config sets routes.allowExternalHosts',
  ],
  [
    'host outside the cluster',
    route('match: { prefix: "/" }\n    route: { cluster: "api.example.com:443" }'),
    'annotation envoy-injector.io/routes at virtual_hosts[0].routes[0].route.cluster: "api.example.com:443" is not a Kubernetes service (svc, svc:port, svc.ns or svc.ns:port): raw IPs and hosts outside the cluster are refused unless the injector config sets routes.allowExternalHosts',
  ],
  [
    'named port',
    route('match: { prefix: "/" }\n    route: { cluster: "svc:http" }'),
    'annotation envoy-injector.io/routes at virtual_hosts[0].routes[0].route.cluster: "http" in "svc:http" is not a port number (1-65535); named ports are not supported',
  ],
  [
    'cluster_header',
    route('match: { prefix: "/" }\n    route: { cluster_header: "x-target" }'),
    'annotation envoy-injector.io/routes at virtual_hosts[0].routes[0].route.cluster_header: cluster_header is not allowed: a pod may only route to services it names',
  ],
  [
    'deprecated header matcher',
    route('match: { prefix: "/", headers: [{ name: "x", exact_match: "1" }] }\n    route: { cluster: "svc" }'),
    'annotation envoy-injector.io/routes at virtual_hosts[0].routes[0].match.headers[0].exact_match: exact_match is deprecated in Envoy v3: write string_match: { exact: ... }',
  ],
  [
    'unknown retry condition',
    route('match: { prefix: "/" }\n    route: { cluster: "svc", retry_policy: { retry_on: "5xx,sometimes" } }'),
    'annotation envoy-injector.io/routes at virtual_hosts[0].routes[0].route.retry_policy.retry_on: unknown retry condition "sometimes" (known: 5xx, gateway-error, reset, reset-before-request, connect-failure, envoy-ratelimited, retriable-4xx, refused-stream, retriable-status-codes, retriable-headers, http3-post-connect-failure, cancelled, deadline-exceeded, internal, resource-exhausted, unavailable)',
  ],
  [
    'bad redirect code',
    route('match: { prefix: "/" }\n    redirect: { response_code: MOVED }'),
    'annotation envoy-injector.io/routes at virtual_hosts[0].routes[0].redirect.response_code: string "MOVED" is not one of MOVED_PERMANENTLY, FOUND, SEE_OTHER, TEMPORARY_REDIRECT, PERMANENT_REDIRECT',
  ],
  [
    'direct response status',
    route('match: { prefix: "/" }\n    direct_response: { status: 99 }'),
    'annotation envoy-injector.io/routes at virtual_hosts[0].routes[0].direct_response.status: 99 is out of range (200 to 599)',
  ],
  [
    'bad domain',
    'virtual_hosts:\n- name: d\n  domains: ["ex ample.com"]\n  routes:\n  - match: { prefix: "/" }\n    route: { cluster: "svc" }\n',
    'annotation envoy-injector.io/routes at virtual_hosts[0].domains[0]: "ex ample.com" is not a domain a request\'s Host can match: a host name (example.com), with an optional :port, or a wildcard at one end (*.example.com, example.*, "*"), without spaces or control characters',
  ],
  [
    'path without slash',
    route('match: { path: "api" }\n    route: { cluster: "svc" }'),
    'annotation envoy-injector.io/routes at virtual_hosts[0].routes[0].match.path: "api" must start with "/"',
  ],
  [
    'not YAML',
    'virtual_hosts: [',
    'annotation envoy-injector.io/routes: is neither valid YAML nor JSON: Flow sequence in block collection must be sufficiently indented and end with a ] at line 1, column 17:',
  ],
  ['missing virtual_hosts', 'routes: []', 'annotation envoy-injector.io/routes at routes: unknown field (known here: virtual_hosts, clusters)'],
  ['neither virtual_hosts nor clusters', '{}', 'annotation envoy-injector.io/routes: needs virtual_hosts, clusters or both'],
  [
    'too large',
    `# ${'x'.repeat(33 * 1024)}\n${route('match: { prefix: "/" }\n    route: { cluster: "svc" }')}`,
    'annotation envoy-injector.io/routes: is 33916 bytes, above the limit of 32768: split the routes between the namespace default and the pod, or simplify them',
  ],
];

describe('route overrides: durations', () => {
  it('are written in the string form whatever form they were given in', () => {
    const result = parse(
      route(
        'match: { prefix: "/" }\n    route: { cluster: svc, timeout: { seconds: 30 }, retry_policy: { retry_on: 5xx, per_try_timeout: { seconds: 1, nanos: 500000000 } } }',
      ),
    );
    assert.ok(result.ok);
    const rendered = renderEnvoyConfig(
      { serviceCluster: 'w.shop', namespace: 'shop', httpPorts: [80], ipFamilies: ['IPv4'], accessLog: 'off', delivery: FILE_DELIVERY },
      result.value.overrides,
    );
    assert.match(rendered.rds, /"timeout":"30s"/);
    assert.match(rendered.rds, /"per_try_timeout":"1\.5s"/);
  });
});

describe('route overrides: valid', () => {
  for (const [name, text] of VALID) {
    it(name, () => {
      const result = parse(text);
      assert.ok(result.ok, result.ok ? '' : result.problems.map(formatAnnotationProblem).join('\n'));
      const rendered = renderEnvoyConfig(
        { serviceCluster: 'w.shop', namespace: 'shop', httpPorts: [80], ipFamilies: ['IPv4'], accessLog: 'off', delivery: FILE_DELIVERY },
        result.value.overrides,
      );
      assert.deepEqual(envoyProtoProblems(DISCOVERY_RESPONSE_TYPE, JSON.parse(rendered.rds)), []);
      assert.deepEqual(envoyProtoProblems(DISCOVERY_RESPONSE_TYPE, JSON.parse(rendered.cds)), []);
      // Deprecated or message-form fields Envoy loads are written as Envoy's current form.
      assert.doesNotMatch(rendered.rds, /total_weight|google_re2|"seconds"|"append":/);
      const rds = JSON.parse(rendered.rds) as { resources: Array<{ name: string; virtual_hosts: Array<{ domains: string[] }> }> };
      assert.equal(rds.resources.length, 1);
      assert.equal(rds.resources[0]?.name, 'outbound');
      assert.equal(rds.resources[0]?.virtual_hosts.filter((v) => v.domains.includes('*')).length, 1, 'exactly one catch-all host');
    });
  }

  it('renders services as STRICT_DNS clusters in the cluster domain', () => {
    const result = parse(route('match: { prefix: "/" }\n    route: { cluster: "payments.billing:9000" }'));
    assert.ok(result.ok);
    assert.deepEqual(
      result.value.overrides.clusters.map((c) => [c.name, c.type, JSON.stringify(c.load_assignment)]),
      [
        [
          'payments.billing:9000',
          'STRICT_DNS',
          '{"cluster_name":"payments.billing:9000","endpoints":[{"lb_endpoints":[{"endpoint":{"address":{"socket_address":{"address":"payments.billing.svc.cluster.local","port_value":9000}}}}]}]}',
        ],
      ],
    );
  });

  it('external hosts only when the config allows them', () => {
    const config = { ...DEFAULT_CONFIG, routes: { allowExternalHosts: true } };
    const result = parse(route('match: { prefix: "/" }\n    route: { cluster: "api.example.com:443" }'), { config });
    assert.ok(result.ok);
    assert.equal(result.value.overrides.clusters[0]?.name, 'external:api.example.com:443');
  });

  it('merges the namespace default: pod hosts first, colliding namespace hosts dropped', () => {
    const pod = 'virtual_hosts:\n- name: a\n  domains: ["a.com"]\n  routes:\n  - match: { prefix: "/" }\n    route: { cluster: "pod-a" }\n';
    const namespace =
      'virtual_hosts:\n- name: a\n  domains: ["other.com"]\n  routes:\n  - match: { prefix: "/" }\n    route: { cluster: "ns-a" }\n- name: b\n  domains: ["a.com"]\n  routes:\n  - match: { prefix: "/" }\n    route: { cluster: "ns-b" }\n- name: c\n  domains: ["c.com"]\n  routes:\n  - match: { prefix: "/" }\n    route: { cluster: "ns-c" }\n';
    const result = parse(pod, { namespaceText: namespace });
    assert.ok(result.ok);
    assert.deepEqual(
      result.value.overrides.virtualHosts.map((v) => v.name),
      ['a', 'c'],
    );
  });

  it('warns, without refusing, about services or ports the cluster does not have', () => {
    const services: ServiceLookup = { service: (ns, name) => (ns === 'shop' && name === 'known' ? { ports: [{ port: 8080 }] } : undefined) };
    const result = parse(
      vh(
        '  - match: { prefix: "/a" }\n    route: { cluster: "missing" }\n  - match: { prefix: "/b" }\n    route: { cluster: "known:9090" }\n  - match: { prefix: "/" }\n    route: { cluster: "known" }\n',
      ),
      { services },
    );
    assert.ok(result.ok);
    assert.deepEqual(result.value.warnings, [
      'envoy-injector.io/routes at virtual_hosts[0].routes[0].route.cluster: service shop/missing does not exist (yet): requests routed to it fail with 503 until it does',
      'envoy-injector.io/routes at virtual_hosts[0].routes[1].route.cluster: service shop/known has no port 9090 (its ports: 8080)',
    ]);
    assert.ok(
      result.value.overrides.clusters.some((c) => c.name === 'known.shop:8080'),
      'the only port of a known service is used',
    );
  });
});

describe('route overrides: invalid, with the exact message', () => {
  for (const [name, text, message] of INVALID) {
    it(name, () => {
      const result = parse(text);
      assert.equal(result.ok, false);
      assert.equal(result.ok ? '' : result.problems.map(formatAnnotationProblem).join('\n'), message);
    });
  }
});

describe('the route plan', () => {
  const pod =
    'virtual_hosts:\n- name: a\n  domains: ["A.com"]\n  routes:\n  - match: { prefix: "/" }\n    route: { weighted_clusters: { clusters: [{ name: x, weight: 1 }, { name: "y.other:81", weight: 1 }] } }\n';
  const namespace =
    'virtual_hosts:\n- name: b\n  domains: ["a.COM"]\n  routes:\n  - match: { prefix: "/" }\n    route: { cluster: "ns-b" }\n- name: c\n  domains: ["c.com"]\n  routes:\n  - match: { prefix: "/" }\n    route: { cluster: "ns-c" }\n';

  it('says where each virtual host came from, and lists every target in order', () => {
    const plan = planRouteOverrides(
      { pod: { annotation: KEY, value: pod, from: 'pod' }, namespace: { annotation: KEY, value: namespace, from: 'namespace' } },
      { namespace: 'shop', config: DEFAULT_CONFIG },
    );
    assert.ok(plan.ok);
    assert.deepEqual(
      plan.value.hosts.map((h) => [h.name, h.origin]),
      [
        ['a', 'envoy-injector.io/routes virtual_hosts[0]'],
        // The namespace's b claims a.com in another case: the pod's own wins.
        ['c', 'namespace annotation envoy-injector.io/routes virtual_hosts[1]'],
      ],
    );
    assert.deepEqual(plan.value.targets, [
      { kind: 'service', name: 'x', namespace: 'shop', port: 80, portGiven: false },
      { kind: 'service', name: 'y', namespace: 'other', port: 81, portGiven: true },
      { kind: 'service', name: 'ns-c', namespace: 'shop', port: 80, portGiven: false },
    ]);
    assert.deepEqual(plan.value.warnings, []);
  });

  it('refuses with every problem of both annotations, each naming its owner', () => {
    const plan = planRouteOverrides(
      { pod: { annotation: KEY, value: 'virtual_hosts: 1', from: 'pod' }, namespace: { annotation: KEY, value: 'nope: 1', from: 'namespace' } },
      { namespace: 'shop', config: DEFAULT_CONFIG },
    );
    assert.equal(plan.ok, false);
    assert.deepEqual(plan.ok ? [] : plan.problems.map((p) => [p.from, p.field]), [
      ['pod', 'virtual_hosts'],
      ['namespace', 'nope'],
    ]);
  });

  it('refuses a target that cannot be resolved, at its field', () => {
    const plan = planRouteOverrides(
      { pod: { annotation: KEY, value: pod.replace('name: x,', 'name: "Not_A_Service",'), from: 'pod' } },
      { namespace: 'shop', config: DEFAULT_CONFIG },
    );
    assert.equal(plan.ok, false);
    assert.deepEqual(plan.ok ? [] : plan.problems.map((p) => p.field), ['virtual_hosts[0].routes[0].route.weighted_clusters.clusters[0].name']);
  });
});

describe('request mirrors', () => {
  it('resolve their Services to clusters, and render them', () => {
    const result = parse(route('match: { prefix: "/" }\n    route: { cluster: "svc", request_mirror_policies: [{ cluster: "svc-v2.other:8080" }] }'));
    assert.ok(result.ok);
    const rendered = JSON.stringify(result.value.overrides.virtualHosts);
    assert.match(rendered, /"request_mirror_policies":\[\{"cluster":"svc-v2\.other:8080"\}\]/);
    assert.ok(
      result.value.overrides.clusters.some((c) => c.name === 'svc-v2.other:8080'),
      'the mirror gets its cluster',
    );
  });

  it('refuse a target the route could not name', () => {
    const result = parse(route('match: { prefix: "/" }\n    route: { cluster: "svc", request_mirror_policies: [{ cluster: "Not_A_Service" }] }'));
    assert.equal(result.ok, false);
    assert.match(
      result.ok ? '' : formatAnnotationProblem(result.problems[0] ?? { annotation: '', from: 'pod', message: '' }),
      /routes\[0\]\.route\.request_mirror_policies\[0\]\.cluster/,
    );
  });
});

describe('fault injection', () => {
  const faulty = route(
    'match: { prefix: "/" }\n    route: { cluster: "svc" }\n    typed_per_filter_config:\n      envoy.filters.http.fault:\n        "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault\n        abort: { http_status: 503, percentage: { numerator: 5 } }',
  );
  const filtersOf = (text: string): string[] => {
    const result = parse(text);
    assert.ok(result.ok);
    const rendered = renderEnvoyConfig(
      { serviceCluster: 'w.shop', namespace: 'shop', httpPorts: [80], ipFamilies: ['IPv4'], accessLog: 'off', delivery: FILE_DELIVERY },
      result.value.overrides,
    );
    assert.deepEqual(envoyProtoProblems(DISCOVERY_RESPONSE_TYPE, JSON.parse(rendered.lds)), []);
    const chains =
      (
        JSON.parse(rendered.lds) as {
          resources: Array<{ filter_chains: Array<{ name: string; filters: Array<{ typed_config: { http_filters?: Array<{ name: string }> } }> }> }>;
        }
      ).resources[0]?.filter_chains ?? [];
    return (chains.find((c) => c.name === 'outbound_http_80')?.filters[0]?.typed_config.http_filters ?? []).map((f) => f.name);
  };
  it('puts the fault filter before the router only when a route injects faults', () => {
    assert.deepEqual(filtersOf(faulty), ['envoy.filters.http.fault', 'envoy.filters.http.router']);
    assert.deepEqual(filtersOf(route('match: { prefix: "/" }\n    route: { cluster: "svc" }')), ['envoy.filters.http.router']);
  });
});

describe('the rendered form of what the user wrote', () => {
  const plan = (text: string, namespaceText?: string) => {
    const result = planRouteOverrides(
      {
        pod: { annotation: KEY, value: text, from: 'pod' },
        ...(namespaceText ? { namespace: { annotation: KEY, value: namespaceText, from: 'namespace' as const } } : {}),
      },
      { namespace: 'shop', config: DEFAULT_CONFIG },
    );
    assert.ok(result.ok, result.ok ? '' : JSON.stringify(result.problems));
    return result.value;
  };

  it('a namespace host is dropped when any one of its domains is the pod’s', () => {
    const pod = 'virtual_hosts:\n- name: a\n  domains: ["a.com"]\n  routes:\n  - match: { prefix: "/" }\n    route: { cluster: "pod-a" }\n';
    const namespace = 'virtual_hosts:\n- name: b\n  domains: ["b.com", "A.com"]\n  routes:\n  - match: { prefix: "/" }\n    route: { cluster: "ns-b" }\n';
    assert.deepEqual(
      plan(pod, namespace).hosts.map((h) => h.name),
      ['a'],
    );
  });

  it('host settings hold exactly what was written, deprecated append as append_action', () => {
    const text =
      'virtual_hosts:\n- name: a\n  domains: ["a.com"]\n  require_tls: ALL\n' +
      '  request_headers_to_add: [{ header: { key: x-a, value: "1" }, append: true }, { header: { key: x-b, value: "2" } }]\n' +
      '  response_headers_to_add: [{ header: { key: x-c, value: "3" }, append: false }]\n' +
      '  routes:\n  - match: { prefix: "/" }\n    route: { cluster: "svc" }\n';
    assert.deepEqual(plan(text).hosts[0]?.settings, {
      require_tls: 'ALL',
      request_headers_to_add: [{ header: { key: 'x-a', value: '1' }, append_action: 'APPEND_IF_EXISTS_OR_ADD' }, { header: { key: 'x-b', value: '2' } }],
      response_headers_to_add: [{ header: { key: 'x-c', value: '3' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }],
    });
    assert.deepEqual(plan(route('match: { prefix: "/" }\n    route: { cluster: "svc" }')).hosts[0]?.settings, {});
  });

  it('a route: its durations as strings, only the fields written, google_re2 left out wherever it stands', () => {
    const text = route(
      'match: { safe_regex: { regex: "^/a", google_re2: {} }, headers: [{ name: x, string_match: { safe_regex: { regex: "b", google_re2: {} } } }] }\n' +
        '    route:\n      weighted_clusters: { runtime_key_prefix: canary, clusters: [{ name: x, weight: 1 }, { name: y, weight: 3 }] }\n' +
        '      retry_policy: { retry_on: 5xx }\n' +
        '      request_mirror_policies: [{ cluster: "m.other:81", runtime_fraction: { default_value: { numerator: 5 } } }]\n' +
        '    response_headers_to_add: [{ header: { key: x-r, value: "1" }, append: true }]\n' +
        '    typed_per_filter_config:\n      envoy.filters.http.fault:\n        "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault\n' +
        '        delay: { fixed_delay: { seconds: 1, nanos: 500000000 }, percentage: { numerator: 10 } }',
    );
    assert.deepEqual(plan(text).hosts[0]?.routes, [
      {
        match: { safe_regex: { regex: '^/a' }, headers: [{ name: 'x', string_match: { safe_regex: { regex: 'b' } } }] },
        route: {
          weighted_clusters: {
            runtime_key_prefix: 'canary',
            clusters: [
              { name: 'x.shop:80', weight: 1 },
              { name: 'y.shop:80', weight: 3 },
            ],
          },
          retry_policy: { retry_on: '5xx' },
          request_mirror_policies: [{ cluster: 'm.other:81', runtime_fraction: { default_value: { numerator: 5 } } }],
        },
        response_headers_to_add: [{ header: { key: 'x-r', value: '1' }, append_action: 'APPEND_IF_EXISTS_OR_ADD' }],
        typed_per_filter_config: {
          'envoy.filters.http.fault': {
            '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault',
            delay: { fixed_delay: '1.5s', percentage: { numerator: 10 } },
          },
        },
      },
    ]);
  });

  it('a fault without a delay, and weights without a runtime key, stay as written', () => {
    const text = route(
      'match: { prefix: "/" }\n    route: { weighted_clusters: { clusters: [{ name: x, weight: 1 }] } }\n' +
        '    typed_per_filter_config:\n      envoy.filters.http.fault:\n        "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault\n' +
        '        abort: { http_status: 503, percentage: { numerator: 5 } }',
    );
    const [only] = plan(text).hosts[0]?.routes ?? [];
    assert.deepEqual(only?.route, { weighted_clusters: { clusters: [{ name: 'x.shop:80', weight: 1 }] } });
    assert.deepEqual(only?.typed_per_filter_config, {
      'envoy.filters.http.fault': {
        '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault',
        abort: { http_status: 503, percentage: { numerator: 5 } },
      },
    });
  });
});
