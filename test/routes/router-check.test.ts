// router_check's test format as route-check reads it (routes/router-check.ts):
// what a test file may hold, how a test's request is built, which values
// are compared, and the report router_check prints.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tableRouter } from '../../src/offline/pod-router.js';
import {
  evaluateRouterTest,
  formatResults,
  parseRouterTests,
  requestOf,
  routeCoverage,
  runRouterTest,
  type Routed,
  type RouterTest,
  type TestFailure,
} from '../../src/routes/router-check.js';
import type { RouteTable } from '../../src/routes/router.js';

/** The header matcher fields of a test file, in the order its messages name them. */
const MATCHER_FIELDS = ['string_match', 'present_match', 'exact_match', 'prefix_match', 'suffix_match', 'contains_match', 'safe_regex_match'];

describe('parseRouterTests', () => {
  const test = (extra: Record<string, unknown> = {}, input: Record<string, unknown> = {}, validate: Record<string, unknown> = {}): unknown => ({
    tests: [{ test_name: 't', input: { authority: 'a', path: '/', ...input }, validate, ...extra }],
  });
  const REFUSED: Array<[string, unknown, string, string]> = [
    ['no tests', { tests: [] }, 'tests', 'must have at least 1 entry'],
    ['a test without input', { tests: [{ test_name: 't', validate: {} }] }, 'tests[0].input', 'is required'],
    ['a test without validate', { tests: [{ test_name: 't', input: { authority: 'a', path: '/' } }] }, 'tests[0].validate', 'is required'],
    ['a test without a name', { tests: [{ input: { authority: 'a', path: '/' }, validate: {} }] }, 'tests[0].test_name', 'is required'],
    ['no authority', { tests: [{ test_name: 't', input: { path: '/' }, validate: {} }] }, 'tests[0].input.authority', 'is required'],
    ['an empty method', test({}, { method: '' }), 'tests[0].input.method', 'must not be empty'],
    ['a negative random_value', test({}, { random_value: -1 }), 'tests[0].input.random_value', `-1 is out of range (0 to ${Number.MAX_SAFE_INTEGER})`],
    ['ssl as text', test({}, { ssl: 'yes' }), 'tests[0].input.ssl', 'expected true or false, got string "yes"'],
    ['internal as text', test({}, { internal: 'yes' }), 'tests[0].input.internal', 'expected true or false, got string "yes"'],
    ['a header without a key', test({}, { additional_request_headers: [{ value: 'v' }] }), 'tests[0].input.additional_request_headers[0].key', 'is required'],
    [
      'a header with an empty key',
      test({}, { additional_request_headers: [{ key: '', value: 'v' }] }),
      'tests[0].input.additional_request_headers[0].key',
      'must not be empty',
    ],
    ['a header without a value', test({}, { additional_request_headers: [{ key: 'k' }] }), 'tests[0].input.additional_request_headers[0].value', 'is required'],
    ['an old-style header without a value', test({}, { additional_headers: [{ field: 'k' }] }), 'tests[0].input.additional_headers[0].value', 'is required'],
    ['a numeric cluster_name', test({}, {}, { cluster_name: 1 }), 'tests[0].validate.cluster_name', 'expected a string, got number 1'],
    ['a code_redirect past 599', test({}, {}, { code_redirect: 600 }), 'tests[0].validate.code_redirect', '600 is out of range (0 to 599)'],
    ['a check it does not evaluate', test({}, {}, { virtual_cluster: 'x' }), 'tests[0].validate.virtual_cluster', 'unknown field'],
    // Every field, given a value of the wrong kind, is refused at its own path.
    ['a numeric test_name', { tests: [{ test_name: 1, input: { authority: 'a', path: '/' }, validate: {} }] }, 'tests[0].test_name', 'expected a string'],
    ['a numeric authority', test({}, { authority: 1 }), 'tests[0].input.authority', 'expected a string'],
    ['a numeric path', test({}, { path: 1 }), 'tests[0].input.path', 'expected a string'],
    ['a numeric runtime', test({}, { runtime: 1 }), 'tests[0].input.runtime', 'expected a string'],
    ['response headers as an object', test({}, { additional_response_headers: {} }), 'tests[0].input.additional_response_headers', 'expected a list'],
    [
      'a response header with an empty key',
      test({}, { additional_response_headers: [{ key: '', value: 'v' }] }),
      'tests[0].input.additional_response_headers[0].key',
      'must not be empty',
    ],
    [
      'a numeric header value',
      test({}, { additional_request_headers: [{ key: 'k', value: 1 }] }),
      'tests[0].input.additional_request_headers[0].value',
      'expected a string',
    ],
    [
      'an old-style header with a numeric key',
      test({}, { additional_headers: [{ key: 1, value: 'v' }] }),
      'tests[0].input.additional_headers[0].key',
      'expected a string',
    ],
    [
      'an old-style header with a numeric field',
      test({}, { additional_headers: [{ field: 1, value: 'v' }] }),
      'tests[0].input.additional_headers[0].field',
      'expected a string',
    ],
    [
      'an old-style header with a numeric value',
      test({}, { additional_headers: [{ key: 'k', value: 1 }] }),
      'tests[0].input.additional_headers[0].value',
      'expected a string',
    ],
    ['a timeout of bare seconds', test({}, {}, { timeout: 5 }), 'tests[0].validate.timeout', 'number 5 is not a duration'],
    ['response_header_matches as an object', test({}, {}, { response_header_matches: {} }), 'tests[0].validate.response_header_matches', 'expected a list'],
    [
      'a header match without a name',
      test({}, {}, { request_header_matches: [{ exact_match: 'v' }] }),
      'tests[0].validate.request_header_matches[0].name',
      'is required',
    ],
    [
      'a header match with an empty name',
      test({}, {}, { request_header_matches: [{ name: '' }] }),
      'tests[0].validate.request_header_matches[0].name',
      'must not be empty',
    ],
    ...(['present_match', 'invert_match'] as const).map((field): [string, unknown, string, string] => [
      `${field} as text`,
      test({}, {}, { response_header_matches: [{ name: 'h', [field]: 'yes' }] }),
      `tests[0].validate.response_header_matches[0].${field}`,
      'expected true or false',
    ]),
    ...(['exact_match', 'prefix_match', 'suffix_match', 'contains_match'] as const).map((field): [string, unknown, string, string] => [
      `a numeric ${field}`,
      test({}, {}, { response_header_matches: [{ name: 'h', [field]: 1 }] }),
      `tests[0].validate.response_header_matches[0].${field}`,
      'expected a string',
    ]),
    ...MATCHER_FIELDS.map((field): [string, unknown, string, string] => [
      `${field} beside another matcher`,
      test(
        {},
        {},
        {
          request_header_matches: [
            {
              name: 'h',
              [field === 'exact_match' ? 'prefix_match' : 'exact_match']: 'v',
              [field]: field === 'present_match' ? true : field === 'string_match' ? { exact: 'v' } : field === 'safe_regex_match' ? { regex: 'v' } : 'v',
            },
          ],
        },
      ),
      'tests[0].validate.request_header_matches[0]',
      `sets ${[field, field === 'exact_match' ? 'prefix_match' : 'exact_match'].sort((a, b) => MATCHER_FIELDS.indexOf(a) - MATCHER_FIELDS.indexOf(b)).join(' and ')}: they cannot be combined`,
    ]),
  ];
  for (const [name, document, field, message] of REFUSED) {
    it(`refuses ${name}`, () => {
      const result = parseRouterTests(document);
      assert.equal(result.ok, false);
      const problem = result.ok ? undefined : result.problems[0];
      assert.equal(problem?.field, field);
      assert.ok(problem?.message.startsWith(message), problem?.message);
    });
  }

  it('reads every field it evaluates', () => {
    const document = {
      tests: [
        {
          test_name: 'all',
          input: {
            authority: 'a',
            path: '/',
            method: 'POST',
            random_value: 7,
            ssl: true,
            internal: true,
            additional_request_headers: [{ key: 'k', value: 'v' }],
            additional_headers: [
              { field: 'f', value: 'w' },
              { key: 'g', value: 'x' },
            ],
          },
          validate: {
            cluster_name: 'c',
            virtual_cluster_name: '',
            virtual_host_name: 'h',
            path_rewrite: '/',
            host_rewrite: 'a',
            path_redirect: '',
            code_redirect: 0,
          },
        },
      ],
    };
    const result = parseRouterTests(document);
    assert.ok(result.ok, JSON.stringify(result));
    assert.equal(result.value.length, 1);
  });
});

