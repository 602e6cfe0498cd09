// Envoy's router_check_tool test format, run against our router: each test is
// a request and the values Envoy would produce for it (cluster, virtual host,
// rewrites, redirect). An empty expected string means "no value", as in
// router_check: cluster_name "" expects no route.

import type { FieldProblem } from './schema.js';
import { canonicalDuration, check, type ObjectSpec } from './schema.js';
import { int64Range, regexSpec, stringMatcher } from './language.js';
import { ProblemList, type Result } from '../model/result.js';
import { downstreamResponseHeaders, headerValue, upstreamRequestHeaders, type HeaderList } from './header-mutations.js';
import { whyHeaderFails, type HeaderMatch, type RouteDecision, type RouteRequest, type RouteTable } from './router.js';

/** What a request meets: an HTTP chain and its route decision, or a TCP
 * chain (the pod's passthrough, or the loop guard) that never reads HTTP. */
export type Routed = { kind: 'http'; decision: RouteDecision; table: RouteTable } | { kind: 'tcp'; cluster: string };

export type RouteFunction = (request: RouteRequest) => Routed;

export interface RouterTest {
  test_name: string;
  input: {
    authority: string;
    path: string;
    method?: string;
    random_value?: number;
    ssl?: boolean;
    internal?: boolean;
    /** The runtime key the test enables (router_check's runtime mock). */
    runtime?: string;
    additional_request_headers?: Array<{ key: string; value: string }>;
    additional_headers?: Array<{ key?: string; field?: string; value: string }>;
    /** What the upstream answered, before the response header mutations. */
    additional_response_headers?: Array<{ key: string; value: string }>;
  };
  validate: Partial<Record<StringCheck, string>> & {
    code_redirect?: number;
    timeout?: string | { seconds?: number; nanos?: number };
    request_header_matches?: TestHeaderMatch[];
    response_header_matches?: TestHeaderMatch[];
  };
}

const STRING_CHECKS = ['cluster_name', 'virtual_cluster_name', 'virtual_host_name', 'path_rewrite', 'host_rewrite', 'path_redirect'] as const;
type StringCheck = (typeof STRING_CHECKS)[number];

export interface TestFailure {
  test_type: string;
  expected: string;
  actual: string;
}

export interface TestResult {
  test_name: string;
  passed: boolean;
  failures: TestFailure[];
}

/** A HeaderMatcher in a test file: router_check's schema still reads the
 * forms Envoy v3 deprecated in configurations (exact_match, ...). */
type TestHeaderMatch = HeaderMatch & {
  exact_match?: string;
  prefix_match?: string;
  suffix_match?: string;
  contains_match?: string;
  safe_regex_match?: { regex: string };
};

const testHeaderMatcher: ObjectSpec = {
  kind: 'object',
  fields: {
    name: { kind: 'string', nonEmpty: true },
    string_match: stringMatcher,
    present_match: { kind: 'boolean' },
    range_match: int64Range,
    invert_match: { kind: 'boolean' },
    exact_match: { kind: 'string' },
    prefix_match: { kind: 'string' },
    suffix_match: { kind: 'string' },
    contains_match: { kind: 'string' },
    safe_regex_match: regexSpec,
  },
  required: ['name'],
  atMostOne: [['string_match', 'present_match', 'range_match', 'exact_match', 'prefix_match', 'suffix_match', 'contains_match', 'safe_regex_match']],
};

/** The deprecated forms as the string_match they stand for. */
function modernMatcher(matcher: TestHeaderMatch): HeaderMatch {
  const { exact_match, prefix_match, suffix_match, contains_match, safe_regex_match, ...rest } = matcher;
  const legacy =
    exact_match !== undefined
      ? { exact: exact_match }
      : prefix_match !== undefined
        ? { prefix: prefix_match }
        : suffix_match !== undefined
          ? { suffix: suffix_match }
          : contains_match !== undefined
            ? { contains: contains_match }
            : safe_regex_match !== undefined
              ? { safe_regex: safe_regex_match }
              : undefined;
  return legacy === undefined ? rest : { ...rest, string_match: legacy };
}

