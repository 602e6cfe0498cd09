// Envoy's matching rules, one table per rule: which virtual host, which
// route, which cluster, what the upstream request or the redirect looks like.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  routeRequest,
  selectVirtualHost,
  stringMatches,
  whyHeaderFails,
  type RouteEntry,
  type RouteRequest,
  type RouteTable,
} from '../../src/routes/router.js';

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

// What explain --request and route-check print for each route tried before
// the one taken: the words a person reads to fix their match.
describe('why a route did not match', () => {
  const why = (match: RouteEntry['match'], path: string, extra: Partial<RouteRequest> = {}): string | undefined =>
    routeRequest(table([{ match, route: to('c') }]), request('h', path, extra)).misses[0]?.why;

  const ROWS: Array<[string, RouteEntry['match'], string, Partial<RouteRequest>, string]> = [
    ['a prefix', { prefix: '/api' }, '/web?x=1', {}, 'prefix "/api" does not match path "/web"'],
    ['a path', { path: '/a' }, '/b#f', {}, 'path "/a" is not "/b"'],
    ['a regex', { safe_regex: { regex: '/v[0-9]' } }, '/vx?q', {}, 'safe_regex "/v[0-9]" does not match path "/vx"'],
    ['gRPC, without a content-type', { prefix: '/', grpc: {} }, '/', {}, 'grpc: content-type "(absent)" is not application/grpc'],
    [
      'gRPC, with gRPC-Web',
      { prefix: '/', grpc: {} },
      '/',
      { headers: [['content-type', 'application/grpc-web']] },
      'grpc: content-type "application/grpc-web" is not application/grpc',
    ],
    ['a header that must be present', { prefix: '/', headers: [{ name: 'x-debug' }] }, '/', {}, 'header x-debug is absent'],
    [
      'a header that must be absent',
      { prefix: '/', headers: [{ name: 'x-debug', present_match: false }] },
      '/',
      { headers: [['x-debug', '1']] },
      'header x-debug is present',
    ],
    [
      'an inverted presence',
      { prefix: '/', headers: [{ name: 'x-debug', present_match: true, invert_match: true }] },
      '/',
      { headers: [['x-debug', '1']] },
      'header x-debug is present (invert_match)',
    ],
    [
      'a header value',
      { prefix: '/', headers: [{ name: 'x-user', string_match: { exact: 'ann' } }] },
      '/',
      { headers: [['x-user', 'bob']] },
      'header x-user: exact "ann" does not match "bob"',
    ],
    [
      'a header value, ignoring case',
      { prefix: '/', headers: [{ name: 'x-user', string_match: { prefix: 'Ann', ignore_case: true } }] },
      '/',
      { headers: [['x-user', 'bob']] },
      'header x-user: prefix "Ann" (ignore_case) does not match "bob"',
    ],
    [
      'an inverted header value',
      { prefix: '/', headers: [{ name: 'x-user', string_match: { suffix: 'nn' }, invert_match: true }] },
      '/',
      { headers: [['x-user', 'ann']] },
      'header x-user: suffix "nn" matches "ann" (invert_match)',
    ],
    [
      'a header regex',
      { prefix: '/', headers: [{ name: 'x-v', string_match: { safe_regex: { regex: '[0-9]+' } } }] },
      '/',
      { headers: [['x-v', 'a']] },
      'header x-v: safe_regex "[0-9]+" does not match "a"',
    ],
    [
      'a header contains',
      { prefix: '/', headers: [{ name: 'x-v', string_match: { contains: 'bot' } }] },
      '/',
      { headers: [['x-v', 'human']] },
      'header x-v: contains "bot" does not match "human"',
    ],
    [
      'a pseudo-header',
      { prefix: '/', headers: [{ name: ':scheme', string_match: { exact: 'https' } }] },
      '/',
      {},
      'header :scheme: exact "https" does not match "http"',
    ],
    [
      'the authority',
      { prefix: '/', headers: [{ name: ':authority', string_match: { exact: 'x' } }] },
      '/',
      {},
      'header :authority: exact "x" does not match "h"',
    ],
    [
      'x-forwarded-proto',
      { prefix: '/', headers: [{ name: 'x-forwarded-proto', string_match: { exact: 'https' } }] },
      '/',
      {},
      'header x-forwarded-proto: exact "https" does not match "http"',
    ],
    [
      'the path header',
      { prefix: '/', headers: [{ name: ':path', string_match: { exact: '/' } }] },
      '/a?b',
      {},
      'header :path: exact "/" does not match "/a?b"',
    ],
    [
      'a query parameter that is absent',
      { prefix: '/', query_parameters: [{ name: 'v', string_match: { exact: '2' } }] },
      '/?w=2',
      {},
      'query parameter v is absent',
    ],
    [
      'a query parameter value',
      { prefix: '/', query_parameters: [{ name: 'v', string_match: { exact: '2' } }] },
      '/?v=1',
      {},
      'query parameter v: exact "2" does not match "1"',
    ],
    [
      'a query parameter that must be present',
      { prefix: '/', query_parameters: [{ name: 'v', present_match: true }] },
      '/',
      {},
      'query parameter v is absent (present_match: true)',
    ],
    [
      'a query parameter that must be absent',
      { prefix: '/', query_parameters: [{ name: 'v', present_match: false }] },
      '/?v',
      {},
      'query parameter v is present (present_match: false)',
    ],
  ];
  for (const [what, match, path, extra, expected] of ROWS) it(what, () => assert.equal(why(match, path, extra), expected));

  it('names the first condition that fails, in Envoy’s order: path, gRPC, headers, query', () => {
    const match: RouteEntry['match'] = { prefix: '/', grpc: {}, headers: [{ name: 'x-a' }], query_parameters: [{ name: 'q', present_match: true }] };
    assert.equal(why(match, '/'), 'grpc: content-type "(absent)" is not application/grpc');
    assert.equal(why(match, '/', { headers: [['content-type', 'application/grpc']] }), 'header x-a is absent');
    assert.equal(
      why(match, '/', {
        headers: [
          ['content-type', 'application/grpc+proto'],
          ['x-a', ''],
        ],
      }),
      'query parameter q is absent (present_match: true)',
    );
    assert.equal(
      why(match, '/?q', {
        headers: [
          ['content-type', 'application/grpc'],
          ['x-a', ''],
        ],
      }),
      undefined,
    );
  });
});

