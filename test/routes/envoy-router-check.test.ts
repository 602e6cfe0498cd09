// route-check gives Envoy's own answers: Envoy's router_check files as
// shipped (envoy-router-check/as-shipped), and route configurations and tests
// that carry the expectations of the rest of its suite (see the README),
// restricted to the route language.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { DEFAULT_CONFIG } from '../../src/config/config.js';
import { routeCheck } from '../../src/offline/route-check.js';
import { repoPath } from '../support/repo.js';

const DIR = repoPath('test', 'routes', 'envoy-router-check');
const options = { config: DEFAULT_CONFIG, defaultNamespace: 'default' };
const read = (file: string): string => readFileSync(join(DIR, file), 'utf8');

describe("Envoy's router_check cases", () => {
  const names = readdirSync(DIR)
    .filter((f) => f.endsWith('.config.yaml'))
    .map((f) => f.replace('.config.yaml', ''));

  it('are all here', () => {
    assert.deepEqual(names.sort(), ['comprehensive-routes', 'header-matched-routing', 'redirect', 'test-routes', 'weighted']);
  });

  for (const name of names) {
    it(`${name}: every test gives Envoy's answer`, () => {
      const results = routeCheck(read(`${name}.config.yaml`), read(`${name}.tests.yaml`), options);
      assert.ok(results.ok, results.ok ? '' : results.problems.join('; '));
      assert.deepEqual(
        results.value.filter((r) => !r.passed),
        [],
      );
      assert.ok(results.value.length >= 3);
    });
  }

  // Envoy's files as shipped (as-shipped/SOURCE.md): the config and the
  // tests unchanged, and the verdict Envoy's own suite expects of them.
  // What fails where Envoy's suite expects a failure: each failed test, with
  // the test type of each of its failures.
  type Expected = 'pass' | Array<[test: string, failures: string[]]>;
  const AS_SHIPPED: Array<[string, string, Expected]> = [
    ['HeaderMatchedRouting.yaml', 'HeaderMatchedRouting.golden.proto.json', 'pass'],
    ['Timeout.yaml', 'Timeout.golden.proto.json', 'pass'],
    ['Timeout.yaml', 'TimeoutFailures.golden.proto.json', [['Test_1', ['timeout: expected 120s, got 30s']]]],
    ['Runtime.yaml', 'Runtime.golden.proto.json', 'pass'],
    ['Weighted.yaml', 'Weighted.golden.proto.json', 'pass'],
    ['DirectResponse.yaml', 'DirectResponse.golden.proto.json', 'pass'],
    ['Redirect.yaml', 'Redirect.golden.proto.json', 'pass'],
    ['Redirect2.yaml', 'Redirect2.golden.proto.json', 'pass'],
    ['Redirect3.yaml', 'Redirect3.golden.proto.json', 'pass'],
    ['Redirect4.yaml', 'Redirect4.golden.proto.json', 'pass'],
    ['ComprehensiveRoutes.yaml', 'ComprehensiveRoutes.golden.proto.json', 'pass'],
    ['DetailedCoverage.yaml', 'DetailedCoverage.golden.proto.json', 'pass'],
    // internal_only_headers read (the router never strips them), X-Client-IP
    // from router_check's connection (127.0.0.1), a direct response's
    // content-length read by range_match.
    ['ContentType.yaml', 'ContentType.golden.proto.json', 'pass'],
    ['TestRoutes.yaml', 'TestRoutes.golden.proto.json', 'pass'],
    [
      'TestRoutes.yaml',
      'TestRoutesFailures.golden.proto.json',
      [
        [
          'ResponseHeaderMatches Failures',
          [
            'response_header_matches: expected {"name":"content-type","exact_match":"text/plain","invert_match":true}, got header content-type: exact "text/plain" matches "text/plain" (invert_match)',
            'response_header_matches: expected {"name":"content-length","range_match":{"start":100,"end":1000}}, got header content-length: [100, 1000) does not hold "25"',
            'response_header_matches: expected {"name":"x-ping-response","exact_match":"pong"}, got header x-ping-response: exact "pong" does not match "yes"',
            'response_header_matches: expected {"name":"x-ping-response","present_match":true,"invert_match":true}, got header x-ping-response is present (invert_match)',
            'response_header_matches: expected {"name":"x-pong-response","present_match":true,"invert_match":false}, got header x-pong-response is absent',
          ],
        ],
      ],
    ],
  ];
  for (const [config, tests, expected] of AS_SHIPPED) {
    it(`${tests} against ${config}, unchanged: ${expected === 'pass' ? 'every test passes' : 'the run fails where Envoy expects it to'}`, () => {
      const results = routeCheck(read(join('as-shipped', config)), read(join('as-shipped', tests)), options);
      assert.ok(results.ok, results.ok ? '' : results.problems.join('; '));
      const failed = results.value
        .filter((r) => !r.passed)
        .map((r) => [r.test_name, r.failures.map((f) => `${f.test_type}: expected ${f.expected}, got ${f.actual}`)]);
      assert.deepEqual(failed, expected === 'pass' ? [] : expected);
    });
  }

  it('a wrong expectation fails, with what was expected and what came', () => {
    const tests = read('weighted.tests.yaml').replace('validate: { cluster_name: cluster2 }', 'validate: { cluster_name: cluster3 }');
    const results = routeCheck(read('weighted.config.yaml'), tests, options);
    assert.ok(results.ok);
    assert.deepEqual(
      results.value.filter((r) => !r.passed),
      [{ test_name: '445 is 45 of 100, within 30 to 60', passed: false, failures: [{ test_type: 'cluster_name', expected: 'cluster3', actual: 'cluster2' }] }],
    );
  });

  it('a field it does not simulate is refused by name, never skipped', () => {
    const config = read('weighted.config.yaml').replace('- name: www1\n', '- name: www1\n    cors: { allow_origin_string_match: [{ exact: "*" }] }\n');
    const results = routeCheck(config, read('weighted.tests.yaml'), options);
    assert.equal(results.ok, false);
    assert.match(results.ok ? '' : (results.problems[0] ?? ''), /--config at virtual_hosts\[0\]\.cors: unknown field/);
    const tests = read('weighted.tests.yaml').replace('validate: { path_redirect: "" }', 'validate: { virtual_cluster: x }');
    const badTests = routeCheck(read('weighted.config.yaml'), tests, options);
    assert.match(badTests.ok ? '' : (badTests.problems[0] ?? ''), /--tests at tests\[0\]\.validate\.virtual_cluster: unknown field/);
  });
});