/** Header matches in a test file, each its own check. */
const MAX_TEST_HEADER_MATCHES = 64;

const header = (keyField: string): ObjectSpec => ({
  kind: 'object',
  fields: { [keyField]: { kind: 'string', nonEmpty: true }, value: { kind: 'string' } },
  required: [keyField, 'value'],
});

const TESTS_SPEC: ObjectSpec = {
  kind: 'object',
  fields: {
    tests: {
      kind: 'list',
      minItems: 1,
      items: {
        kind: 'object',
        fields: {
          test_name: { kind: 'string' },
          input: {
            kind: 'object',
            fields: {
              authority: { kind: 'string' },
              path: { kind: 'string' },
              method: { kind: 'string', nonEmpty: true },
              random_value: { kind: 'integer', min: 0, max: Number.MAX_SAFE_INTEGER },
              ssl: { kind: 'boolean' },
              internal: { kind: 'boolean' },
              runtime: { kind: 'string' },
              additional_request_headers: { kind: 'list', items: header('key') },
              additional_response_headers: { kind: 'list', items: header('key') },
              // The old name: entries keyed "field" (v2) or "key".
              additional_headers: {
                kind: 'list',
                items: { kind: 'object', fields: { key: { kind: 'string' }, field: { kind: 'string' }, value: { kind: 'string' } }, required: ['value'] },
              },
            },
            required: ['authority', 'path'],
          },
          validate: {
            kind: 'object',
            fields: {
              ...Object.fromEntries(STRING_CHECKS.map((name) => [name, { kind: 'string' }])),
              code_redirect: { kind: 'integer', min: 0, max: 599 },
              timeout: { kind: 'duration' },
              request_header_matches: { kind: 'list', items: testHeaderMatcher, maxItems: MAX_TEST_HEADER_MATCHES },
              response_header_matches: { kind: 'list', items: testHeaderMatcher, maxItems: MAX_TEST_HEADER_MATCHES },
            },
          },
        },
        required: ['test_name', 'input', 'validate'],
      },
    },
  },
  required: ['tests'],
};

/** The tests of a router_check file, checked strictly: a field route-check
 * does not evaluate is an error that names it, never a silent pass. */
export function parseRouterTests(document: unknown): Result<RouterTest[], FieldProblem> {
  const problems = new ProblemList<FieldProblem>();
  check(document, TESTS_SPEC, '', problems);
  return problems.result(problems.isEmpty() ? (document as { tests: RouterTest[] }).tests : []);
}

/** router_check's downstream connection for every test: a remote address of
 * 127.0.0.1, port 0 (Network::Utility::getCanonicalIpv4LoopbackAddress), and
 * no local address (test/tools/router_check/router.cc, compareEntries). */
const ROUTER_CHECK_CONNECTION = { remoteAddress: '127.0.0.1', remotePort: 0 };

export function requestOf(input: RouterTest['input']): RouteRequest {
  const headers = [
    ...(input.internal === true ? [['x-envoy-internal', 'true'] as const] : []),
    ...(input.additional_request_headers ?? []).map(({ key, value }) => [key, value] as const),
    ...(input.additional_headers ?? []).map(({ key, field, value }) => [key ?? field ?? '', value] as const),
  ];
  return {
    authority: input.authority,
    path: input.path,
    method: input.method ?? 'GET',
    scheme: input.ssl === true ? 'https' : 'http',
    headers,
    randomValue: input.random_value ?? 0,
    routerCheckRuntime: input.runtime ?? '',
    connection: ROUTER_CHECK_CONNECTION,
  };
}