describe('query parameters as Envoy reads them', () => {
  const value = (path: string, name = 'v'): string | undefined => {
    const decision = routeRequest(
      table([{ match: { prefix: '/', query_parameters: [{ name, string_match: { safe_regex: { regex: '.*' } } }] }, route: to('c') }]),
      request('h', path),
    );
    if (decision.route) return 'matched';
    return decision.misses[0]?.why;
  };
  it('the first of repeated parameters', () => {
    const decision = routeRequest(
      table([{ match: { prefix: '/', query_parameters: [{ name: 'v', string_match: { exact: '1' } }] }, route: to('c') }]),
      request('h', '/?v=1&v=2'),
    );
    assert.ok(decision.route);
    const second = routeRequest(
      table([{ match: { prefix: '/', query_parameters: [{ name: 'v', string_match: { exact: '2' } }] }, route: to('c') }]),
      request('h', '/?v=1&v=2'),
    );
    assert.equal(second.misses[0]?.why, 'query parameter v: exact "2" does not match "1"');
  });
  it('a parameter without "=" has the empty value; empty pairs are skipped', () => {
    assert.equal(value('/?&&v'), 'matched');
    assert.equal(value('/?a=1&&v=', 'v'), 'matched');
    const empty = routeRequest(
      table([{ match: { prefix: '/', query_parameters: [{ name: 'v', string_match: { exact: '' } }] }, route: to('c') }]),
      request('h', '/?v'),
    );
    assert.ok(empty.route);
  });
  it('a value keeps its "=" signs after the first', () => {
    const decision = routeRequest(
      table([{ match: { prefix: '/', query_parameters: [{ name: 't', string_match: { exact: 'a=b' } }] }, route: to('c') }]),
      request('h', '/?t=a=b'),
    );
    assert.ok(decision.route);
  });
  it('no "?" means no parameters, a "?" at the end an empty query', () => {
    assert.equal(value('/'), 'query parameter v is absent');
    assert.equal(value('/?'), 'query parameter v is absent');
  });
  it('a parameter whose name is "=" text before it', () => {
    assert.equal(value('/?=x', ''), 'matched');
  });
});