describe('requestOf', () => {
  it('builds the request router_check sends', () => {
    const input: RouterTest['input'] = {
      authority: 'a:80',
      path: '/p',
      internal: true,
      ssl: true,
      random_value: 42,
      additional_request_headers: [{ key: 'k', value: 'v' }],
      additional_headers: [{ field: 'f', value: 'w' }, { key: 'g', value: 'x' }, { value: 'y' }],
      runtime: 'routing.canary',
    };
    assert.deepEqual(requestOf(input), {
      authority: 'a:80',
      path: '/p',
      method: 'GET',
      scheme: 'https',
      headers: [
        ['x-envoy-internal', 'true'],
        ['k', 'v'],
        ['f', 'w'],
        ['g', 'x'],
        ['', 'y'],
      ],
      randomValue: 42,
      routerCheckRuntime: 'routing.canary',
      connection: { remoteAddress: '127.0.0.1', remotePort: 0 },
    });
    assert.deepEqual(requestOf({ authority: 'a', path: '/', method: 'PUT' }), {
      authority: 'a',
      path: '/',
      method: 'PUT',
      scheme: 'http',
      headers: [],
      randomValue: 0,
      // router_check enables no runtime unless the test names one.
      routerCheckRuntime: '',
      connection: { remoteAddress: '127.0.0.1', remotePort: 0 },
    });
  });
});

