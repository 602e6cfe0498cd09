// Envoy's router_check_tool test format, run against our router: each test is
// a request and the values Envoy would produce for it (cluster, virtual host,
// rewrites, redirect). An empty expected string means "no value", as in
// router_check: cluster_name "" expects no route.

import type { FieldProblem } from './schema.js';
import { canonicalDuration, check, type ObjectSpec } from './schema.js';
import { ProblemList, type Result } from '../model/result.js';
import type { RouteDecision, RouteRequest } from './router.js';

/** What a request meets: an HTTP chain and its route decision, or a TCP
 * chain (the pod's passthrough, or the loop guard) that never reads HTTP. */
export type Routed = { kind: 'http'; decision: RouteDecision } | { kind: 'tcp'; cluster: string };

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
  };
  validate: Partial<Record<StringCheck, string>> & { code_redirect?: number; timeout?: string | { seconds?: number; nanos?: number } };
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

export function runRouterTest(test: RouterTest, route: RouteFunction): TestResult {
  const actual = actualValues(route(requestOf(test.input)));
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
  return { test_name: test.test_name, passed: failures.length === 0, failures };
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
