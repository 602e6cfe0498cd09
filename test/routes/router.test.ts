// Envoy's matching rules, one table per rule: which virtual host, which
// route, which cluster, what the upstream request or the redirect looks like.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { routeRequest, selectVirtualHost, stringMatches, type RouteEntry, type RouteRequest, type RouteTable } from '../../src/routes/router.js';

const request = (authority: string, path: string, extra: Partial<RouteRequest> = {}): RouteRequest => ({
  authority,
  path,
  method: 'GET',
  scheme: 'http',
  headers: [],
  randomValue: 0,
  ...extra,
});

const table = (routes: RouteEntry[], domains = ['*']): RouteTable => ({ virtual_hosts: [{ name: 'vh', domains, routes }] });
const to = (cluster: string): RouteEntry['route'] => ({ cluster });

/** The cluster a request reaches, "" for none, or "redirect …"/"direct …". */
function outcome(config: RouteTable, req: RouteRequest): string {
  const action = routeRequest(config, req).route?.action;
  if (!action) return '';
  if (action.kind === 'route') return action.cluster;
  return `${action.kind === 'redirect' ? 'redirect' : 'direct'} ${action.code} ${action.uri}`;
}

describe('virtual host selection', () => {
  const hosts: RouteTable = {
    virtual_hosts: [
      { name: 'any', domains: ['*'], routes: [] },
      { name: 'prefix', domains: ['api.*'], routes: [] },
      { name: 'longer-prefix', domains: ['api.example.*'], routes: [] },
      { name: 'suffix', domains: ['*.example.com'], routes: [] },
      { name: 'longer-suffix', domains: ['*.api.example.com'], routes: [] },
      { name: 'exact', domains: ['api.example.com'], routes: [] },
      { name: 'with-port', domains: ['web.example.com:8080'], routes: [] },
      { name: 'short-suffix', domains: ['*.io'], routes: [] },
    ],
  };
  const table: Array<[string, string]> = [
    ['api.example.com', 'exact'],
    ['API.Example.COM', 'exact'],
    ['v1.api.example.com', 'longer-suffix'],
    ['www.example.com', 'suffix'],
    ['api.example.org', 'longer-prefix'],
    ['api.other.org', 'prefix'],
    ['elsewhere.org', 'any'],
    ['web.example.com:8080', 'with-port'],
    ['web.example.com:9090', 'any'], // a suffix wildcard does not reach past a port
    ['api.example.com:8080', 'longer-prefix'],
    // Both kinds match: a suffix wildcard outranks a prefix wildcard however
    // much longer the prefix is (Envoy tries suffix wildcards first).
    ['api.example.io', 'short-suffix'],
  ];
  for (const [authority, expected] of table) {
    it(`${authority} → ${expected}`, () => assert.equal(selectVirtualHost(hosts, authority)?.name, expected));
  }

  it('a wildcard stands for at least one character', () => {
    assert.equal(selectVirtualHost({ virtual_hosts: [{ name: 's', domains: ['*.example.com'], routes: [] }] }, '.example.com'), undefined);
  });

  it('ignore_port_in_host_matching drops the port before matching', () => {
    const config: RouteTable = { ignore_port_in_host_matching: true, virtual_hosts: [{ name: 'h', domains: ['example.com'], routes: [] }] };
    assert.equal(selectVirtualHost(config, 'example.com:8080')?.name, 'h');
    assert.equal(selectVirtualHost({ ...config, ignore_port_in_host_matching: false }, 'example.com:8080'), undefined);
  });
});

