// Header mutations as Envoy applies them (routes/header-mutations.ts): each
// level removes then adds (HeaderParser::evaluateHeaders,
// source/common/router/header_parser.cc), the route first and the route
// configuration last unless most_specific_header_mutations_wins
// (RouteEntryImplBase::getRequestHeaderParsers, source/common/router/config_impl.cc).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { downstreamResponseHeaders, headerValue, upstreamRequestHeaders } from '../../src/routes/header-mutations.js';
import { routeRequest, type HeaderMutations, type HeaderValueOption, type RouteEntry, type RouteRequest, type RouteTable } from '../../src/routes/router.js';

const request = (headers: Array<[string, string]> = [], path = '/a'): RouteRequest => ({
  authority: 'h',
  path,
  method: 'GET',
  scheme: 'http',
  headers,
  randomValue: 0,
});
const add = (key: string, value: string, extra: Partial<HeaderValueOption> = {}): HeaderValueOption => ({ header: { key, value }, ...extra });

function table(route: Partial<RouteEntry>, host: HeaderMutations = {}, top: Partial<RouteTable> = {}): RouteTable {
  return { virtual_hosts: [{ name: 'vh', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'c' }, ...route }], ...host }], ...top };
}

function upstream(config: RouteTable, req: RouteRequest = request()): Array<[string, string]> | undefined {
  return upstreamRequestHeaders(config, routeRequest(config, req), req);
}

const value = (config: RouteTable, name: string, req?: RouteRequest): string | undefined => headerValue(upstream(config, req) ?? [], name);

