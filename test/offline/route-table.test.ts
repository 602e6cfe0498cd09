// routeTableOf (offline/pod-router.ts): a RouteConfiguration as route-check
// reads it gets Envoy 1.36's verdict — refused where Envoy refuses it,
// loaded where Envoy loads it (source/common/router/config_impl.cc).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { routeTableOf, tableRouter } from '../../src/offline/pod-router.js';

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

  it('loads internal_only_headers, header names only, as RouteConfiguration.internal_only_headers validates them (HTTP_HEADER_NAME)', () => {
    const withHeaders = (names: unknown): unknown => ({ ...(table([host('a', ['a'])]) as object), internal_only_headers: names });
    assert.ok(routeTableOf(withHeaders(['x-lyft-user-id', 'X-Internal'])).ok);
    for (const names of [['bad header'], [''], ['x\r\ny'], 'x-a', Array(33).fill('x-a')]) {
      const result = routeTableOf(withHeaders(names));
      assert.equal(result.ok, false, JSON.stringify(names).slice(0, 40));
      if (!result.ok) assert.match(result.problems[0]?.field ?? '', /^internal_only_headers/);
    }
  });

  it('routes a request whatever internal_only_headers names: the connection manager strips them, not the router', () => {
    const config = {
      ...(table([host('a', ['*'], { prefix: '/', headers: [{ name: 'x-lyft-user-id', present_match: true }] })]) as object),
      internal_only_headers: ['x-lyft-user-id'],
    };
    const result = routeTableOf(config);
    assert.ok(result.ok);
    const routed = tableRouter(result.value)({ authority: 'a', path: '/', method: 'GET', scheme: 'http', headers: [['x-lyft-user-id', '7']], randomValue: 0 });
    assert.equal(routed.kind === 'http' ? routed.decision.route?.index : undefined, 0);
  });
});