describe('virtual host choice, in detail', () => {
  it('says which domain matched, and how', () => {
    const config: RouteTable = {
      virtual_hosts: [
        { name: 'all', domains: ['*'], routes: [] },
        { name: 'suffix', domains: ['other.org', '*.example.com'], routes: [] },
        { name: 'exact', domains: ['Api.Example.com'], routes: [] },
        { name: 'prefix', domains: ['api.*'], routes: [] },
      ],
    };
    assert.deepEqual(selectVirtualHost(config, 'api.example.com'), { index: 2, name: 'exact', domain: 'Api.Example.com', how: 'exact' });
    assert.deepEqual(selectVirtualHost(config, 'www.example.com'), { index: 1, name: 'suffix', domain: '*.example.com', how: 'suffix wildcard' });
    assert.deepEqual(selectVirtualHost(config, 'api.example.org'), { index: 3, name: 'prefix', domain: 'api.*', how: 'prefix wildcard' });
    assert.deepEqual(selectVirtualHost(config, 'x'), { index: 0, name: 'all', domain: '*', how: 'catch-all' });
  });

  it('of two wildcards of one kind, the longer wins, and the first of two equal ones', () => {
    const config: RouteTable = {
      virtual_hosts: [
        { name: 'short', domains: ['*.com'], routes: [] },
        { name: 'long', domains: ['*.example.com'], routes: [] },
        { name: 'long-again', domains: ['*.example.com'], routes: [] },
        { name: 'p-long', domains: ['api.example.*'], routes: [] },
        { name: 'p-short', domains: ['api.*'], routes: [] },
      ],
    };
    assert.equal(selectVirtualHost(config, 'a.example.com')?.name, 'long');
    assert.equal(selectVirtualHost(config, 'api.example.org')?.name, 'p-long');
    assert.equal(selectVirtualHost(config, 'api.other.org')?.name, 'p-short');
  });

  it('a prefix wildcard stands for at least one character too', () => {
    assert.equal(selectVirtualHost({ virtual_hosts: [{ name: 'p', domains: ['api.*'], routes: [] }] }, 'api.'), undefined);
    assert.equal(selectVirtualHost({ virtual_hosts: [{ name: 'p', domains: ['api.*'], routes: [] }] }, 'api.x')?.name, 'p');
  });

  it('ignoring ports keeps an IPv6 address whole, and drops its port', () => {
    const config: RouteTable = { ignore_port_in_host_matching: true, virtual_hosts: [{ name: 'v6', domains: ['[::1]'], routes: [] }] };
    assert.equal(selectVirtualHost(config, '[::1]')?.name, 'v6');
    assert.equal(selectVirtualHost(config, '[::1]:8080')?.name, 'v6');
  });
});

describe('redirects, in detail', () => {
  const redirect = (entry: NonNullable<RouteEntry['redirect']>, req: RouteRequest): string =>
    outcome(table([{ match: { prefix: '/' }, redirect: entry }]), req);
  it('every response code', () => {
    const codes = { MOVED_PERMANENTLY: 301, FOUND: 302, SEE_OTHER: 303, TEMPORARY_REDIRECT: 307, PERMANENT_REDIRECT: 308 };
    for (const [name, code] of Object.entries(codes)) assert.equal(redirect({ response_code: name }, request('h', '/a')), `redirect ${code} http://h/a`);
  });
  it('https_redirect from https keeps the port', () => {
    assert.equal(redirect({ https_redirect: true }, request('h:443', '/a', { scheme: 'https' })), 'redirect 301 https://h:443/a');
  });
  it('to http drops the https default port', () => {
    assert.equal(redirect({ scheme_redirect: 'http' }, request('h:443', '/a', { scheme: 'https' })), 'redirect 301 http://h/a');
    assert.equal(redirect({ scheme_redirect: 'http' }, request('h:8443', '/a', { scheme: 'https' })), 'redirect 301 http://h:8443/a');
  });
  it('an IPv6 host keeps its brackets when its port is replaced or dropped', () => {
    assert.equal(redirect({ port_redirect: 8443 }, request('[::1]:8080', '/a')), 'redirect 301 http://[::1]:8443/a');
    assert.equal(redirect({ https_redirect: true }, request('[::1]:80', '/a')), 'redirect 301 https://[::1]/a');
    assert.equal(redirect({ port_redirect: 8443 }, request('[::1]', '/a')), 'redirect 301 http://[::1]:8443/a');
  });
  it('a host without a port gets the new port', () => {
    assert.equal(redirect({ port_redirect: 8080 }, request('h', '/a')), 'redirect 301 http://h:8080/a');
  });
  it('a path_redirect without "/" gets one', () => {
    assert.equal(redirect({ prefix_rewrite: 'x' }, request('h', '/a')), 'redirect 301 http://h/xa');
  });
  it('a direct response keeps the request’s port and query', () => {
    assert.equal(outcome(table([{ match: { prefix: '/' }, direct_response: { status: 200 } }]), request('h:8080', '/a?b')), 'direct 200 http://h:8080/a?b');
  });
});

