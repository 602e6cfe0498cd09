// A pod's routing as a whole: which ports are HTTP and why, the domains that
// make "reviews" match "reviews:9080" and "reviews.shop.svc", and the warnings
// for routes that could never apply.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_CONFIG } from '../../src/config/config.js';
import type { JsonObject } from '../../src/model/json.js';
import type { ServiceInfo, ServiceLookup } from '../../src/model/lookups.js';
import { deriveHttpPorts, isHttpServicePort, type HttpPortInputs } from '../../src/routes/http-ports.js';
import { covers, routeWarnings } from '../../src/routes/lint.js';
import type { PlannedHost } from '../../src/routes/overrides.js';
import { resolveRouting } from '../../src/routes/routing.js';
import { addedDomains, renderVirtualHosts } from '../../src/routes/virtual-hosts.js';

const services = (known: Record<string, ServiceInfo>): ServiceLookup => ({ service: (ns, name) => known[`${ns}/${name}`] });

function ports(inputs: Partial<HttpPortInputs>): Array<[number, string[]]> {
  const result = deriveHttpPorts({
    defaults: [80, 8080],
    annotated: undefined,
    targets: [],
    domains: [],
    podNamespace: 'shop',
    clusterDomain: 'cluster.local',
    services: undefined,
    excluded: [],
    ...inputs,
  });
  return result.ports.map((p) => [p.port, p.origins]);
}

describe('HTTP ports of a pod', () => {
  it('are the defaults, the annotation, route targets and explicit domain ports', () => {
    assert.deepEqual(
      ports({
        annotated: { ports: [9090], origin: 'annotation envoy-injector.io/http-ports' },
        targets: [{ kind: 'service', name: 'reviews-v1', namespace: 'shop', port: 9080, portGiven: true }],
        domains: ['checkout.shop:7070', 'example.com'],
      }),
      [
        [80, ['config proxy.outboundHttpPorts']],
        [7070, ['route domain checkout.shop:7070']],
        [8080, ['config proxy.outboundHttpPorts']],
        [9080, ['route target reviews-v1.shop:9080']],
        [9090, ['annotation envoy-injector.io/http-ports']],
      ],
    );
  });

  it('take the ports a named Service says are HTTP, or its only port unless it says otherwise', () => {
    const lookup = services({
      'shop/reviews': {
        ports: [
          { port: 9080, name: 'http' },
          { port: 9443, name: 'https' },
        ],
      },
      'shop/cart': {
        ports: [
          { port: 7070, name: 'grpc-cart' },
          { port: 7071, name: 'metrics' },
        ],
      },
      'shop/currency': {
        ports: [
          { port: 7000, appProtocol: 'kubernetes.io/h2c' },
          { port: 7001, appProtocol: 'tcp' },
        ],
      },
      'shop/ads': { ports: [{ port: 9555 }] },
      'shop/db': { ports: [{ port: 5432, name: 'tcp-postgres' }] },
      'other/payments': { ports: [{ port: 50051, appProtocol: 'grpc' }] },
    });
    const found = ports({
      services: lookup,
      defaults: [],
      domains: ['reviews', 'cart.shop.svc', 'currency.shop.svc.cluster.local', 'ads', 'db', 'payments.other'],
    });
    assert.deepEqual(
      found.map(([port]) => port),
      [7000, 7070, 9080, 9555, 50051],
    );
    assert.deepEqual(found.find(([port]) => port === 9555)?.[1], ['service shop/ads port 9555 (its only port)']);
    assert.deepEqual(found.find(([port]) => port === 7000)?.[1], ['service shop/currency port 7000 (appProtocol kubernetes.io/h2c)']);
    const viaTarget = ports({
      services: lookup,
      defaults: [],
      targets: [{ kind: 'service', name: 'payments', namespace: 'other', port: 50051, portGiven: false }],
    });
    assert.deepEqual(viaTarget, [[50051, ['route target payments.other:50051', 'service other/payments port 50051 (appProtocol grpc)']]]);
  });

  it('leave out excluded and proxy ports, with a warning unless the port is a default', () => {
    const result = deriveHttpPorts({
      defaults: [80, 8080],
      annotated: { ports: [9090], origin: 'annotation envoy-injector.io/http-ports' },
      targets: [{ kind: 'service', name: 'x', namespace: 'shop', port: 15001, portGiven: true }],
      domains: [],
      podNamespace: 'shop',
      clusterDomain: 'cluster.local',
      services: undefined,
      excluded: [9090, 8080],
    });
    assert.deepEqual(
      result.ports.map((p) => p.port),
      [80],
    );
    assert.deepEqual(result.warnings, [
      'port 9090 (annotation envoy-injector.io/http-ports) is not routed as HTTP: envoy-injector.io/exclude-outbound-ports keeps it out of the proxy, so routes for it never apply',
      "port 15001 (route target x.shop:15001) is not routed as HTTP: it is one of the proxy's own ports, so routes for it never apply",
    ]);
  });
});

