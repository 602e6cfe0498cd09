// route-check's inputs (offline/route-check.ts): a RouteConfiguration or a
// manifest with one pod, and router_check's tests; every input it cannot use
// is refused with the flag it came from and why.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_CONFIG } from '../../src/config/config.js';
import { routeCheck } from '../../src/offline/route-check.js';
import type { OfflineOptions } from '../../src/offline/offline.js';

const OPTIONS: OfflineOptions = { config: DEFAULT_CONFIG, defaultNamespace: 'shop' };

const TABLE = 'virtual_hosts:\n- name: web\n  domains: ["web"]\n  routes:\n  - match: { prefix: "/api" }\n    route: { cluster: "api" }\n';
const TESTS = 'tests:\n- test_name: api\n  input: { authority: web, path: /api/x }\n  validate: { cluster_name: api }\n';

const pod = (name: string, extra = ''): string =>
  `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\n  annotations:\n    envoy-injector.io/routes: |\n      virtual_hosts:\n      - name: web\n        domains: ["web"]\n        routes:\n        - match: { prefix: "/api" }\n          route: { cluster: "api" }\n${extra}spec:\n  containers:\n  - name: app\n    image: app\n`;

function problems(config: string, tests: string, options: OfflineOptions = OPTIONS): string[] {
  const result = routeCheck(config, tests, options);
  return result.ok ? [] : [...result.problems];
}

describe('route-check', () => {
  it('runs the tests against a RouteConfiguration', () => {
    const result = routeCheck(TABLE, TESTS, OPTIONS);
    assert.ok(result.ok);
    assert.deepEqual(
      result.value.map((r) => [r.test_name, r.passed]),
      [['api', true]],
    );
  });

  it('runs them against the routes a pod would get, its cluster named as the injector names it', () => {
    const result = routeCheck(pod('p'), TESTS.replace('cluster_name: api', 'cluster_name: api.shop:80'), OPTIONS);
    assert.ok(result.ok, result.ok ? '' : result.problems.join('\n'));
    assert.equal(result.value[0]?.passed, true);
  });

  const REFUSED: Array<[string, string, string, RegExp]> = [
    ['tests that are not YAML', TABLE, 'tests: [', /^--tests: invalid YAML or JSON: /],
    ['tests with a key twice', TABLE, `${TESTS}tests: []\n`, /^--tests: invalid YAML or JSON: Map keys must be unique/],
    ['a test without its input', TABLE, 'tests:\n- test_name: a\n  validate: {}\n', /^--tests at tests\[0\]\.input: is required$/],
    ['tests that are not a mapping', TABLE, '[]', /^--tests: expected a mapping, got a list$/],
    ['a config that is not YAML', 'virtual_hosts: [', TESTS, /^--config: /],
    [
      'a RouteConfiguration outside the language',
      `${TABLE}  cors: {}\n`,
      TESTS,
      /^--config at virtual_hosts\[0\]\.cors: unknown field.*\(route-check simulates the fields of the route language only\)$/,
    ],
    [
      'a RouteConfiguration that is not a mapping of virtual hosts',
      'virtual_hosts: 3\n',
      TESTS,
      /^--config at virtual_hosts: expected a list, got number 3 \(route-check/,
    ],
    [
      'a manifest with two pods',
      `${pod('a')}---\n${pod('b')}`,
      TESTS,
      /^--config holds 2 pods or pod templates: give route-check a RouteConfiguration \(with virtual_hosts\) or a manifest with exactly one pod$/,
    ],
    ['a manifest with no pod', 'apiVersion: v1\nkind: Service\nmetadata: { name: s }\n', TESTS, /^--config holds 0 pods or pod templates/],
    [
      'a pod that would be refused',
      pod('p', '    envoy-injector.io/log-level: loud\n'),
      TESTS,
      /^--config: Pod shop\/p is refused: |^--config: Pod p is refused: /,
    ],
    ['a pod that would not be injected', pod('p', '    envoy-injector.io/inject: "false"\n'), TESTS, /^--config: Pod (shop\/)?p would not be injected: /],
  ];
  for (const [what, config, tests, expected] of REFUSED) {
    it(`refuses ${what}`, () => {
      const found = problems(config, tests);
      assert.ok(found.length > 0, 'refused');
      assert.match(found[0] ?? '', expected);
    });
  }

  it('reads a RouteConfiguration among empty documents, and anything else as manifests', () => {
    for (const config of [`---\n${TABLE}`, `${TABLE}---\n`, `---\n${TABLE}---\n---\n`]) {
      const result = routeCheck(config, TESTS, OPTIONS);
      assert.deepEqual(result.ok ? result.value.map((r) => r.passed) : result.problems, [true], JSON.stringify(config));
    }
    const none = '--config holds 0 pods or pod templates: give route-check a RouteConfiguration (with virtual_hosts) or a manifest with exactly one pod';
    assert.deepEqual(
      problems(`${TABLE}---\napiVersion: v1\nkind: Service\nmetadata: { name: s }\n`, TESTS),
      [none],
      'a RouteConfiguration with another document',
    );
    assert.deepEqual(problems('name: outbound\n', TESTS), [none], 'a mapping without virtual_hosts');
    assert.deepEqual(problems('[]\n', TESTS), [none], 'a list');
  });

  it('says in full why a pod gives no routes', () => {
    assert.deepEqual(problems(pod('p', '    envoy-injector.io/log-level: loud\n'), TESTS), [
      '--config: Pod p is refused: annotation envoy-injector.io/log-level: "loud" is not an Envoy log level (one of trace, debug, info, warning, error, critical, off)',
    ]);
    assert.deepEqual(problems(pod('p', '    envoy-injector.io/inject: "false"\n'), TESTS), [
      '--config: Pod p would not be injected: [pod-opted-out] the pod\'s annotation envoy-injector.io/inject is "false"',
    ]);
    assert.deepEqual(problems('a: "x\n', TESTS), ['--config: document 1: invalid YAML: Missing closing "quote for the string opened at line 1, column 4']);
  });
});