describe('weighted clusters, in detail', () => {
  it('lists every cluster with its weight and the one chosen', () => {
    const action = routeRequest(
      table([
        {
          match: { prefix: '/' },
          route: {
            weighted_clusters: {
              clusters: [
                { name: 'a', weight: 2 },
                { name: 'b', weight: 3 },
              ],
            },
          },
        },
      ]),
      request('h', '/', { randomValue: 7 }),
    ).route?.action;
    assert.deepEqual(action, {
      kind: 'route',
      cluster: 'b',
      weights: [
        { name: 'a', weight: 2, chosen: false },
        { name: 'b', weight: 3, chosen: true },
      ],
      path: '/',
      authority: 'h',
      timeout: '15s',
      virtualCluster: '',
    });
  });
  it('a single cluster route has no weights', () => {
    const action = routeRequest(table([{ match: { prefix: '/' }, route: to('c') }]), request('h', '/')).route?.action;
    assert.deepEqual(action, { kind: 'route', cluster: 'c', path: '/', authority: 'h', timeout: '15s', virtualCluster: '' });
  });
});

describe('route timeouts', () => {
  const timeoutOf = (route: RouteEntry['route']): string | undefined => {
    const action = routeRequest(table([{ match: { prefix: '/' }, route }]), request('h', '/')).route?.action;
    return action?.kind === 'route' ? action.timeout : undefined;
  };
  it("are Envoy's 15 s when a route sets none (RouteAction.timeout, route_components.proto)", () => assert.equal(timeoutOf(to('c')), '15s'));
  it('are written one way, whatever way they were given', () => {
    assert.equal(timeoutOf({ cluster: 'c', timeout: '0.250s' }), '0.25s');
    assert.equal(timeoutOf({ cluster: 'c', timeout: { seconds: 2, nanos: 5_000_000 } }), '2.005s');
    assert.equal(timeoutOf({ cluster: 'c', timeout: '0s' }), '0s');
  });
});