describe('what a Service port says it carries', () => {
  const CASES: Array<[ServiceInfo['ports'][number], boolean]> = [
    [{ port: 1, name: 'http' }, true],
    [{ port: 1, name: 'http2' }, true],
    [{ port: 1, name: 'grpc' }, true],
    [{ port: 1, name: 'grpc-web' }, true],
    [{ port: 1, name: 'h2c' }, true],
    [{ port: 1, name: 'HTTP-api' }, true],
    [{ port: 1, name: 'https' }, false],
    [{ port: 1, name: 'web' }, false],
    [{ port: 1, name: 'api-http' }, false],
    [{ port: 1 }, false],
    [{ port: 1, appProtocol: 'HTTP2' }, true],
    [{ port: 1, appProtocol: 'kubernetes.io/h2c' }, true],
    [{ port: 1, appProtocol: 'kubernetes.io/ws' }, false],
    // appProtocol, when set, is the Service's word: the name no longer counts.
    [{ port: 1, name: 'http', appProtocol: 'tcp' }, false],
  ];
  for (const [port, http] of CASES) it(`${JSON.stringify(port)} → ${http ? 'HTTP' : 'not HTTP'}`, () => assert.equal(isHttpServicePort(port), http));
});

describe('why a port is HTTP, as explain says it', () => {
  const lookup = services({
    'shop/web': { ports: [{ port: 8000, name: 'web' }] },
    'shop/bare': { ports: [{ port: 8001 }] },
    'shop/redis': { ports: [{ port: 6379, name: 'redis' }] },
    'shop/cache': { ports: [{ port: 11211, appProtocol: 'memcache' }] },
    'shop/tls': { ports: [{ port: 443, name: 'tls' }] },
  });

  it("names a Service's only port by its name, or says it is the only one", () => {
    assert.deepEqual(ports({ services: lookup, defaults: [], domains: ['web', 'bare'] }), [
      [8000, ['service shop/web port 8000 (named web)']],
      [8001, ['service shop/bare port 8001 (its only port)']],
    ]);
  });

  it("leaves out a Service's only port when its name or appProtocol says another protocol", () => {
    assert.deepEqual(ports({ services: lookup, defaults: [], domains: ['redis', 'cache', 'tls'] }), []);
  });

  it('keeps each origin once, and at most eight of them', () => {
    const domains = Array.from({ length: 12 }, (_, i) => `host${i}.example.com:9000`);
    const found = ports({ defaults: [], domains: [...domains, 'host0.example.com:9000'] });
    assert.deepEqual(found, [[9000, domains.slice(0, 8).map((d) => `route domain ${d}`)]]);
  });

  it('says where an annotated port came from, and leaves external targets to their own ports', () => {
    assert.deepEqual(
      ports({
        defaults: [],
        annotated: { ports: [9090], origin: 'annotation envoy-injector.io/http-ports of namespace shop' },
        targets: [{ kind: 'external', host: 'api.example.com', port: 8443 }],
      }),
      [[9090, ['annotation envoy-injector.io/http-ports of namespace shop']]],
    );
  });

  it('lists every origin of an excluded port in its warning', () => {
    const result = deriveHttpPorts({
      defaults: [],
      annotated: { ports: [9090], origin: 'annotation envoy-injector.io/http-ports' },
      targets: [],
      domains: ['api.example.com:9090'],
      podNamespace: 'shop',
      clusterDomain: 'cluster.local',
      services: undefined,
      excluded: [9090],
    });
    assert.deepEqual(result.warnings, [
      'port 9090 (annotation envoy-injector.io/http-ports, route domain api.example.com:9090) is not routed as HTTP: envoy-injector.io/exclude-outbound-ports keeps it out of the proxy, so routes for it never apply',
    ]);
  });
});