describe('runRouterTest and formatResults', () => {
  const routedTo: Routed = {
    kind: 'http',
    decision: {
      host: { index: 0, name: 'vh', domain: '*', how: 'catch-all' },
      misses: [],
      route: {
        index: 0,
        entry: { match: { prefix: '/' }, route: { cluster: 'c1' } },
        action: { kind: 'route', cluster: 'c1', path: '/rewritten', authority: 'b', timeout: '1.5s', virtualCluster: 'vc' },
      },
    },
    table: { virtual_hosts: [{ name: 'vh', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'c1' } }] }] },
  };
  const test = (validate: RouterTest['validate']): RouterTest => ({ test_name: 'n', input: { authority: 'a', path: '/' }, validate });

  it('compares only the values the test names, "" meaning none', () => {
    assert.deepEqual(
      runRouterTest(
        test({
          cluster_name: 'c1',
          virtual_host_name: 'vh',
          virtual_cluster_name: 'vc',
          path_rewrite: '/rewritten',
          host_rewrite: 'b',
          path_redirect: '',
          code_redirect: 0,
        }),
        () => routedTo,
      ),
      {
        test_name: 'n',
        passed: true,
        failures: [],
      },
    );
    assert.deepEqual(runRouterTest(test({ cluster_name: 'c2', code_redirect: 301 }), () => routedTo).failures, [
      { test_type: 'cluster_name', expected: 'c2', actual: 'c1' },
      { test_type: 'code_redirect', expected: '301', actual: '0' },
    ]);
    assert.deepEqual(runRouterTest(test({ cluster_name: 'passthrough', virtual_host_name: '' }), () => ({ kind: 'tcp', cluster: 'passthrough' })).passed, true);
  });

  it('a require_tls redirect is a redirect, with no cluster', () => {
    const redirected: Routed = {
      kind: 'http',
      decision: { host: { index: 0, name: 'vh', domain: '*', how: 'catch-all' }, misses: [], tlsRedirect: 'https://a/x' },
      table: { virtual_hosts: [] },
    };
    assert.deepEqual(
      runRouterTest(test({ cluster_name: '', virtual_host_name: '', path_redirect: 'https://a/x', code_redirect: 301 }), () => redirected).failures,
      [],
    );
  });

  it('matches the request and response headers as the route leaves them, deprecated matcher forms included', () => {
    const table: RouteTable = {
      virtual_hosts: [
        {
          name: 'vh',
          domains: ['*'],
          routes: [
            {
              match: { prefix: '/' },
              route: { cluster: 'c' },
              request_headers_to_add: [{ header: { key: 'x-canary', value: 'v2' } }],
              response_headers_to_remove: ['server'],
            },
          ],
        },
      ],
    };
    const route = tableRouter(table);
    const base: RouterTest['input'] = {
      authority: 'a',
      path: '/',
      additional_response_headers: [
        { key: 'server', value: 'app' },
        { key: 'x-b', value: '1' },
      ],
    };
    const run = (validate: RouterTest['validate']): TestFailure[] => runRouterTest({ test_name: 't', input: base, validate }, route).failures;
    assert.deepEqual(
      run({
        request_header_matches: [
          { name: 'x-canary', string_match: { exact: 'v2' } },
          { name: ':authority', exact_match: 'a' },
        ],
      }),
      [],
    );
    assert.deepEqual(
      run({
        response_header_matches: [
          { name: 'server', present_match: true, invert_match: true },
          { name: 'x-b', prefix_match: '1' },
        ],
      }),
      [],
    );
    assert.deepEqual(run({ request_header_matches: [{ name: 'x-canary', exact_match: 'v1' }] }), [
      { test_type: 'request_header_matches', expected: '{"name":"x-canary","exact_match":"v1"}', actual: 'header x-canary: exact "v1" does not match "v2"' },
    ]);
    assert.deepEqual(
      runRouterTest({ test_name: 't', input: { authority: 'a', path: '/' }, validate: { response_header_matches: [{ name: 'x' }] } }, () => ({
        kind: 'tcp',
        cluster: 'passthrough',
      })).failures,
      [{ test_type: 'response_header_matches', expected: '{"name":"x"}', actual: 'no route' }],
    );
  });

  it('reads each deprecated matcher form as the string_match it stands for', () => {
    const table: RouteTable = {
      virtual_hosts: [
        {
          name: 'vh',
          domains: ['*'],
          routes: [{ match: { prefix: '/' }, route: { cluster: 'c' }, request_headers_to_add: [{ header: { key: 'x-canary', value: 'v2' } }] }],
        },
      ],
    };
    const route = tableRouter(table);
    const passes = (matcher: Record<string, unknown>): boolean =>
      runRouterTest({ test_name: 't', input: { authority: 'a', path: '/' }, validate: { request_header_matches: [{ name: 'x-canary', ...matcher }] } }, route)
        .passed;
    const forms: Array<[Record<string, unknown>, Record<string, unknown>]> = [
      [{ exact_match: 'v2' }, { exact_match: 'v' }],
      [{ prefix_match: 'v' }, { prefix_match: '2' }],
      [{ suffix_match: '2' }, { suffix_match: 'v' }],
      [{ contains_match: '2' }, { contains_match: 'x' }],
      [{ safe_regex_match: { regex: 'v[0-9]' } }, { safe_regex_match: { regex: 'w.' } }],
    ];
    for (const [matching, missing] of forms) {
      assert.equal(passes(matching), true, JSON.stringify(matching));
      assert.equal(passes(missing), false, JSON.stringify(missing));
    }
  });

  it('an empty list of header matches checks nothing, even where nothing was routed', () => {
    const unrouted = (): Routed => ({ kind: 'tcp', cluster: 'passthrough' });
    for (const validate of [{ request_header_matches: [] }, { response_header_matches: [] }])
      assert.deepEqual(runRouterTest({ test_name: 't', input: { authority: 'a', path: '/' }, validate }, unrouted).failures, []);
  });

  it('refuses a header match whose regex is no RE2, before running any test', () => {
    const parsed = parseRouterTests({
      tests: [
        { test_name: 't', input: { authority: 'a', path: '/' }, validate: { request_header_matches: [{ name: 'x', safe_regex_match: { regex: '(?=a)' } }] } },
      ],
    });
    assert.equal(parsed.ok, false);
    assert.match(parsed.ok ? '' : (parsed.problems[0]?.message ?? ''), /is not an RE2 regex/);
  });

  it('compares timeouts as durations, in either form', () => {
    for (const routeTimeout of ['1.5s', '1.500s', { seconds: 1, nanos: 500_000_000 }])
      assert.equal(runRouterTest(test({ timeout: routeTimeout }), () => routedTo).passed, true);
    assert.deepEqual(runRouterTest(test({ timeout: '15s' }), () => routedTo).failures, [{ test_type: 'timeout', expected: '15s', actual: '1.5s' }]);
    assert.deepEqual(runRouterTest(test({ timeout: '15s' }), () => ({ kind: 'tcp', cluster: 'passthrough' })).failures, [
      { test_type: 'timeout', expected: '15s', actual: '' },
    ]);
  });

  it("prints a failing test's name and one line per failed check; with details the passing names too", () => {
    const results = [
      { test_name: 'ok one', passed: true, failures: [] },
      {
        test_name: 'bad one',
        passed: false,
        failures: [
          { test_type: 'cluster_name', expected: 'a', actual: 'b' },
          { test_type: 'path_rewrite', expected: '/x', actual: '/y' },
        ],
      },
      { test_name: 'ok two', passed: true, failures: [] },
    ];
    const failed = 'bad one\nexpected: [a], actual: [b], test type: cluster_name\nexpected: [/x], actual: [/y], test type: path_rewrite\n';
    assert.deepEqual(formatResults(results, false), { passed: '', failed });
    assert.deepEqual(formatResults(results, true), { passed: 'ok one\nok two\n', failed });
    assert.deepEqual(formatResults([], true), { passed: '', failed: '' });
  });
});