/** The values router_check compares, from what the request met. */
export function actualValues(routed: Routed): Record<StringCheck | 'timeout', string> & { code_redirect: number } {
  const none = {
    cluster_name: '',
    virtual_cluster_name: '',
    virtual_host_name: '',
    path_rewrite: '',
    host_rewrite: '',
    path_redirect: '',
    timeout: '',
    code_redirect: 0,
  };
  if (routed.kind === 'tcp') return { ...none, cluster_name: routed.cluster };
  const { decision } = routed;
  // require_tls answers with Envoy's SslRedirectRoute: a redirect, no route entry.
  if (decision.tlsRedirect !== undefined) return { ...none, path_redirect: decision.tlsRedirect, code_redirect: 301 };
  const action = decision.route?.action;
  if (!action) return none;
  if (action.kind === 'route') {
    return {
      ...none,
      cluster_name: action.cluster,
      virtual_host_name: decision.host?.name ?? '',
      path_rewrite: action.path,
      host_rewrite: action.authority,
      timeout: action.timeout,
      virtual_cluster_name: action.virtualCluster,
    };
  }
  return { ...none, path_redirect: action.uri, code_redirect: action.code };
}

/** Each matcher against the headers (undefined: there was no route), as a failure when it does not hold. */
function headerMatchFailures(testType: string, matchers: readonly TestHeaderMatch[], headers: HeaderList | undefined): TestFailure[] {
  return matchers.flatMap((matcher): TestFailure[] => {
    const expected = JSON.stringify(matcher);
    if (headers === undefined) return [{ test_type: testType, expected, actual: 'no route' }];
    const why = whyHeaderFails(modernMatcher(matcher), headerValue(headers, matcher.name));
    return why === undefined ? [] : [{ test_type: testType, expected, actual: why }];
  });
}

export function runRouterTest(test: RouterTest, route: RouteFunction): TestResult {
  return evaluateRouterTest(test, route).result;
}

/** What router_check counts towards coverage: a route (each weighted
 * cluster of it apart) and a check that passed on it (test/tools/router_check/coverage.cc). */
export interface CoverageMark {
  route: string;
  field: StringCheck;
}

/** The fields --covall counts, for a route to clusters and for a redirect or direct response. */
const ROUTE_COVERAGE_FIELDS: readonly StringCheck[] = ['cluster_name', 'virtual_cluster_name', 'virtual_host_name', 'path_rewrite', 'host_rewrite'];
const DIRECT_COVERAGE_FIELDS: readonly StringCheck[] = ['path_redirect'];

function coverageKey(routed: Routed): { key: string; fields: readonly StringCheck[] } | undefined {
  if (routed.kind !== 'http' || !routed.decision.route || !routed.decision.host) return undefined;
  const { action, index } = routed.decision.route;
  const base = `${routed.decision.host.index}/${index}`;
  if (action.kind !== 'route') return { key: base, fields: DIRECT_COVERAGE_FIELDS };
  return { key: action.weights ? `${base}/${action.cluster}` : base, fields: ROUTE_COVERAGE_FIELDS };
}

export function evaluateRouterTest(test: RouterTest, route: RouteFunction): { result: TestResult; marks: CoverageMark[] } {
  const request = requestOf(test.input);
  const routed = route(request);
  const actual = actualValues(routed);
  const failures: TestFailure[] = [];
  for (const name of STRING_CHECKS) {
    const expected = test.validate[name];
    if (expected !== undefined && expected !== actual[name]) failures.push({ test_type: name, expected, actual: actual[name] });
  }
  // Compared as durations: "120s" and "120.000s" are one timeout.
  const timeout = test.validate.timeout;
  if (timeout !== undefined && canonicalDuration(timeout) !== actual.timeout)
    failures.push({ test_type: 'timeout', expected: canonicalDuration(timeout), actual: actual.timeout });
  const code = test.validate.code_redirect;
  if (code !== undefined && code !== actual.code_redirect)
    failures.push({ test_type: 'code_redirect', expected: String(code), actual: String(actual.code_redirect) });
  // Checked after the rest, on the headers as the route left them (rewrites included).
  const http = routed.kind === 'http' ? routed : undefined;
  const requestMatches = test.validate.request_header_matches ?? [];
  if (requestMatches.length > 0) {
    const headers = http && upstreamRequestHeaders(http.table, http.decision, request);
    failures.push(...headerMatchFailures('request_header_matches', requestMatches, headers));
  }
  const responseMatches = test.validate.response_header_matches ?? [];
  if (responseMatches.length > 0) {
    const received = (test.input.additional_response_headers ?? []).map(({ key, value }): [string, string] => [key, value]);
    const headers = http && downstreamResponseHeaders(http.table, http.decision, request, received);
    failures.push(...headerMatchFailures('response_header_matches', responseMatches, headers));
  }
  const covered = coverageKey(routed);
  const marks = covered
    ? covered.fields
        .filter((field) => test.validate[field] !== undefined && !failures.some((f) => f.test_type === field))
        .map((field) => ({ route: covered.key, field }))
    : [];
  return { result: { test_name: test.test_name, passed: failures.length === 0, failures }, marks };
}