describe('domains as users mean them', () => {
  const context = { httpPorts: [80, 9080], podNamespace: 'shop', clusterDomain: 'cluster.local' };

  it('a Service short name gets its other names, and every name the HTTP ports', () => {
    assert.deepEqual(addedDomains('reviews', context), [
      'reviews:80',
      'reviews:9080',
      'reviews.shop',
      'reviews.shop:80',
      'reviews.shop:9080',
      'reviews.shop.svc',
      'reviews.shop.svc:80',
      'reviews.shop.svc:9080',
      'reviews.shop.svc.cluster.local',
      'reviews.shop.svc.cluster.local:80',
      'reviews.shop.svc.cluster.local:9080',
    ]);
  });

  it('a domain with a port matches that port only; wildcards keep their meaning', () => {
    assert.deepEqual(addedDomains('api.example.com:8443', context), []);
    assert.deepEqual(addedDomains('Example.COM', context), ['example.com:80', 'example.com:9080']);
    assert.deepEqual(addedDomains('*.example.com', context), ['*.example.com:80', '*.example.com:9080']);
    assert.deepEqual(addedDomains('example.*', context), [], 'a prefix wildcard already matches any port');
    assert.deepEqual(addedDomains('*', context), []);
  });

  it('an explicit domain wins over an added one, and the clash is said', () => {
    const host = (name: string, domains: string[]): PlannedHost => ({ name, domains, routes: [], origin: `envoy-injector.io/routes virtual_hosts[${name}]` });
    const { virtualHosts, warnings } = renderVirtualHosts([host('short', ['reviews']), host('full', ['reviews.shop.svc.cluster.local'])], context);
    const [short, full] = virtualHosts as Array<JsonObject & { domains: string[] }>;
    assert.ok(!short?.domains.includes('reviews.shop.svc.cluster.local'));
    assert.ok(full?.domains.includes('reviews.shop.svc.cluster.local:9080'));
    assert.deepEqual(warnings, [
      'envoy-injector.io/routes virtual_hosts[short] (short) and envoy-injector.io/routes virtual_hosts[full] (full) both claim "reviews.shop.svc.cluster.local", "reviews.shop.svc.cluster.local:80", "reviews.shop.svc.cluster.local:9080": requests for it go to full',
    ]);
  });

  it('names three of the names two hosts claim, and counts the rest', () => {
    const host = (name: string, domains: string[]): PlannedHost => ({ name, domains, routes: [], origin: `vh ${name}` });
    const wide = { ...context, httpPorts: [80, 8080, 9080] };
    const { virtualHosts, warnings } = renderVirtualHosts([host('short', ['reviews']), host('ns', ['reviews.shop'])], wide);
    assert.deepEqual(virtualHosts, [
      {
        name: 'short',
        routes: [],
        domains: [
          'reviews',
          'reviews:80',
          'reviews:8080',
          'reviews:9080',
          'reviews.shop.svc',
          'reviews.shop.svc:80',
          'reviews.shop.svc:8080',
          'reviews.shop.svc:9080',
          'reviews.shop.svc.cluster.local',
          'reviews.shop.svc.cluster.local:80',
          'reviews.shop.svc.cluster.local:8080',
          'reviews.shop.svc.cluster.local:9080',
        ],
      },
      { name: 'ns', routes: [], domains: ['reviews.shop', 'reviews.shop:80', 'reviews.shop:8080', 'reviews.shop:9080'] },
    ]);
    assert.deepEqual(warnings, [
      'vh short (short) and vh ns (ns) both claim "reviews.shop", "reviews.shop:80", "reviews.shop:8080" and 1 more: requests for it go to ns',
    ]);
  });

  it("says nothing when no two hosts claim a name, and keeps a host's own names once", () => {
    const host = (name: string, domains: string[]): PlannedHost => ({ name, domains, routes: [], origin: `vh ${name}` });
    const { virtualHosts, warnings } = renderVirtualHosts([host('a', ['a.example.com', 'a.example.com:80'])], context);
    assert.deepEqual(warnings, []);
    assert.deepEqual((virtualHosts[0] as { domains: string[] }).domains, ['a.example.com', 'a.example.com:80', 'a.example.com:9080']);
  });
});