describe('route matching', () => {
  const cases: Array<[string, RouteEntry['match'], string, boolean, Partial<RouteRequest>?]> = [
    ['prefix', { prefix: '/api' }, '/api/users', true],
    ['prefix is a plain string prefix', { prefix: '/api' }, '/apiary', true],
    ['prefix is case-sensitive by default', { prefix: '/api' }, '/API', false],
    ['case_sensitive: false', { prefix: '/api', case_sensitive: false }, '/API/x', true],
    ['path ignores the query', { path: '/a' }, '/a?x=1', true],
    ['path is whole', { path: '/a' }, '/a/b', false],
    ['safe_regex matches the whole path', { safe_regex: { regex: '/v[0-9]+' } }, '/v12', true],
    ['safe_regex never matches a part', { safe_regex: { regex: '/v[0-9]+' } }, '/v12/x', false],
    ['safe_regex ignores the query', { safe_regex: { regex: '/v[0-9]+' } }, '/v1?y=2', true],
    ['a header exact match', { prefix: '/', headers: [{ name: 'x-user', string_match: { exact: 'ann' } }] }, '/', true, { headers: [['X-User', 'ann']] }],
    ['a missing header never matches a string matcher', { prefix: '/', headers: [{ name: 'x-user', string_match: { exact: 'ann' } }] }, '/', false],
    ['…even inverted', { prefix: '/', headers: [{ name: 'x-user', string_match: { exact: 'ann' }, invert_match: true }] }, '/', false],
    [
      'an inverted match of another value',
      { prefix: '/', headers: [{ name: 'x-user', string_match: { exact: 'ann' }, invert_match: true }] },
      '/',
      true,
      { headers: [['x-user', 'bob']] },
    ],
    ['a bare header name means present', { prefix: '/', headers: [{ name: 'x-debug' }] }, '/', true, { headers: [['x-debug', '']] }],
    ['present_match: false means absent', { prefix: '/', headers: [{ name: 'x-debug', present_match: false }] }, '/', true],
    [
      'present_match inverted',
      { prefix: '/', headers: [{ name: 'x-debug', present_match: true, invert_match: true }] },
      '/',
      false,
      { headers: [['x-debug', '1']] },
    ],
    [
      'repeated headers are joined with ","',
      { prefix: '/', headers: [{ name: 'x-a', string_match: { exact: '1,2' } }] },
      '/',
      true,
      {
        headers: [
          ['x-a', '1'],
          ['x-a', '2'],
        ],
      },
    ],
    ['pseudo-headers can be matched', { prefix: '/', headers: [{ name: ':method', string_match: { exact: 'POST' } }] }, '/', true, { method: 'POST' }],
    ['a query parameter', { prefix: '/', query_parameters: [{ name: 'debug', string_match: { exact: '1' } }] }, '/?a=b&debug=1', true],
    ['a query parameter is not decoded', { prefix: '/', query_parameters: [{ name: 'q', string_match: { exact: 'a b' } }] }, '/?q=a%20b', false],
    ['a query parameter present without a value', { prefix: '/', query_parameters: [{ name: 'debug', present_match: true }] }, '/?debug', true],
    ['a missing query parameter', { prefix: '/', query_parameters: [{ name: 'debug', present_match: true }] }, '/', false],
  ];
  for (const [name, match, path, matches, extra] of cases) {
    it(name, () => assert.equal(outcome(table([{ match, route: to('hit') }]), request('h', path, extra)), matches ? 'hit' : ''));
  }

  it('routes are tried in order, and each miss says why', () => {
    const decision = routeRequest(
      table([
        { match: { prefix: '/', headers: [{ name: 'end-user', string_match: { exact: 'jason' } }] }, route: to('v2') },
        { match: { path: '/x' }, route: to('x') },
        { match: { prefix: '/' }, route: to('v1') },
      ]),
      request('h', '/reviews'),
    );
    assert.equal(decision.route?.index, 2);
    assert.deepEqual(decision.misses, [
      { index: 0, why: 'header end-user is absent' },
      { index: 1, why: 'path "/x" is not "/reviews"' },
    ]);
  });

  it('string matchers: exact, prefix, suffix, contains, regex, ignore_case', () => {
    assert.equal(stringMatches({ exact: 'Ab' }, 'ab'), false);
    assert.equal(stringMatches({ exact: 'Ab', ignore_case: true }, 'ab'), true);
    assert.equal(stringMatches({ prefix: 'a' }, 'abc'), true);
    assert.equal(stringMatches({ suffix: 'bc' }, 'abc'), true);
    assert.equal(stringMatches({ contains: 'B', ignore_case: true }, 'abc'), true);
    assert.equal(stringMatches({ safe_regex: { regex: 'a.' } }, 'abc'), false);
    assert.equal(stringMatches({ safe_regex: { regex: 'A.*' }, ignore_case: true }, 'abc'), false, 'ignore_case does not apply to regexes');
  });
});

