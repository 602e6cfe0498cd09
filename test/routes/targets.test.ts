// Route targets (routes/targets.ts): which texts name a Service, which an
// external host (only when the config allows them), and what each refusal
// says; the cluster each becomes, and the warnings on unknown Services.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ServiceLookup } from '../../src/model/lookups.js';
import { clusterName, parseRouteTarget, renderCluster, targetWarning, type RouteTarget } from '../../src/routes/targets.js';

const KNOWN: Record<string, { ports: Array<{ port: number }> }> = {
  'shop/one': { ports: [{ port: 8080 }] },
  'shop/two': { ports: [{ port: 80 }, { port: 443 }] },
  'other/two': { ports: [{ port: 9000 }, { port: 9001 }] },
};
const SERVICES: ServiceLookup = { service: (namespace, name) => KNOWN[`${namespace}/${name}`] };
const options = { podNamespace: 'shop', allowExternalHosts: false, services: SERVICES };
const external = { ...options, allowExternalHosts: true };

const target = (text: string, opts = options): RouteTarget | string => {
  const result = parseRouteTarget(text, opts);
  return result.ok ? result.value : (result.problems[0] ?? '');
};

describe('parseRouteTarget', () => {
  const ROWS: Array<[string, typeof options, RouteTarget | string]> = [
    ['reviews', options, { kind: 'service', name: 'reviews', namespace: 'shop', port: 80, portGiven: false }],
    ['reviews:9080', options, { kind: 'service', name: 'reviews', namespace: 'shop', port: 9080, portGiven: true }],
    ['reviews.bookinfo', options, { kind: 'service', name: 'reviews', namespace: 'bookinfo', port: 80, portGiven: false }],
    ['reviews.bookinfo:9080', options, { kind: 'service', name: 'reviews', namespace: 'bookinfo', port: 9080, portGiven: true }],
    ['one', options, { kind: 'service', name: 'one', namespace: 'shop', port: 8080, portGiven: false }],
    ['two', options, 'service shop/two has several ports (80, 443): name one, e.g. two:80'],
    ['two.other', options, 'service other/two has several ports (9000, 9001): name one, e.g. two.other:9000'],
    ['a'.repeat(63), options, { kind: 'service', name: 'a'.repeat(63), namespace: 'shop', port: 80, portGiven: false }],
    [
      'a'.repeat(64),
      options,
      `"${'a'.repeat(64)}" is not a valid service name (lowercase letters, digits and "-", starting with a letter, at most 63 characters); write svc, svc:port, svc.ns or svc.ns:port`,
    ],
    [
      '9lives',
      options,
      '"9lives" is not a valid service name (lowercase letters, digits and "-", starting with a letter, at most 63 characters); write svc, svc:port, svc.ns or svc.ns:port',
    ],
    [
      'web-',
      options,
      '"web-" is not a valid service name (lowercase letters, digits and "-", starting with a letter, at most 63 characters); write svc, svc:port, svc.ns or svc.ns:port',
    ],
    [
      'Web',
      options,
      '"Web" is not a valid service name (lowercase letters, digits and "-", starting with a letter, at most 63 characters); write svc, svc:port, svc.ns or svc.ns:port',
    ],
    ['web.9shop', options, { kind: 'service', name: 'web', namespace: '9shop', port: 80, portGiven: false }],
    ['web.-shop', options, '"-shop" is not a valid namespace name'],
    ['web.shop-', options, '"shop-" is not a valid namespace name'],
    [`web.${'n'.repeat(64)}`, options, `"${'n'.repeat(64)}" is not a valid namespace name`],
    ['web:0', options, '"0" in "web:0" is not a port number (1-65535); named ports are not supported'],
    ['web:65536', options, '"65536" in "web:65536" is not a port number (1-65535); named ports are not supported'],
    ['web:65535', options, { kind: 'service', name: 'web', namespace: 'shop', port: 65535, portGiven: true }],
    ['web:http', options, '"http" in "web:http" is not a port number (1-65535); named ports are not supported'],
    [
      'api.example.com:443',
      options,
      '"api.example.com:443" is not a Kubernetes service (svc, svc:port, svc.ns or svc.ns:port): raw IPs and hosts outside the cluster are refused unless the injector config sets routes.allowExternalHosts',
    ],
    ['api.example.com:443', external, { kind: 'external', host: 'api.example.com', port: 443 }],
    ['api.example.com', external, 'external host "api.example.com" needs a port, e.g. api.example.com:443'],
    ['api_x.example.com:443', external, '"api_x.example.com" is not a host name'],
    ['10.0.0.1:8080', external, { kind: 'external', host: '10.0.0.1', port: 8080 }],
    ['[2001:db8::1]:8443', external, { kind: 'external', host: '2001:db8::1', port: 8443 }],
    ['2001:db8::1', external, 'external host "2001:db8::1" needs a port, e.g. [2001:db8::1]:443'],
    [
      '10.0.0.1',
      options,
      '"10.0.0.1" is not a Kubernetes service (svc, svc:port, svc.ns or svc.ns:port): raw IPs and hosts outside the cluster are refused unless the injector config sets routes.allowExternalHosts',
    ],
  ];
  for (const [text, opts, expected] of ROWS) {
    it(`${text.slice(0, 30)}${opts.allowExternalHosts ? ' (external hosts allowed)' : ''}`, () => assert.deepEqual(target(text, opts), expected));
  }
});

describe('clusters and warnings', () => {
  it('names and renders a Service cluster and an external one', () => {
    const service: RouteTarget = { kind: 'service', name: 'reviews', namespace: 'shop', port: 9080, portGiven: true };
    assert.equal(clusterName(service), 'reviews.shop:9080');
    const rendered = renderCluster(service, 'cluster.local');
    assert.equal(rendered.type, 'STRICT_DNS');
    assert.match(JSON.stringify(rendered), /"address":"reviews\.shop\.svc\.cluster\.local","port_value":9080/);
    const ip: RouteTarget = { kind: 'external', host: '10.0.0.1', port: 8080 };
    assert.equal(clusterName(ip), 'external:10.0.0.1:8080');
    assert.equal(renderCluster(ip, 'cluster.local').type, 'STATIC');
  });

  it('warns of a Service or a port the cache does not know, and of nothing when it cannot say', () => {
    const given = (name: string, port: number, portGiven = true): RouteTarget => ({ kind: 'service', name, namespace: 'shop', port, portGiven });
    assert.equal(targetWarning(given('missing', 80), SERVICES), 'service shop/missing does not exist (yet): requests routed to it fail with 503 until it does');
    assert.equal(targetWarning(given('missing', 80), { ...SERVICES, partial: true }), undefined);
    assert.equal(targetWarning(given('one', 9999), SERVICES), 'service shop/one has no port 9999 (its ports: 8080)');
    assert.equal(targetWarning(given('one', 9999, false), SERVICES), undefined);
    assert.equal(targetWarning(given('one', 8080), SERVICES), undefined);
    assert.equal(targetWarning(given('one', 8080), undefined), undefined);
    assert.equal(targetWarning({ kind: 'external', host: 'h', port: 1 }, SERVICES), undefined);
  });
});
