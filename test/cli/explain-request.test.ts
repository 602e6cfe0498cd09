// explain --request, in process: the lines that say which route one request
// takes through a pod's proxy, and why.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { explainOneRequest, parseRequestFlag } from '../../src/cli/explain-request.js';
import { DEFAULT_CONFIG } from '../../src/config/config.js';

const OPTIONS = { config: DEFAULT_CONFIG, defaultNamespace: 'shop' };

const pod = (routes: string): string =>
  `apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  annotations:\n    envoy-injector.io/routes: |\n${routes
    .split('\n')
    .map((line) => `      ${line}`)
    .join('\n')}\nspec:\n  containers:\n  - name: app\n    image: app\n`;

const CANARY = `virtual_hosts:
- name: reviews
  domains: ["reviews"]
  routes:
  - match: { prefix: "/", runtime_fraction: { runtime_key: "reviews.canary", default_value: { numerator: 5 } } }
    route: { cluster: "reviews-v2", timeout: 2.5s }
  - match: { prefix: "/" }
    route: { cluster: "reviews-v1" }`;

describe('explain --request', () => {
  it('says the share a runtime_fraction route takes, and the upstream timeout', () => {
    const text = explainOneRequest(pod(CANARY), OPTIONS, parseRequestFlag('GET http://reviews/x', []), 'text');
    assert.match(text, /routes\[0\] matched: /);
    assert.match(
      text,
      /runtime_fraction: the route takes 5 in 100 requests \(5%\), unless runtime "reviews\.canary" is set on the proxy: this trace drew random value 0/,
    );
    assert.match(text, /cluster reviews-v2\.shop:80\n/);
    assert.match(text, /upstream request: path \/x, authority reviews, timeout 2\.5s\n/);
  });

  it('gives a route without a timeout Envoy’s 15 s', () => {
    const text = explainOneRequest(
      pod(CANARY.replace(', timeout: 2.5s', '').replace('numerator: 5', 'numerator: 0')),
      OPTIONS,
      parseRequestFlag('GET http://reviews/x', []),
      'text',
    );
    assert.match(text, /routes\[0\] did not match: runtime_fraction 0\/100: random value 0 draws 0, not under 0/);
    assert.match(text, /upstream request: path \/x, authority reviews, timeout 15s\n/);
  });
});

describe('explain --request, per virtual host', () => {
  const HOST = `virtual_hosts:
- name: api
  domains: ["api"]
  require_tls: EXTERNAL_ONLY
  virtual_clusters:
  - name: orders
    headers: [{ name: ":path", string_match: { prefix: "/orders" } }]
  routes:
  - match: { prefix: "/" }
    route: { cluster: "api" }`;

  it('says a plain request to a host that requires TLS is redirected before any route', () => {
    const text = explainOneRequest(pod(HOST), OPTIONS, parseRequestFlag('GET http://api/orders/1', []), 'text');
    assert.match(
      text,
      /the virtual host requires TLS \(require_tls\) and the request is plain HTTP: Envoy redirects it to https:\/\/api\/orders\/1 \(301\) before any route\n/,
    );
    assert.doesNotMatch(text, /routes\[0\]/);
  });

  it('names the virtual cluster that counts the request', () => {
    const internal = explainOneRequest(pod(HOST), OPTIONS, parseRequestFlag('GET http://api/orders/1', ['x-envoy-internal: true']), 'text');
    assert.match(internal, /counted under virtual cluster "orders"\n/);
    const other = explainOneRequest(pod(HOST), OPTIONS, parseRequestFlag('GET http://api/users', ['x-envoy-internal: true']), 'text');
    assert.match(other, /counted under virtual cluster "other"\n/);
  });
});

describe('explain --request, header mutations', () => {
  it('says which request headers the route adds and removes upstream', () => {
    const routes = `virtual_hosts:
- name: api
  domains: ["api"]
  request_headers_to_add: [{ header: { key: x-mesh, value: envoy-injector } }]
  routes:
  - match: { prefix: "/" }
    route: { cluster: "api" }
    request_headers_to_remove: [x-debug]
    request_headers_to_add: [{ header: { key: x-user, value: "%REQ(end-user)%" } }]`;
    const text = explainOneRequest(pod(routes), OPTIONS, parseRequestFlag('GET http://api/', ['end-user: jason', 'x-debug: 1']), 'text');
    assert.match(text, /request headers added upstream: x-user: jason; x-mesh: envoy-injector\n/);
    assert.match(text, /request headers removed upstream: x-debug: 1\n/);
  });

  it('says nothing when the headers go upstream as they came', () => {
    const text = explainOneRequest(pod(CANARY), OPTIONS, parseRequestFlag('GET http://reviews/x', ['end-user: jason']), 'text');
    assert.doesNotMatch(text, /request headers/);
  });
});

describe('explain --request, mirrors and affinity', () => {
  it('says where a copy goes, for which share, and the hash keys', () => {
    const routes = `virtual_hosts:
- name: api
  domains: ["api"]
  routes:
  - match: { prefix: "/" }
    route:
      cluster: api
      request_mirror_policies: [{ cluster: api-v2, runtime_fraction: { default_value: { numerator: 10 } } }, { cluster: audit }]
      hash_policy: [{ header: { header_name: x-user } }]`;
    const text = explainOneRequest(pod(routes), OPTIONS, parseRequestFlag('GET http://api/', []), 'text');
    assert.match(text, /a copy is mirrored to api-v2\.shop:80 for 10 in 100 requests \(10%\), its answer dropped\n/);
    assert.match(text, /a copy is mirrored to audit\.shop:80, its answer dropped\n/);
    assert.match(
      text,
      /hash_policy \[\{"header":\{"header_name":"x-user"\}\}\]: session affinity once the proxy balances over the Service's endpoints itself\n/,
    );
  });
});

describe('explain --request, faults', () => {
  it('says which faults the route injects, and into which share', () => {
    const routes = `virtual_hosts:
- name: api
  domains: ["api"]
  routes:
  - match: { prefix: "/" }
    route: { cluster: api }
    typed_per_filter_config:
      envoy.filters.http.fault:
        "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault
        delay: { fixed_delay: 1.5s, percentage: { numerator: 10 } }
        abort: { grpc_status: 14, percentage: { numerator: 1, denominator: TEN_THOUSAND } }`;
    const text = explainOneRequest(pod(routes), OPTIONS, parseRequestFlag('GET http://api/', []), 'text');
    assert.match(text, /fault injection: a delay of 1\.5s for 10 in 100 requests \(10%\)\n/);
    assert.match(text, /fault injection: an abort with gRPC status 14 for 1 in 10000 requests \(0\.01%\)\n/);
  });
});