describe('route actions', () => {
  it('weighted clusters: random_value modulo the total, against cumulative weights', () => {
    const config = table([
      {
        match: { prefix: '/' },
        route: {
          weighted_clusters: {
            clusters: [
              { name: 'a', weight: 30 },
              { name: 'z', weight: 0 },
              { name: 'b', weight: 70 },
            ],
          },
        },
      },
    ]);
    const pick = (randomValue: number): string => outcome(config, request('h', '/', { randomValue }));
    assert.deepEqual([0, 29, 30, 99, 100, 129, 130].map(pick), ['a', 'a', 'b', 'b', 'a', 'a', 'b']);
  });

  it('weighted clusters whose weights do not sum to 100 split by their own total', () => {
    const config = table([
      {
        match: { prefix: '/' },
        route: {
          weighted_clusters: {
            clusters: [
              { name: 'a', weight: 1 },
              { name: 'b', weight: 1 },
            ],
          },
        },
      },
    ]);
    const pick = (randomValue: number): string => outcome(config, request('h', '/', { randomValue }));
    // Every random value reaches a cluster, alternately.
    assert.deepEqual([0, 1, 2, 3, 98, 99, 100, 101].map(pick), ['a', 'b', 'a', 'b', 'a', 'b', 'a', 'b']);
  });

  it('prefix_rewrite replaces the matched prefix, or the whole path of a path or regex match', () => {
    const path = (entry: RouteEntry, p: string): string => {
      const action = routeRequest(table([entry]), request('h', p)).route?.action;
      return action?.kind === 'route' ? action.path : '';
    };
    assert.equal(path({ match: { prefix: '/old' }, route: { cluster: 'c', prefix_rewrite: '/new' } }, '/old/x?y=1'), '/new/x?y=1');
    assert.equal(path({ match: { prefix: '/OLD', case_sensitive: false }, route: { cluster: 'c', prefix_rewrite: '/new' } }, '/old/x'), '/new/x');
    assert.equal(path({ match: { path: '/a' }, route: { cluster: 'c', prefix_rewrite: '/b' } }, '/a?q'), '/b?q');
    assert.equal(path({ match: { safe_regex: { regex: '/v[0-9]/.*' } }, route: { cluster: 'c', prefix_rewrite: '/x' } }, '/v1/a?q'), '/x?q');
  });

  it('host_rewrite_literal replaces the authority', () => {
    const action = routeRequest(table([{ match: { prefix: '/' }, route: { cluster: 'c', host_rewrite_literal: 'new' } }]), request('old:80', '/')).route
      ?.action;
    assert.equal(action?.kind === 'route' ? action.authority : '', 'new');
  });

  const redirects: Array<[string, NonNullable<RouteEntry['redirect']>, RouteRequest, string]> = [
    [
      'a host redirect keeps scheme, port and path',
      { host_redirect: 'new.example.com' },
      request('old.example.com', '/a?q=1'),
      'redirect 301 http://new.example.com/a?q=1',
    ],
    ['a path redirect keeps the query', { path_redirect: '/b' }, request('h:8080', '/a?q=1'), 'redirect 301 http://h:8080/b?q=1'],
    ['a path redirect with a query replaces it', { path_redirect: '/b?x=2', strip_query: true }, request('h', '/a?q=1'), 'redirect 301 http://h/b?x=2'],
    ['strip_query', { strip_query: true }, request('h', '/a?q=1'), 'redirect 301 http://h/a'],
    ['https_redirect drops the http default port', { https_redirect: true }, request('h:80', '/a'), 'redirect 301 https://h/a'],
    ['https_redirect keeps another port', { https_redirect: true }, request('h:8080', '/a'), 'redirect 301 https://h:8080/a'],
    ['port_redirect replaces the port', { port_redirect: 8443, scheme_redirect: 'https' }, request('h:8080', '/a'), 'redirect 301 https://h:8443/a'],
    ['response_code', { path_redirect: '/b', response_code: 'TEMPORARY_REDIRECT' }, request('h', '/a'), 'redirect 307 http://h/b'],
    ['prefix_rewrite of a redirect', { prefix_rewrite: '/new' }, request('h', '/old/x'), 'redirect 301 http://h/new/x'],
  ];
  for (const [name, redirect, req, expected] of redirects) {
    it(name, () => assert.equal(outcome(table([{ match: { prefix: req.path.startsWith('/old') ? '/old' : '/' }, redirect }]), req), expected));
  }

  it('a direct response has its status and the request URI', () => {
    assert.equal(
      outcome(table([{ match: { prefix: '/' }, direct_response: { status: 503 } }]), request('h', '/x', { scheme: 'https' })),
      'direct 503 https://h/x',
    );
  });

  it('no virtual host, or no route, is no decision', () => {
    assert.deepEqual(routeRequest(table([], ['a.com']), request('b.com', '/')), { misses: [] });
    const decision = routeRequest(table([{ match: { path: '/x' }, route: to('c') }], ['a.com']), request('a.com', '/y'));
    assert.equal(decision.host?.name, 'vh');
    assert.equal(decision.route, undefined);
  });
});