describe('routing too large for a pod', () => {
  // 2,000 short names, each under four names on three ports: about 460 KB.
  const domains = Array.from({ length: 2000 }, (_, i) => `s${i}`);
  const text = `virtual_hosts:\n- name: big\n  domains: ${JSON.stringify(domains)}\n  routes:\n  - match: { prefix: "/" }\n    route: { cluster: "a" }\n`;
  const context = { namespace: 'shop', config: DEFAULT_CONFIG };

  it("is refused before it is rendered, with its numbers, at the pod's annotation", () => {
    const result = resolveRouting({ pod: { annotation: 'envoy-injector.io/routes', value: text, from: 'pod' } }, context, {
      annotated: undefined,
      excluded: [],
    });
    assert.ok(!result.ok);
    assert.equal(result.problems.length, 1);
    assert.equal(result.problems[0]?.annotation, 'envoy-injector.io/routes');
    assert.equal(result.problems[0]?.from, 'pod');
    assert.match(result.problems[0]?.message ?? '', /^would render 24000 domain entries \([0-9.]+ KiB/);
  });

  it("names the namespace's default when the routes came from there", () => {
    const result = resolveRouting({ namespace: { annotation: 'envoy-injector.io/routes', value: text, from: 'namespace' } }, context, {
      annotated: undefined,
      excluded: [],
    });
    assert.ok(!result.ok);
    assert.equal(result.problems[0]?.from, 'namespace');
    assert.match(result.problems[0]?.message ?? '', /^would render/);
  });
});

describe('routes that can never apply', () => {
  const match = (
    kind: 'prefix' | 'path' | 'safe_regex' | 'path_separated_prefix',
    value: string,
    extra: { caseSensitive?: boolean; conditions?: string[] } = {},
  ) => ({
    kind,
    value,
    caseSensitive: extra.caseSensitive ?? true,
    conditions: extra.conditions ?? [],
  });
  const table: Array<[string, ReturnType<typeof match>, ReturnType<typeof match>, boolean]> = [
    ['prefix / covers everything', match('prefix', '/'), match('safe_regex', '/x.*'), true],
    ['a shorter prefix covers a longer one', match('prefix', '/api'), match('prefix', '/api/v1'), true],
    ['a prefix is a string prefix, not a path segment', match('prefix', '/api'), match('path', '/apiv2'), true],
    ['a longer prefix does not cover a shorter one', match('prefix', '/api/v1'), match('prefix', '/api'), false],
    ['an exact path covers the same path only', match('path', '/a'), match('prefix', '/a'), false],
    ['the same exact path', match('path', '/a'), match('path', '/a'), true],
    ['a header condition narrows the earlier route', match('prefix', '/', { conditions: ['h'] }), match('prefix', '/x'), false],
    ['the same condition on both', match('prefix', '/', { conditions: ['h'] }), match('prefix', '/x', { conditions: ['h', 'q'] }), true],
    ['case-insensitive later reaches other spellings', match('prefix', '/api'), match('prefix', '/api/v1', { caseSensitive: false }), false],
    ['case-insensitive earlier covers any spelling', match('prefix', '/API', { caseSensitive: false }), match('path', '/api/x'), true],
    ['regexes are compared as written', match('safe_regex', '/v[0-9]+'), match('safe_regex', '/v[0-9]+'), true],
    ['a regex never claims a prefix', match('safe_regex', '.*'), match('prefix', '/x'), false],
    ['a regex never claims a path', match('safe_regex', '/x'), match('path', '/x'), false],
    ['another regex is not covered', match('safe_regex', '/v[0-9]+'), match('safe_regex', '/v[0-9]*'), false],
    ['a prefix never claims a regex', match('prefix', '/v'), match('safe_regex', '/v1'), false],
    ['the empty prefix covers everything', match('prefix', ''), match('safe_regex', 'x'), true],
    ['a case-insensitive later match of a prefix without letters', match('prefix', '/1'), match('prefix', '/12', { caseSensitive: false }), true],
    ['a case-insensitive path covers the same path in any case', match('path', '/A', { caseSensitive: false }), match('path', '/a'), true],
    ['a case-sensitive path does not cover another spelling', match('path', '/A'), match('path', '/a'), false],
    ['a case-sensitive prefix does not cover another spelling', match('prefix', '/A'), match('prefix', '/a/b'), false],
    ['a prefix covers a path-separated prefix it starts', match('prefix', '/ap'), match('path_separated_prefix', '/api'), true],
    ['a path does not cover a path-separated prefix', match('path', '/api'), match('path_separated_prefix', '/api'), false],
    ['a path-separated prefix covers its own path', match('path_separated_prefix', '/api'), match('path', '/api'), true],
    ['…and the paths under it', match('path_separated_prefix', '/api'), match('path', '/api/v1'), true],
    ['…and the same path-separated prefix', match('path_separated_prefix', '/api'), match('path_separated_prefix', '/api'), true],
    ['…not a path that only starts like it', match('path_separated_prefix', '/api'), match('path', '/apiv2'), false],
    ['…not the prefix of its own text', match('path_separated_prefix', '/api'), match('prefix', '/api'), false],
    ['…a prefix under it', match('path_separated_prefix', '/api'), match('prefix', '/api/v'), true],
  ];
  for (const [name, earlier, later, expected] of table) it(name, () => assert.equal(covers(earlier, later), expected));

  it('warns about a shadowed route and a virtual host no HTTP port reaches', () => {
    const routes: JsonObject[] = [
      { match: { prefix: '/' }, route: { cluster: 'a' } },
      { match: { prefix: '/api' }, route: { cluster: 'b' } },
    ];
    const hosts: PlannedHost[] = [
      { name: 'web', domains: ['web'], routes, origin: 'envoy-injector.io/routes virtual_hosts[0]' },
      { name: 'db', domains: ['db', 'db.other:9999'], routes: [], origin: 'envoy-injector.io/routes virtual_hosts[1]' },
    ];
    const lookup = services({ 'shop/db': { ports: [{ port: 5432, name: 'tcp-postgres' }] } });
    assert.deepEqual(routeWarnings(hosts, { httpPorts: [80, 8080], podNamespace: 'shop', clusterDomain: 'cluster.local', services: lookup }), [
      'envoy-injector.io/routes virtual_hosts[0].routes[1] (prefix "/api") can never match: routes[0] (prefix "/") comes first and matches every request it would',
      'envoy-injector.io/routes virtual_hosts[1] (db) is never consulted: service shop/db has ports 5432 (tcp-postgres), none routed as HTTP (add one to envoy-injector.io/http-ports, or give it appProtocol: http or a name http-*); port 9999 of "db.other:9999" is not routed as HTTP',
    ]);
  });

  it('reads each route’s match as written: its kind, its case and its conditions; names the first route that covers', () => {
    const host = (routes: JsonObject[]): PlannedHost[] => [{ name: 'web', domains: ['web'], routes, origin: 'r' }];
    const context = { httpPorts: [80], podNamespace: 'shop', clusterDomain: 'cluster.local', services: undefined };
    const routes: JsonObject[] = [
      {
        match: { prefix: '/API', case_sensitive: false, headers: [{ name: 'x-a' }], query_parameters: [{ name: 'q', present_match: true }] },
        route: { cluster: 'a' },
      },
      { match: { safe_regex: { regex: '/v[0-9]' } }, route: { cluster: 'a' } },
      { match: { prefix: '/' }, route: { cluster: 'a' } },
      { match: { path: '/api/x', headers: [{ name: 'x-a' }], query_parameters: [{ name: 'q', present_match: true }] }, route: { cluster: 'b' } },
      { match: { safe_regex: { regex: '/v[0-9]' } }, route: { cluster: 'b' } },
      { match: { path: '/x' }, route: { cluster: 'b' } },
      { match: 'not a match', route: { cluster: 'b' } },
    ];
    assert.deepEqual(routeWarnings(host(routes), context), [
      'r.routes[3] (path "/api/x" with 2 condition(s) besides the path) can never match: routes[0] (prefix "/API" with 2 condition(s) besides the path) comes first and matches every request it would',
      'r.routes[4] (safe_regex "/v[0-9]") can never match: routes[1] (safe_regex "/v[0-9]") comes first and matches every request it would',
      'r.routes[5] (path "/x") can never match: routes[2] (prefix "/") comes first and matches every request it would',
    ]);
  });

  it('a route taken by a share of requests shadows nothing, unless the later one has the same share', () => {
    const host = (routes: JsonObject[]): PlannedHost[] => [{ name: 'web', domains: ['web'], routes, origin: 'r' }];
    const context = { httpPorts: [80], podNamespace: 'shop', clusterDomain: 'cluster.local', services: undefined };
    const canary = { default_value: { numerator: 5 }, runtime_key: 'canary' };
    assert.deepEqual(
      routeWarnings(
        host([
          { match: { prefix: '/', runtime_fraction: canary }, route: { cluster: 'v2' } },
          { match: { prefix: '/' }, route: { cluster: 'v1' } },
        ]),
        context,
      ),
      [],
    );
    assert.equal(
      routeWarnings(
        host([
          { match: { prefix: '/', runtime_fraction: canary }, route: { cluster: 'v2' } },
          { match: { prefix: '/x', runtime_fraction: canary }, route: { cluster: 'v1' } },
        ]),
        context,
      ).length,
      1,
    );
  });

  it('a host that requires TLS: every plain request of the pod is redirected', () => {
    const context = { httpPorts: [80], podNamespace: 'shop', clusterDomain: 'cluster.local', services: undefined };
    const host = (requireTls: string): PlannedHost[] => [{ name: 'api', domains: ['api'], routes: [], origin: 'vh', settings: { require_tls: requireTls } }];
    assert.deepEqual(routeWarnings(host('ALL'), context), [
      "vh (api) has require_tls ALL: the pod's requests reach its proxy as plain HTTP, so each is redirected to https instead of routed",
    ]);
    assert.deepEqual(routeWarnings(host('EXTERNAL_ONLY'), context), [
      "vh (api) has require_tls EXTERNAL_ONLY: the pod's requests reach its proxy as plain HTTP, so each is redirected to https (unless it carries x-envoy-internal: true) instead of routed",
    ]);
    assert.deepEqual(routeWarnings(host('NONE'), context), []);
  });

  it('a virtual host no port reaches: no HTTP port at all, or a Service with unnamed ports or none', () => {
    const hosts: PlannedHost[] = [{ name: 'db', domains: ['db'], routes: [], origin: 'vh' }];
    assert.deepEqual(routeWarnings(hosts, { httpPorts: [], podNamespace: 'shop', clusterDomain: 'cluster.local', services: undefined }), [
      'vh (db) is never consulted: the pod routes no port as HTTP',
    ]);
    const unnamed = services({ 'shop/db': { ports: [{ port: 5432 }, { port: 5433 }] } });
    assert.deepEqual(routeWarnings(hosts, { httpPorts: [80], podNamespace: 'shop', clusterDomain: 'cluster.local', services: unnamed }), [
      'vh (db) is never consulted: service shop/db has ports 5432, 5433, none routed as HTTP (add one to envoy-injector.io/http-ports, or give it appProtocol: http or a name http-*)',
    ]);
    const none = services({ 'shop/db': { ports: [] } });
    assert.match(
      routeWarnings(hosts, { httpPorts: [80], podNamespace: 'shop', clusterDomain: 'cluster.local', services: none })[0] ?? '',
      /has ports none, none routed/,
    );
    const routed = services({ 'shop/db': { ports: [{ port: 5432 }, { port: 80 }] } });
    assert.deepEqual(routeWarnings(hosts, { httpPorts: [80], podNamespace: 'shop', clusterDomain: 'cluster.local', services: routed }), []);
  });

  it('one reachable domain is enough for a virtual host', () => {
    const hosts: PlannedHost[] = [{ name: 'web', domains: ['web:9999', 'web.example.com:80'], routes: [], origin: 'vh' }];
    assert.deepEqual(routeWarnings(hosts, { httpPorts: [80], podNamespace: 'shop', clusterDomain: 'cluster.local', services: undefined }), []);
  });

  it('an earlier gRPC-only route shadows only later gRPC-only routes', () => {
    const host = (routes: JsonObject[]): PlannedHost[] => [{ name: 'web', domains: ['web'], routes, origin: 'r' }];
    const context = { httpPorts: [80], podNamespace: 'shop', clusterDomain: 'cluster.local', services: undefined };
    const grpcFirst: JsonObject[] = [
      { match: { prefix: '/', grpc: {} }, route: { cluster: 'a' } },
      { match: { prefix: '/x' }, route: { cluster: 'b' } },
    ];
    assert.deepEqual(routeWarnings(host(grpcFirst), context), []);
    const bothGrpc: JsonObject[] = [
      { match: { prefix: '/', grpc: {} }, route: { cluster: 'a' } },
      { match: { prefix: '/x', grpc: {} }, route: { cluster: 'b' } },
    ];
    assert.equal(routeWarnings(host(bothGrpc), context).length, 1);
  });

  it('reaches the pod: the warnings come back from resolveRouting', () => {
    const text =
      'virtual_hosts:\n- name: web\n  domains: ["web"]\n  routes:\n  - match: { prefix: "/" }\n    route: { cluster: "a" }\n  - match: { path: "/x" }\n    route: { cluster: "b" }\n';
    const result = resolveRouting(
      { pod: { annotation: 'envoy-injector.io/routes', value: text, from: 'pod' } },
      { namespace: 'shop', config: DEFAULT_CONFIG },
      { annotated: undefined, excluded: [] },
    );
    assert.ok(result.ok);
    assert.equal(result.value.warnings.length, 1);
    assert.match(result.value.warnings[0] ?? '', /routes\[1\] \(path "\/x"\) can never match/);
  });
});
