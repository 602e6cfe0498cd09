// Domains as Envoy reads them, and the Services a pod's host names mean
// (routes/domains.ts): table tests of each rule.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isShortName, serviceHostNames, serviceOfHost, splitDomain } from '../../src/routes/domains.js';

describe('splitDomain', () => {
  const CASES: Array<[string, ReturnType<typeof splitDomain>]> = [
    ['Example.COM', { host: 'example.com', wildcard: 'none' }],
    ['example.com:8080', { host: 'example.com', port: 8080, wildcard: 'none' }],
    ['example.com:99999', { host: 'example.com', port: 99999, wildcard: 'none' }],
    ['example.com:123456', { host: 'example.com:123456', wildcard: 'none' }],
    ['example.com:80x', { host: 'example.com:80x', wildcard: 'none' }],
    ['example.com:x80', { host: 'example.com:x80', wildcard: 'none' }],
    ['example.com:', { host: 'example.com:', wildcard: 'none' }],
    [':80', { host: ':80', wildcard: 'none' }],
    ['[::1]', { host: '[::1]', wildcard: 'none' }],
    ['[::1]:8080', { host: '[::1]', port: 8080, wildcard: 'none' }],
    ['*', { host: '*', wildcard: 'any' }],
    ['*:80', { host: '*', port: 80, wildcard: 'any' }],
    ['*.example.com', { host: '*.example.com', wildcard: 'suffix' }],
    ['api.*', { host: 'api.*', wildcard: 'prefix' }],
  ];
  for (const [domain, parts] of CASES) it(domain, () => assert.deepEqual(splitDomain(domain), parts));
});

describe('isShortName', () => {
  const CASES: Array<[string, boolean]> = [
    ['reviews', true],
    ['reviews.shop', false],
    ['*', false],
    ['rev*', false],
    ['', false],
  ];
  for (const [host, expected] of CASES) it(`${JSON.stringify(host)} → ${expected}`, () => assert.equal(isShortName(host), expected));
});

describe('serviceOfHost', () => {
  const CASES: Array<[string, ReturnType<typeof serviceOfHost>]> = [
    ['reviews', { name: 'reviews', namespace: 'shop' }],
    ['reviews.bookinfo', { name: 'reviews', namespace: 'bookinfo' }],
    ['reviews.bookinfo.svc', { name: 'reviews', namespace: 'bookinfo' }],
    ['reviews.bookinfo.svc.cluster.local', { name: 'reviews', namespace: 'bookinfo' }],
    ['reviews.bookinfo.svc.other.local', undefined],
    ['reviews.bookinfo.example', undefined],
    // Two labels are always read as svc.ns: a Service "example" of namespace "com".
    ['example.com', { name: 'example', namespace: 'com' }],
    ['*.shop', undefined],
    ['reviews*', undefined],
    ['', undefined],
    ['.shop', undefined],
    ['reviews.', undefined],
    ['reviews..svc', undefined],
  ];
  for (const [host, expected] of CASES) {
    it(`${JSON.stringify(host)} → ${expected ? `${expected.namespace}/${expected.name}` : 'none'}`, () => {
      assert.deepEqual(serviceOfHost(host, 'shop', 'cluster.local'), expected);
    });
  }

  it('names a Service every way a pod can, shortest first', () => {
    assert.deepEqual(serviceHostNames('reviews', 'shop', 'cluster.local'), ['reviews', 'reviews.shop', 'reviews.shop.svc', 'reviews.shop.svc.cluster.local']);
  });
});