describe('request header mutations', () => {
  it('add to what the request carries, after the rewrites', () => {
    const config = table({ route: { cluster: 'c', prefix_rewrite: '/b', host_rewrite_literal: 'up' }, request_headers_to_add: [add('x-a', '1')] });
    assert.deepEqual(upstream(config, request([['X-Req', 'r']])), [
      [':authority', 'up'],
      [':path', '/ba'],
      [':method', 'GET'],
      ['x-forwarded-proto', 'http'],
      ['x-req', 'r'],
      ['x-a', '1'],
    ]);
  });

  it('by append_action', () => {
    const req = request([['x-a', 'old']]);
    const with_ = (option: HeaderValueOption): string | undefined => value(table({ request_headers_to_add: [option] }), 'x-a', req);
    assert.equal(with_(add('x-a', 'new')), 'old,new', 'APPEND_IF_EXISTS_OR_ADD by default');
    assert.equal(with_(add('x-a', 'new', { append_action: 'ADD_IF_ABSENT' })), 'old');
    assert.equal(with_(add('x-a', 'new', { append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' })), 'new');
    assert.equal(with_(add('x-a', 'new', { append_action: 'OVERWRITE_IF_EXISTS' })), 'new');
    assert.equal(with_(add('x-a', 'new', { append: false })), 'new', 'the deprecated append: false overwrites');
    assert.equal(with_(add('x-a', 'new', { append: true })), 'old,new');
    const absent = (option: HeaderValueOption): string | undefined => value(table({ request_headers_to_add: [option] }), 'x-a');
    assert.equal(absent(add('x-a', 'new', { append_action: 'ADD_IF_ABSENT' })), 'new');
    assert.equal(absent(add('x-a', 'new', { append_action: 'OVERWRITE_IF_EXISTS' })), undefined);
  });

  it('an empty value is added only with keep_empty_value', () => {
    assert.equal(value(table({ request_headers_to_add: [add('x-e', '')] }), 'x-e'), undefined);
    assert.equal(value(table({ request_headers_to_add: [add('x-e', '', { keep_empty_value: true })] }), 'x-e'), '');
  });

  it('remove before they add, level by level', () => {
    const config = table({ request_headers_to_remove: ['X-A'], request_headers_to_add: [add('x-a', 'route')] }, { request_headers_to_remove: ['x-b'] });
    assert.deepEqual(
      upstream(
        config,
        request([
          ['x-a', 'client'],
          ['x-b', 'client'],
        ]),
      )?.slice(4),
      [['x-a', 'route']],
    );
  });

  it('the route first, the configuration last: the less specific has the last word', () => {
    const overwrite = (v: string): HeaderValueOption[] => [add('x-level', v, { append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' })];
    const config = table(
      { request_headers_to_add: overwrite('route') },
      { request_headers_to_add: overwrite('host') },
      { request_headers_to_add: overwrite('config') },
    );
    assert.equal(value(config, 'x-level'), 'config');
    assert.equal(value({ ...config, most_specific_header_mutations_wins: true }, 'x-level'), 'route');
    // A virtual host removal applies after the route's addition.
    assert.equal(value(table({ request_headers_to_add: [add('x-r', '1')] }, { request_headers_to_remove: ['x-r'] }), 'x-r'), undefined);
  });

  it('evaluate %%, %REQ(...)% and %PROTOCOL%; keep other commands as written', () => {
    const config = table({
      request_headers_to_add: [
        add('x-pct', '100%%'),
        add('x-user', 'u=%REQ(End-User)%'),
        add('x-none', '%REQ(missing)%'),
        add('x-proto', '%PROTOCOL%'),
        add('x-ip', '%DOWNSTREAM_REMOTE_ADDRESS%'),
      ],
    });
    const headers = upstream(config, request([['end-user', 'jason']])) ?? [];
    assert.equal(headerValue(headers, 'x-pct'), '100%');
    assert.equal(headerValue(headers, 'x-user'), 'u=jason');
    assert.equal(headerValue(headers, 'x-none'), undefined, 'empty, so not added');
    assert.equal(headerValue(headers, 'x-proto'), 'HTTP/1.1');
    assert.equal(headerValue(headers, 'x-ip'), '%DOWNSTREAM_REMOTE_ADDRESS%');
  });

  it("read the connection when the request has one: router_check's, 127.0.0.1 port 0 and no local address", () => {
    const config = table({
      request_headers_to_add: [
        add('x-remote', '%DOWNSTREAM_REMOTE_ADDRESS%'),
        add('x-ip', 'ip=%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%'),
        add('x-local', '%DOWNSTREAM_LOCAL_ADDRESS%'),
        add('x-local-ip', '%DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT%', { keep_empty_value: true }),
        add('x-upstream', '%UPSTREAM_REMOTE_ADDRESS%'),
        add('x-host', '%HOSTNAME%'),
        add('x-start', '%START_TIME%'),
      ],
    });
    const connected = { ...request(), connection: { remoteAddress: '127.0.0.1', remotePort: 0 } };
    const headers = upstream(config, connected) ?? [];
    assert.equal(headerValue(headers, 'x-remote'), '127.0.0.1:0');
    assert.equal(headerValue(headers, 'x-ip'), 'ip=127.0.0.1');
    assert.equal(headerValue(headers, 'x-local'), undefined, 'no local address: empty, so not added');
    assert.equal(headerValue(headers, 'x-local-ip'), '', 'empty, kept by keep_empty_value');
    assert.equal(headerValue(headers, 'x-upstream'), undefined, 'no upstream yet');
    assert.equal(headerValue(headers, 'x-host'), '%HOSTNAME%', 'the machine it runs on: not known');
    assert.equal(headerValue(headers, 'x-start'), '%START_TIME%');
    const ipv6 = upstream(table({ request_headers_to_add: [add('x-remote', '%DOWNSTREAM_REMOTE_ADDRESS%')] }), {
      ...request(),
      connection: { remoteAddress: '::1', remotePort: 8080 },
    });
    assert.equal(headerValue(ipv6 ?? [], 'x-remote'), '[::1]:8080');
  });

  it('none for a redirect or no route', () => {
    const redirect: RouteTable = { virtual_hosts: [{ name: 'vh', domains: ['*'], routes: [{ match: { prefix: '/' }, redirect: { path_redirect: '/x' } }] }] };
    assert.equal(upstream(redirect), undefined);
    assert.equal(upstream({ virtual_hosts: [] }), undefined);
  });
});

describe('response header mutations', () => {
  const response = (config: RouteTable, received: Array<[string, string]> = []): Array<[string, string]> | undefined =>
    downstreamResponseHeaders(config, routeRequest(config, request()), request(), received);

  it('apply to what the upstream sent', () => {
    const config = table({ response_headers_to_add: [add('x-served-by', 'v2')], response_headers_to_remove: ['server'] });
    assert.deepEqual(
      response(config, [
        ['Server', 'app'],
        ['content-type', 'text/html'],
      ]),
      [
        ['content-type', 'text/html'],
        ['x-served-by', 'v2'],
      ],
    );
  });

  it('a direct response with a body says its type and length first; an empty body neither', () => {
    const direct = (body: string, mutations: Partial<RouteEntry> = {}): RouteTable => ({
      virtual_hosts: [
        { name: 'vh', domains: ['*'], routes: [{ match: { prefix: '/' }, direct_response: { status: 200, body: { inline_string: body } }, ...mutations }] },
      ],
    });
    assert.deepEqual(response(direct('héllo')), [
      ['content-type', 'text/plain'],
      ['content-length', '6'],
    ]);
    assert.deepEqual(response(direct('')), []);
    assert.equal(
      headerValue(response(direct('x', { response_headers_to_add: [add('content-type', 'application/json')] })) ?? [], 'content-type'),
      'text/plain,application/json',
    );
  });

  it('none without a route', () => assert.equal(response({ virtual_hosts: [] }), undefined));
});