// test/tools/router_check/coverage.cc: Coverage::report and detailedReport.
describe('routeCoverage', () => {
  const table: RouteTable = {
    virtual_hosts: [
      {
        name: 'vh',
        domains: ['*'],
        routes: [
          {
            match: { prefix: '/w' },
            route: {
              weighted_clusters: {
                clusters: [
                  { name: 'a', weight: 1 },
                  { name: 'b', weight: 1 },
                ],
              },
            },
          },
          { match: { prefix: '/r' }, redirect: { path_redirect: '/x' } },
          { match: { prefix: '/' }, route: { cluster: 'c' } },
        ],
      },
    ],
  };
  const route = tableRouter(table);
  const evaluate = (path: string, validate: RouterTest['validate'], randomValue = 0) =>
    evaluateRouterTest({ test_name: 't', input: { authority: 'h', path, random_value: randomValue }, validate }, route);

  it('counts each weighted cluster apart, and a route once a passing check reached it', () => {
    const marks = [
      ...evaluate('/w', { cluster_name: 'a' }, 0).marks,
      ...evaluate('/w', { cluster_name: 'a' }, 2).marks,
      ...evaluate('/r', { path_redirect: 'http://h/x' }).marks,
    ];
    // 4 routes: the weighted one twice, the redirect, the catch-all; a and the redirect are covered.
    assert.deepEqual(routeCoverage(table, marks, false), { percent: 50, missing: [{ host: 'vh', route_name: '', match: 'prefix: "/"' }] });
  });

  it('a failing check covers nothing, and a test without checks neither', () => {
    assert.deepEqual(evaluate('/', { cluster_name: 'wrong' }).marks, []);
    assert.deepEqual(evaluate('/', {}).marks, []);
    assert.equal(routeCoverage(table, [], false).percent, 0);
  });

  it('--covall: a route counts by the share of its fields checked', () => {
    const marks = [...evaluate('/', { cluster_name: 'c', virtual_host_name: 'vh' }).marks, ...evaluate('/r', { path_redirect: 'http://h/x' }).marks];
    // (2 of 5 fields) + (1 of 1) over 4 routes.
    assert.equal(routeCoverage(table, marks, true).percent, (100 * (2 / 5 + 1)) / 4);
    assert.equal(routeCoverage(table, marks, false).percent, 50);
  });

  it('a configuration without routes is 0 % covered', () => {
    assert.deepEqual(routeCoverage({ virtual_hosts: [] }, [], false), { percent: 0, missing: [] });
  });
});