export interface CoverageReport {
  /** Percent of the routes (each weighted cluster counted apart) a passing check reached. */
  percent: number;
  /** Each route no test reached. */
  missing: MissingRoute[];
}

export interface MissingRoute {
  host: string;
  /** The route's name, "" for none. */
  route_name: string;
  /** Its match in protobuf text form, as router_check prints it: prefix: "/". */
  match: string;
}

/** router_check's Coverage::report, and with `all` its detailedReport
 * (--covall): each route counted by the share of its fields checked. */
export function routeCoverage(table: RouteTable, marks: readonly CoverageMark[], all: boolean): CoverageReport {
  let routes = 0;
  const missing: MissingRoute[] = [];
  table.virtual_hosts.forEach((host, h) => {
    host.routes.forEach((entry, r) => {
      routes += entry.route?.weighted_clusters?.clusters.length ?? 1;
      if (!marks.some((mark) => mark.route === `${h}/${r}` || mark.route.startsWith(`${h}/${r}/`)))
        missing.push({ host: host.name, route_name: entry.name ?? '', match: protoText(entry.match) });
    });
  });
  const byRoute = new Map<string, Set<StringCheck>>();
  for (const mark of marks) byRoute.set(mark.route, (byRoute.get(mark.route) ?? new Set()).add(mark.field));
  let covered = 0;
  for (const [key, fields] of byRoute) {
    const [h = 0, r = 0] = key.split('/').map(Number);
    const entry = table.virtual_hosts[h]?.routes[r];
    const countable = entry?.route ? ROUTE_COVERAGE_FIELDS : DIRECT_COVERAGE_FIELDS;
    covered += all ? countable.filter((field) => fields.has(field)).length / countable.length : 1;
  }
  return { percent: routes === 0 ? 0 : (100 * covered) / routes, missing };
}

/** router_check's line for a route no test reached (Coverage::printMissingTests):
 * by its match, or with --detailed-coverage by its name, then its match. */
export function formatMissingRoute(route: MissingRoute, byName: boolean): string {
  return byName
    ? `Missing test for host: ${route.host}, route name: ${route.route_name}-${route.match}`
    : `Missing test for host: ${route.host}, route: ${route.match}`;
}

/** A message in protobuf's one-line text form (ShortDebugString): fields in
 * the order written, strings quoted, messages in braces, lists repeated. */
export function protoText(message: object): string {
  const field = (name: string, value: unknown): string[] => {
    if (Array.isArray(value)) return value.flatMap((item) => field(name, item));
    if (value !== null && typeof value === 'object') return [`${name} { ${protoText(value)} }`];
    return [`${name}: ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`];
  };
  return Object.entries(message)
    .flatMap(([name, value]) => field(name, value))
    .join(' ');
}

/** router_check's report: a failing test's name, then one line per failed
 * check; with details, the names of passing tests too. */
export function formatResults(results: readonly TestResult[], details: boolean): { passed: string; failed: string } {
  const passed = details ? results.filter((r) => r.passed).map((r) => `${r.test_name}\n`) : [];
  const failed = results
    .filter((r) => !r.passed)
    .map((r) => [r.test_name, ...r.failures.map((f) => `expected: [${f.expected}], actual: [${f.actual}], test type: ${f.test_type}`)].join('\n') + '\n');
  return { passed: passed.join(''), failed: failed.join('') };
}