// runtime_fraction as the pod's proxy decides it
// (ProtobufPercentHelper::evaluateFractionalPercent, source/common/protobuf/utility.cc,
// called through RouteEntryImplBase::evaluateRuntimeMatch, source/common/router/config_impl.cc)
// and as router_check's runtime mock does (docs/root/configuration/operations/tools/router_check.rst).
describe('runtime_fraction', () => {
  const fraction = (numerator: number, denominator?: 'HUNDRED' | 'TEN_THOUSAND' | 'MILLION', runtimeKey = 'canary'): RouteEntry['match'] => ({
    prefix: '/',
    runtime_fraction: { default_value: { numerator, ...(denominator ? { denominator } : {}) }, runtime_key: runtimeKey },
  });
  const config = (match: RouteEntry['match']): RouteTable =>
    table([
      { match, route: to('canary') },
      { match: { prefix: '/' }, route: to('stable') },
    ]);
  const pick = (match: RouteEntry['match'], randomValue: number, routerCheckRuntime?: string): string =>
    outcome(config(match), request('h', '/', { randomValue, ...(routerCheckRuntime === undefined ? {} : { routerCheckRuntime }) }));

  it('the proxy: random value modulo the denominator, under the numerator', () => {
    assert.deepEqual(
      [0, 4, 5, 99, 100, 104, 105].map((v) => pick(fraction(5), v)),
      ['canary', 'canary', 'stable', 'stable', 'canary', 'canary', 'stable'],
    );
    assert.deepEqual(
      [0, 24, 25, 10_000].map((v) => pick(fraction(25, 'TEN_THOUSAND'), v)),
      ['canary', 'canary', 'stable', 'canary'],
    );
    assert.deepEqual(
      [0, 24, 25, 1_000_000].map((v) => pick(fraction(25, 'MILLION'), v)),
      ['canary', 'canary', 'stable', 'canary'],
    );
    assert.equal(pick(fraction(0), 0), 'stable', '0 % takes no request');
    assert.equal(pick(fraction(150), 99), 'canary', 'more than the whole takes every request');
  });

  it('router_check: only the runtime the test names, and a numerator of 0 counts as 1', () => {
    assert.equal(pick(fraction(100), 0, ''), 'stable', 'no runtime named: not taken, whatever its default');
    assert.equal(pick(fraction(100), 0, 'other'), 'stable');
    assert.equal(pick(fraction(100), 0, 'canary'), 'canary');
    assert.equal(pick(fraction(5), 5, 'canary'), 'stable', 'the random value still decides');
    assert.equal(pick(fraction(0), 0, 'canary'), 'canary');
    assert.equal(pick(fraction(0), 1, 'canary'), 'stable');
    assert.equal(pick(fraction(100, 'HUNDRED', ''), 0, ''), 'stable', 'an empty key is never the test runtime');
  });

  it('says why it did not take a request', () => {
    const misses = (match: RouteEntry['match'], randomValue: number, routerCheckRuntime?: string): string | undefined =>
      routeRequest(config(match), request('h', '/', { randomValue, ...(routerCheckRuntime === undefined ? {} : { routerCheckRuntime }) })).misses[0]?.why;
    assert.equal(misses(fraction(5), 7), 'runtime_fraction 5/100: random value 7 draws 7, not under 5');
    assert.equal(misses(fraction(5, 'TEN_THOUSAND'), 10_007), 'runtime_fraction 5/10000: random value 10007 draws 7, not under 5');
    assert.equal(misses(fraction(5), 0, 'other'), 'runtime_fraction: the test does not enable runtime "canary"');
  });
});

// VirtualHostImpl::getRouteFromEntries and CommonVirtualHostImpl::virtualClusterFromEntries,
// source/common/router/config_impl.cc.
describe('require_tls', () => {
  const host = (requireTls: 'NONE' | 'EXTERNAL_ONLY' | 'ALL'): RouteTable => ({
    virtual_hosts: [{ name: 'vh', domains: ['*'], routes: [{ match: { prefix: '/' }, route: to('c') }], require_tls: requireTls }],
  });
  const decide = (config: RouteTable, extra: Partial<RouteRequest>) => routeRequest(config, request('h:8080', '/a?b', extra));
  it('ALL: a plain HTTP request is redirected to https before any route, port and query kept', () => {
    assert.deepEqual(decide(host('ALL'), {}), { host: { index: 0, name: 'vh', domain: '*', how: 'catch-all' }, misses: [], tlsRedirect: 'https://h:8080/a?b' });
    assert.equal(decide(host('ALL'), { scheme: 'https' }).route?.action.kind, 'route');
  });
  it('EXTERNAL_ONLY: only requests not marked internal', () => {
    assert.equal(decide(host('EXTERNAL_ONLY'), {}).tlsRedirect, 'https://h:8080/a?b');
    assert.equal(decide(host('EXTERNAL_ONLY'), { headers: [['x-envoy-internal', 'true']] }).tlsRedirect, undefined);
    assert.equal(decide(host('EXTERNAL_ONLY'), { headers: [['x-envoy-internal', 'yes']] }).tlsRedirect, 'https://h:8080/a?b');
  });
  it('NONE: nothing', () => assert.equal(decide(host('NONE'), {}).tlsRedirect, undefined));
});

