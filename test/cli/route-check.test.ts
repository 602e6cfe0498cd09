// route-check's command line, in process: router_check's report, its
// coverage line, --covall, --fail-under and --only-show-failures, and the
// exit codes.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { UsageError } from '../../src/cli/args.js';
import { runRouteCheck } from '../../src/cli/route-check.js';
import { temporaryDirectory } from '../support/temp-dir.js';
import { repoPath } from '../support/repo.js';

const dir = temporaryDirectory('route-check-');
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

const config = file(
  'routes.yaml',
  'virtual_hosts:\n- name: web\n  domains: ["web"]\n  routes:\n  - match: { prefix: "/api" }\n    route: { cluster: api }\n  - match: { prefix: "/" }\n    route: { cluster: web }\n',
);
const tests = file(
  'tests.yaml',
  'tests:\n- test_name: api\n  input: { authority: web, path: /api/x }\n  validate: { cluster_name: api, virtual_host_name: web }\n- test_name: wrong\n  input: { authority: web, path: /x }\n  validate: { cluster_name: api }\n',
);
const passing = file('passing.yaml', 'tests:\n- test_name: api\n  input: { authority: web, path: /api/x }\n  validate: { cluster_name: api }\n');

describe('route-check', () => {
  it('ends with the route coverage, and lists the routes no test reaches with --details', () => {
    const out = runRouteCheck(['--config', config, '--tests', passing, '--details']);
    assert.equal(out.exitCode, 0);
    assert.equal(out.stdout, 'api\nMissing test for host: web, route: prefix: "/"\nroute-check: 1 of 1 tests passed\nCurrent route coverage: 50%\n');
  });

  // Envoy's DetailedCoverage pair as shipped, checked as Envoy's
  // test/tools/router_check/test/route_tests.sh checks it.
  it("--detailed-coverage names the routes no test reached, as Envoy's suite expects", () => {
    const shipped = (name: string): string => repoPath('test', 'routes', 'envoy-router-check', 'as-shipped', name);
    const args = ['--config', shipped('DetailedCoverage.yaml'), '--tests', shipped('DetailedCoverage.golden.proto.json')];
    const detailed = runRouteCheck([...args, '--detailed-coverage']);
    assert.equal(detailed.exitCode, 0);
    assert.match(detailed.stdout, /^Missing test for host: localhost, route name: new_endpoint2-.+$/m);
    assert.match(detailed.stdout, /^Missing test for host: localhost, route name: -.+$/m);
    assert.equal(
      detailed.stdout,
      'Missing test for host: localhost, route name: new_endpoint2-path: "/new_endpoint2"\n' +
        'Missing test for host: localhost, route name: -prefix: "/no_name"\n' +
        'route-check: 2 of 2 tests passed\nCurrent route coverage: 50%\n',
    );
    assert.doesNotMatch(runRouteCheck(args).stdout, /Missing test for host:/);
  });

  it('--covall counts the fields checked: 1 of 5 for one route of 2', () => {
    const out = runRouteCheck(['--config', config, '--tests', passing, '--covall']);
    assert.match(out.stdout, /Current route coverage: 10%\n$/);
  });

  it('--fail-under: exit 1 under the floor, with the floor on stderr; 0 at it', () => {
    const under = runRouteCheck(['--config', config, '--tests', passing, '-f', '60']);
    assert.equal(under.exitCode, 1);
    assert.equal(under.stderr, 'Failed to meet coverage requirement: 60%\n');
    assert.equal(runRouteCheck(['--config', config, '--tests', passing, '--fail-under', '50']).exitCode, 0);
  });

  it('refuses a floor that is not a percentage', () => {
    for (const bad of ['101', '-1', 'x', '']) assert.throws(() => runRouteCheck(['--config', config, '--tests', passing, '--fail-under', bad]), UsageError);
  });

  it('--only-show-failures keeps --details to the failing tests', () => {
    const out = runRouteCheck(['--config', config, '--tests', tests, '--details', '--only-show-failures']);
    assert.equal(out.exitCode, 1);
    assert.doesNotMatch(out.stdout, /^api$/m);
    assert.match(out.stderr ?? '', /^wrong\nexpected: \[api\], actual: \[web\], test type: cluster_name\n/);
  });

  it('-o json carries the coverage', () => {
    const json = JSON.parse(runRouteCheck(['--config', config, '--tests', passing, '-o', 'json']).stdout) as {
      coverage: { percent: number; missing: unknown[] };
    };
    assert.deepEqual(json.coverage, { percent: 50, missing: [{ host: 'web', route_name: '', match: 'prefix: "/"' }] });
  });
});