// Where Envoy 1.36 (the proxy image's version) decides differently from a
// first reading of its API docs; each case names the Envoy source that
// decides it. When the image's Envoy changes, these are the behaviours to
// check again (docs/routing.md, "Envoy version").
describe('as Envoy 1.36 decides', () => {
  it('matches a prefix against the path without its query and fragment (PathMatcher::match, source/common/common/matchers.cc)', () => {
    const config = table([
      { match: { prefix: '/search?q=' }, route: to('search') },
      { match: { prefix: '/' }, route: to('other') },
    ]);
    assert.equal(outcome(config, request('a', '/search?q=envoy')), 'other');
    assert.equal(outcome(table([{ match: { prefix: '/a#' }, route: to('x') }]), request('a', '/a#frag')), '');
    assert.equal(outcome(table([{ match: { prefix: '/a' }, route: to('x') }]), request('a', '/a?b#c')), 'x');
  });

  it('query present_match false matches an absent parameter, true a present one (QueryParameterMatcher::matches, source/common/router/config_utility.cc)', () => {
    const absent = table([{ match: { prefix: '/', query_parameters: [{ name: 'debug', present_match: false }] }, route: to('plain') }]);
    assert.equal(outcome(absent, request('a', '/x')), 'plain');
    assert.equal(outcome(absent, request('a', '/x?debug')), '');
    assert.equal(outcome(absent, request('a', '/x?debug=1')), '');
    const present = table([{ match: { prefix: '/', query_parameters: [{ name: 'debug', present_match: true }] }, route: to('debug') }]);
    assert.equal(outcome(present, request('a', '/x?debug')), 'debug');
    assert.equal(outcome(present, request('a', '/x')), '');
  });

  it('an empty prefix_rewrite rewrites nothing, for a route and a redirect (currentUrlPathAfterRewriteWithMatchedPath, source/common/router/config_impl.cc)', () => {
    const route = routeRequest(table([{ match: { prefix: '/api' }, route: { cluster: 'c', prefix_rewrite: '' } }]), request('a', '/api/x')).route?.action;
    assert.equal(route?.kind === 'route' ? route.path : undefined, '/api/x');
    const redirect = table([{ match: { prefix: '/api' }, redirect: { prefix_rewrite: '' } }]);
    assert.equal(outcome(redirect, request('a', '/api/x')), 'redirect 301 http://a/api/x');
    const rewritten = routeRequest(table([{ match: { prefix: '/api' }, route: { cluster: 'c', prefix_rewrite: '/' } }]), request('a', '/api/x')).route?.action;
    assert.equal(rewritten?.kind === 'route' ? rewritten.path : undefined, '//x');
  });

  it('ignore_port_in_host_matching drops whatever follows the last colon, outside IPv6 brackets (HeaderUtility::getPortStart, source/common/http/header_utility.cc)', () => {
    const config: RouteTable = {
      ignore_port_in_host_matching: true,
      virtual_hosts: [
        { name: 'h', domains: ['example.com'], routes: [] },
        { name: 'v6', domains: ['[::1]'], routes: [] },
      ],
    };
    for (const authority of ['example.com:8080', 'example.com:', 'example.com:abc']) assert.equal(selectVirtualHost(config, authority)?.name, 'h', authority);
    assert.equal(selectVirtualHost(config, '[::1]')?.name, 'v6');
    assert.equal(selectVirtualHost(config, '[::1]:80')?.name, 'v6');
  });

  it('reads query parameters to the end of the path, a fragment included (QueryParamsMulti::parseQueryString, source/common/http/utility.cc)', () => {
    const config = table([{ match: { prefix: '/', query_parameters: [{ name: 'a', string_match: { exact: '1#frag' } }] }, route: to('with-fragment') }]);
    assert.equal(outcome(config, request('h', '/x?a=1#frag')), 'with-fragment');
  });

  it('a path_redirect keeps the query from its "?" to the end, and no fragment without one; strip_query cuts at "?" only (Utility::newUri, source/common/http/utility.cc)', () => {
    const redirect = (entry: RouteEntry['redirect'], path: string): string => outcome(table([{ match: { prefix: '/' }, redirect: entry }]), request('h', path));
    assert.equal(redirect({ path_redirect: '/new' }, '/old#frag'), 'redirect 301 http://h/new');
    assert.equal(redirect({ path_redirect: '/new' }, '/old?a=1#frag'), 'redirect 301 http://h/new?a=1#frag');
    assert.equal(redirect({ strip_query: true }, '/old#frag'), 'redirect 301 http://h/old#frag');
    assert.equal(redirect({ strip_query: true }, '/old?a=1#frag'), 'redirect 301 http://h/old');
  });
});

describe('grpc match', () => {
  // Grpc::Common::hasGrpcContentType (source/common/grpc/common.cc).
  const config = table([
    { match: { prefix: '/', grpc: {} }, route: to('grpc') },
    { match: { prefix: '/' }, route: to('other') },
  ]);
  const CASES: Array<[string | undefined, string]> = [
    ['application/grpc', 'grpc'],
    ['application/grpc+proto', 'grpc'],
    ['application/grpc-web', 'other'],
    ['application/grpc-web+proto', 'other'],
    ['application/grpcx', 'other'],
    ['application/json', 'other'],
    [undefined, 'other'],
  ];
  for (const [contentType, expected] of CASES) {
    it(`content-type ${contentType ?? '(absent)'} → ${expected}`, () => {
      const headers: Array<readonly [string, string]> = contentType === undefined ? [] : [['content-type', contentType]];
      assert.equal(outcome(config, request('a', '/svc.Method', { method: 'POST', headers })), expected);
    });
  }
});