describe('virtual clusters', () => {
  const config = (virtualClusters?: NonNullable<RouteTable['virtual_hosts'][number]['virtual_clusters']>): RouteTable => ({
    virtual_hosts: [
      {
        name: 'vh',
        domains: ['*'],
        routes: [
          { match: { path: '/moved' }, redirect: { path_redirect: '/new' } },
          { match: { prefix: '/' }, route: to('c') },
        ],
        ...(virtualClusters ? { virtual_clusters: virtualClusters } : {}),
      },
    ],
  });
  const clusters = [
    {
      name: 'test_get',
      headers: [
        { name: ':path', string_match: { safe_regex: { regex: '^/test/\\d+$' } } },
        { name: ':method', string_match: { exact: 'GET' } },
      ],
    },
    { name: 'any_post', headers: [{ name: ':method', string_match: { exact: 'POST' } }] },
  ];
  const counted = (table: RouteTable, path: string, method = 'GET'): string | undefined => {
    const action = routeRequest(table, request('h', path, { method })).route?.action;
    return action?.kind === 'route' ? action.virtualCluster : undefined;
  };
  it('the first whose headers all match', () => {
    assert.equal(counted(config(clusters), '/test/12'), 'test_get');
    assert.equal(counted(config(clusters), '/test/12', 'POST'), 'any_post');
  });
  it('"other" when none matches, "" when the host has none', () => {
    assert.equal(counted(config(clusters), '/test/x'), 'other');
    assert.equal(counted(config(), '/test/12'), '');
    assert.equal(counted(config([]), '/test/12'), '');
  });
  it('none for a redirect: no route entry counts it', () => {
    assert.equal(routeRequest(config(clusters), request('h', '/moved')).route?.action.kind, 'redirect');
  });
});

// PathSeparatedPrefixRouteEntryImpl::matches and RouteEntryImplBase::currentUrlPathAfterRewriteWithMatchedPath
// (source/common/router/config_impl.cc); RE2::GlobalReplace (re2/re2.cc) for regex_rewrite.
describe('path_separated_prefix', () => {
  const config = table([{ match: { path_separated_prefix: '/api' }, route: { cluster: 'api', prefix_rewrite: '/v2' } }]);
  const routed = (path: string): string | undefined => {
    const action = routeRequest(config, request('h', path)).route?.action;
    return action?.kind === 'route' ? action.path : undefined;
  };
  it('takes the path itself, or followed by "/", query and fragment aside', () => {
    assert.equal(routed('/api'), '/v2');
    assert.equal(routed('/api/users?x=1'), '/v2/users?x=1');
    assert.equal(routed('/api?x=1'), '/v2?x=1');
    assert.equal(routed('/apiv2'), undefined);
    assert.equal(routed('/ap'), undefined);
  });
  it('follows case_sensitive', () => {
    const insensitive = table([{ match: { path_separated_prefix: '/API', case_sensitive: false }, route: to('api') }]);
    assert.equal(outcome(insensitive, request('h', '/api/x')), 'api');
    assert.equal(outcome(table([{ match: { path_separated_prefix: '/API' }, route: to('api') }]), request('h', '/api/x')), '');
  });
  it('says why it did not match', () => {
    assert.equal(routeRequest(config, request('h', '/apiv2')).misses[0]?.why, 'path_separated_prefix "/api" does not match path "/apiv2"');
  });
});

describe('regex_rewrite', () => {
  const rewrite = (regex: string, substitution: string, path: string): string | undefined => {
    const action = routeRequest(
      table([{ match: { prefix: '/' }, route: { cluster: 'c', regex_rewrite: { pattern: { regex }, substitution } } }]),
      request('h', path),
    ).route?.action;
    return action?.kind === 'route' ? action.path : undefined;
  };
  it('replaces every match in the path, keeping the query', () => {
    assert.equal(rewrite('^/service/([^/]+)(/.*)$', '\\2/instance/\\1', '/service/foo/v1/api?x=1'), '/v1/api/instance/foo?x=1');
    assert.equal(rewrite('one', 'two', '/xxx/one/yyy/one/zzz'), '/xxx/two/yyy/two/zzz');
    assert.equal(rewrite('a', 'b', '/none'), '/none');
  });
  it('writes \\0 as the whole match and a doubled backslash as one', () => {
    assert.equal(rewrite('[0-9]+', '<\\0>', '/v12/x3'), '/v<12>/x<3>');
    assert.equal(rewrite('/', '\\\\', '/a/b'), '\\a\\b');
  });
  it('skips an empty match where the last match ended, as RE2 does', () => {
    assert.equal(rewrite('a*', '-', '/baaac'), '-/-b-c-');
  });
  it('rewrites a redirect path too', () => {
    const action = routeRequest(
      table([{ match: { prefix: '/' }, redirect: { regex_rewrite: { pattern: { regex: '^/old' }, substitution: '/new' } } }]),
      request('h', '/old/x?q'),
    ).route?.action;
    assert.equal(action?.kind === 'redirect' ? action.uri : '', 'http://h/new/x?q');
  });
});

