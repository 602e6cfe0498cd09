// routeTableOf (offline/pod-router.ts): a RouteConfiguration as route-check
// reads it gets Envoy 1.36's verdict — refused where Envoy refuses it,
// loaded where Envoy loads it (source/common/router/config_impl.cc).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { routeTableOf } from '../../src/offline/pod-router.js';

const table = (virtualHosts: unknown[]): unknown => ({ virtual_hosts: virtualHosts });
const host = (name: string, domains: string[], match: Record<string, unknown> = { prefix: '/' }): unknown => ({
  name,
  domains,
  routes: [{ match, route: { cluster: 'c' } }],
});

describe('routeTableOf, as Envoy loads a RouteConfiguration', () => {
  it('refuses a domain given twice in two cases', () => {
    const result = routeTableOf(table([host('a', ['Example.com']), host('b', ['example.COM'])]));
    assert.deepEqual(result.ok ? [] : result.problems, [
      {
        field: 'virtual_hosts[1].domains[0]',
        message: '"example.COM" is already a domain of virtual_hosts[0]: each domain may appear once across all virtual hosts',
      },
    ]);
  });

  it('refuses ignore_case on a safe_regex', () => {
    const result = routeTableOf(
      table([host('a', ['a'], { prefix: '/', headers: [{ name: 'x', string_match: { safe_regex: { regex: 'a' }, ignore_case: true } }] })]),
    );
    assert.equal(result.ok, false);
  });

  it('loads what Envoy loads: an empty google_re2, an empty prefix, domains compared whole', () => {
    for (const config of [
      table([host('a', ['a'], { safe_regex: { google_re2: {}, regex: '^/x' } })]),
      table([host('a', ['a'], { prefix: '' })]),
      table([host('a', ['[::1]', 'my_service', 'example.com.'])]),
    ]) {
      const result = routeTableOf(config);
      assert.ok(result.ok, JSON.stringify(result));
    }
  });
});