describe('edges decided by the Envoy source', () => {
  const rewritten = (pattern: string, substitution: string, path: string): string => {
    const action = routeRequest(
      table([{ match: { prefix: '/' }, route: { cluster: 'c', regex_rewrite: { pattern: { regex: pattern }, substitution } } }]),
      request('h', path),
    ).route?.action;
    return action?.kind === 'route' ? action.path : '';
  };

  it('regex_rewrite replaces as RE2::GlobalReplace: empty matches too, never inside a character', () => {
    // \b first matches empty at 1, after "/": replaced there, not taken for the previous match.
    assert.equal(rewritten('\\b', '-', '/a'), '/-a-');
    // An empty match steps over a whole code point (a surrogate pair in JavaScript), as RE2 steps over UTF-8.
    assert.equal(rewritten('x*', '-', '/😀'), '-/-😀-');
    assert.equal(rewritten('z', '-', '/a'), '/a');
  });

  it('ignore_port_in_host_matching keeps a host without a port whole, and an IPv6 literal', () => {
    const config = (domains: string[]): RouteTable => ({ ignore_port_in_host_matching: true, virtual_hosts: [{ name: 'h', domains, routes: [] }] });
    assert.equal(selectVirtualHost(config(['example.com']), 'example.com')?.name, 'h');
    assert.equal(selectVirtualHost(config(['[::1]']), '[::1]')?.name, 'h');
    assert.equal(selectVirtualHost(config(['[::1]']), '[::1]:8080')?.name, 'h');
    // HeaderUtility::getPortStart: a ':' at 0 is a port start too, leaving no host.
    assert.equal(selectVirtualHost(config([':80']), ':80'), undefined);
  });

  it('case folds ASCII letters only, as absl::EqualsIgnoreCase and AsciiStrToLower do', () => {
    assert.equal(outcome(table([{ match: { prefix: '/Straße', case_sensitive: false }, route: to('c') }]), request('h', '/STRASSE')), '');
    assert.equal(outcome(table([{ match: { prefix: '/Café', case_sensitive: false }, route: to('c') }]), request('h', '/CAFÉ')), '');
    assert.equal(outcome(table([{ match: { prefix: '/Café', case_sensitive: false }, route: to('c') }]), request('h', '/cAfé/x')), 'c');
    const header = (exact: string, value: string): boolean => stringMatches({ exact, ignore_case: true }, value);
    assert.equal(header('É', 'é'), false);
    assert.equal(header('aB', 'Ab'), true);
    assert.equal(stringMatches({ contains: 'İ', ignore_case: true }, 'xi̇x'), false);
  });

  it('a query string is read from its "?" only: a path without one has no parameters', () => {
    assert.equal(outcome(table([{ match: { prefix: '/', query_parameters: [{ name: '/a', present_match: true }] }, route: to('c') }]), request('h', '/a')), '');
    assert.equal(
      outcome(table([{ match: { prefix: '/', query_parameters: [{ name: 'a', string_match: { exact: '' } }] }, route: to('c') }]), request('h', '/x?a')),
      'c',
    );
  });

  it('an empty path_redirect keeps the path; a scheme change drops only the old default port', () => {
    const redirect = (r: NonNullable<RouteEntry['redirect']>, req: RouteRequest): string => outcome(table([{ match: { prefix: '/' }, redirect: r }]), req);
    assert.equal(redirect({ path_redirect: '', host_redirect: 'b' }, request('a', '/x?q')), 'redirect 301 http://b/x?q');
    assert.equal(redirect({ scheme_redirect: 'http' }, request('a:443', '/x', { scheme: 'https' })), 'redirect 301 http://a/x');
    assert.equal(redirect({ scheme_redirect: 'https' }, request('a:443', '/x', { scheme: 'https' })), 'redirect 301 https://a:443/x');
    assert.equal(redirect({ scheme_redirect: 'https' }, request('a:443', '/x')), 'redirect 301 https://a:443/x');
    assert.equal(redirect({ scheme_redirect: 'http' }, request('a:80', '/x', { scheme: 'https' })), 'redirect 301 http://a:80/x');
  });
});

// HeaderUtility's range match (source/common/http/header_utility.cc,
// HeaderDataRangeImpl::matchesHeaders): absl::SimpleAtoi reads the value as an
// int64 (ASCII whitespace around it, a sign, nothing past int64), and the
// range is [start, end).
describe('range_match', () => {
  const RANGE = { start: -5, end: 100 };
  const ROWS: Array<[value: string | undefined, matches: boolean]> = [
    ['-5', true],
    ['99', true],
    ['100', false],
    ['-6', false],
    ['0', true],
    ['+7', true],
    [' 42\t', true],
    ['\n\v\f\r42', true],
    ['4 2', false],
    ['42a', false],
    ['0x10', false],
    ['', false],
    ['1.5', false],
    ['00000000000000000000000042', true],
    ['-0000000000000000000000005', true],
    ['123456789012345678901', false],
    ['9223372036854775808', false],
    ['-9223372036854775809', false],
    [undefined, false],
  ];
  for (const [value, matches] of ROWS) {
    it(`${JSON.stringify(value)} ${matches ? 'is' : 'is not'} in [-5, 100)`, () => {
      assert.equal(whyHeaderFails({ name: 'x-n', range_match: RANGE }, value) === undefined, matches);
      // Inverted, every present value flips; an absent header never matches.
      assert.equal(whyHeaderFails({ name: 'x-n', range_match: RANGE, invert_match: true }, value) === undefined, value !== undefined && !matches);
    });
  }

  it('reads int64 exactly, past what a double holds', () => {
    assert.equal(whyHeaderFails({ name: 'x-n', range_match: { start: 0, end: Number.MAX_SAFE_INTEGER } }, '9007199254740990'), undefined);
    assert.equal(
      whyHeaderFails({ name: 'x-n', range_match: { start: 0, end: Number.MAX_SAFE_INTEGER } }, '9007199254740993'),
      'header x-n: [0, 9007199254740991) does not hold "9007199254740993"',
    );
  });

  it('says why, the value cut short', () => {
    assert.equal(whyHeaderFails({ name: 'x-n', range_match: RANGE }, undefined), 'header x-n is absent');
    assert.equal(whyHeaderFails({ name: 'x-n', range_match: RANGE, invert_match: true }, '7'), 'header x-n: [-5, 100) holds "7" (invert_match)');
    assert.equal(
      whyHeaderFails({ name: 'x-n', range_match: RANGE }, 'x'.repeat(300)),
      `header x-n: [-5, 100) does not hold "${'x'.repeat(60)}"… (300 characters)`,
    );
  });

  it('routes by it', () => {
    const config: RouteTable = {
      virtual_hosts: [
        {
          name: 'vh',
          domains: ['*'],
          routes: [
            { match: { prefix: '/', headers: [{ name: 'x-build', range_match: { start: 100, end: 200 } }] }, route: { cluster: 'new' } },
            { match: { prefix: '/' }, route: { cluster: 'old' } },
          ],
        },
      ],
    };
    const cluster = (build: string): string | undefined => {
      const action = routeRequest(config, { authority: 'a', path: '/', method: 'GET', scheme: 'http', headers: [['x-build', build]], randomValue: 0 }).route
        ?.action;
      return action?.kind === 'route' ? action.cluster : undefined;
    };
    assert.deepEqual(['150', '200', 'abc'].map(cluster), ['new', 'old', 'old']);
  });
});
