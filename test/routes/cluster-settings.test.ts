// The routes document's `clusters:` list: how the proxy reaches each target —
// balancing, timeouts, circuit breakers, outlier detection, upstream HTTP/2 —
// in Envoy's Cluster field names, refused with the exact message when wrong,
// rendered onto the target's cluster (file and xds mode alike) and accepted
// by Envoy's own protos.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_CONFIG } from '../../src/config/config.js';
import { FILE_DELIVERY, type ConfigDelivery } from '../../src/envoy/delivery.js';
import { renderEnvoyConfig } from '../../src/envoy/render.js';
import { formatAnnotationProblem } from '../../src/model/annotations.js';
import type { JsonObject } from '../../src/model/json.js';
import type { ServiceInfo, ServiceLookup } from '../../src/model/lookups.js';
import { speaksHttp2 } from '../../src/routes/cluster-settings.js';
import { resolveRouting } from '../../src/routes/routing.js';
import { DISCOVERY_RESPONSE_TYPE, envoyProtoProblems } from '../support/envoy-proto.js';

const KEY = 'envoy-injector.io/routes';
const ROUTES =
  'virtual_hosts:\n- name: web\n  domains: ["example.com"]\n  routes:\n  - match: { prefix: "/grpc" }\n    route: { cluster: "orders:9000" }\n  - match: { prefix: "/" }\n    route: { cluster: "reviews:9080", hash_policy: [{ header: { header_name: x-user } }] }\n';

const services = (known: Record<string, ServiceInfo>): ServiceLookup => ({ service: (namespace, name) => known[`${namespace}/${name}`] });
const SERVICES = services({
  'shop/orders': { ports: [{ port: 9000, name: 'grpc-orders' }] },
  'shop/reviews': { ports: [{ port: 9080, name: 'http', appProtocol: 'http' }] },
});

function resolve(podText: string, namespaceText?: string, lookup: ServiceLookup = SERVICES) {
  return resolveRouting(
    {
      pod: { annotation: KEY, value: podText, from: 'pod' },
      ...(namespaceText ? { namespace: { annotation: KEY, value: namespaceText, from: 'namespace' } } : {}),
    },
    { namespace: 'shop', config: DEFAULT_CONFIG, services: lookup },
    { annotated: undefined, excluded: [] },
  );
}

function clusters(podText: string, namespaceText?: string, delivery: ConfigDelivery = FILE_DELIVERY): Map<string, JsonObject> {
  const result = resolve(podText, namespaceText);
  assert.ok(result.ok, result.ok ? '' : result.problems.map(formatAnnotationProblem).join('\n'));
  const rendered = renderEnvoyConfig(
    { serviceCluster: 'w.shop', namespace: 'shop', httpPorts: [80], ipFamilies: ['IPv4'], accessLog: 'off', delivery },
    result.value.overrides,
  );
  assert.deepEqual(envoyProtoProblems(DISCOVERY_RESPONSE_TYPE, JSON.parse(rendered.cds)), []);
  const cds = JSON.parse(rendered.cds) as { resources: JsonObject[] };
  return new Map(cds.resources.map((c) => [c.name as string, c]));
}

const H2 = {
  'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
    '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
    explicit_http_config: { http2_protocol_options: {} },
  },
};

describe('cluster settings', () => {
  it('render every setting onto the target’s cluster, valid for Envoy, in file and in xds mode', () => {
    const settings = `${ROUTES}clusters:
- target: reviews:9080
  lb_policy: RING_HASH
  ring_hash_lb_config: { minimum_ring_size: 1024, maximum_ring_size: 8192 }
  connect_timeout: { seconds: 2 }
  circuit_breakers: { thresholds: [{ max_connections: 100, max_pending_requests: 10, max_requests: 200, max_retries: 3 }, { priority: HIGH, max_connections: 500 }] }
  outlier_detection: { consecutive_5xx: 5, interval: 10s, base_ejection_time: { seconds: 30 }, max_ejection_percent: 50 }
- target: orders.shop:9000
  lb_policy: LEAST_REQUEST
  least_request_lb_config: { choice_count: 3 }
`;
    for (const delivery of [FILE_DELIVERY, { kind: 'xds', address: 'x.y.svc', port: 15012, caBundle: 'PEM' } as const]) {
      const byName = clusters(settings, undefined, delivery);
      const reviews = byName.get('reviews.shop:9080');
      assert.equal(reviews?.lb_policy, 'RING_HASH');
      assert.deepEqual(reviews?.ring_hash_lb_config, { minimum_ring_size: 1024, maximum_ring_size: 8192 });
      assert.equal(reviews?.connect_timeout, '2s', 'durations in the one string form');
      assert.deepEqual(reviews?.outlier_detection, { consecutive_5xx: 5, interval: '10s', base_ejection_time: '30s', max_ejection_percent: 50 });
      assert.equal((reviews?.circuit_breakers as { thresholds: unknown[] }).thresholds.length, 2);
      assert.equal(reviews?.type, delivery.kind === 'xds' ? 'EDS' : 'STRICT_DNS');
      const orders = byName.get('orders.shop:9000');
      assert.deepEqual([orders?.lb_policy, orders?.least_request_lb_config], ['LEAST_REQUEST', { choice_count: 3 }]);
      assert.equal(orders?.connect_timeout, '5s', 'unset settings keep the defaults');
    }
  });

  it('talk HTTP/2 to a Service port that says gRPC or HTTP/2 (appProtocol or name), unless told otherwise', () => {
    const byName = clusters(ROUTES);
    assert.deepEqual(byName.get('orders.shop:9000')?.typed_extension_protocol_options, H2, 'grpc-orders: a gRPC port by its name');
    assert.equal(byName.get('reviews.shop:9080')?.typed_extension_protocol_options, undefined);
    const told = clusters(`${ROUTES}clusters:\n- { target: orders:9000, upstream_http2: false }\n- { target: reviews:9080, upstream_http2: true }\n`);
    assert.equal(told.get('orders.shop:9000')?.typed_extension_protocol_options, undefined);
    assert.deepEqual(told.get('reviews.shop:9080')?.typed_extension_protocol_options, H2);
    const cases: Array<[ServiceInfo['ports'][number] | undefined, boolean]> = [
      [{ port: 1, appProtocol: 'grpc' }, true],
      [{ port: 1, appProtocol: 'kubernetes.io/h2c' }, true],
      [{ port: 1, appProtocol: 'HTTP2' }, true],
      [{ port: 1, appProtocol: 'http', name: 'grpc' }, false],
      [{ port: 1, name: 'h2c' }, true],
      [{ port: 1, name: 'grpcweb' }, false],
      [{ port: 1, name: 'http-grpc' }, false],
      [undefined, false],
    ];
    for (const [port, expected] of cases) assert.equal(speaksHttp2(port), expected, JSON.stringify(port));
  });

  it("take a namespace's settings as defaults, target by target, the pod's own first", () => {
    const namespace =
      'clusters:\n- { target: reviews.shop:9080, lb_policy: RANDOM }\n- { target: orders:9000, lb_policy: MAGLEV, maglev_lb_config: { table_size: 65537 } }\n';
    const byName = clusters(`${ROUTES}clusters:\n- { target: reviews, lb_policy: LEAST_REQUEST }\n`, namespace);
    assert.equal(byName.get('reviews.shop:9080')?.lb_policy, 'LEAST_REQUEST');
    assert.deepEqual([byName.get('orders.shop:9000')?.lb_policy, byName.get('orders.shop:9000')?.maglev_lb_config], ['MAGLEV', { table_size: 65537 }]);
  });

  it("say when a pod's own settings name a target no route goes to; a namespace's defaults, never", () => {
    const result = resolve(`${ROUTES}clusters:\n- { target: payments:80, lb_policy: RANDOM }\n`, 'clusters:\n- { target: ledger:80, lb_policy: RANDOM }\n');
    assert.ok(result.ok);
    assert.deepEqual(
      result.value.warnings.filter((w) => w.includes('apply to nothing')),
      ['envoy-injector.io/routes at clusters[0]: no route of this pod goes to this target, so these settings apply to nothing'],
    );
  });

  it('say when a route’s hash_policy is unused, its target not balanced by a hash', () => {
    const idle = resolve(ROUTES);
    assert.ok(idle.ok);
    assert.deepEqual(
      idle.value.warnings.filter((w) => w.includes('hash_policy')),
      [
        'envoy-injector.io/routes virtual_hosts[0] routes[1]: hash_policy is used only by lb_policy RING_HASH or MAGLEV, which reviews.shop:9080 does not have (set it under clusters:)',
      ],
    );
    const hashed = resolve(`${ROUTES}clusters:\n- { target: reviews:9080, lb_policy: MAGLEV }\n`);
    assert.ok(hashed.ok);
    assert.deepEqual(
      hashed.value.warnings.filter((w) => w.includes('hash_policy')),
      [],
    );
  });

  const REFUSED: Array<[string, string, string]> = [
    [
      'an unknown policy',
      '- { target: reviews:9080, lb_policy: LEAST_REQUESTS }',
      'at clusters[0].lb_policy: string "LEAST_REQUESTS" is not one of ROUND_ROBIN, LEAST_REQUEST, RANDOM, RING_HASH, MAGLEV (did you mean "LEAST_REQUEST"?)',
    ],
    [
      'a policy’s config under another policy',
      '- { target: reviews:9080, lb_policy: ROUND_ROBIN, ring_hash_lb_config: { minimum_ring_size: 1 } }',
      'at clusters[0]: ring_hash_lb_config is read only with lb_policy RING_HASH',
    ],
    [
      'a config without its policy',
      '- { target: reviews:9080, least_request_lb_config: { choice_count: 2 } }',
      'at clusters[0]: least_request_lb_config is read only with lb_policy LEAST_REQUEST',
    ],
    [
      'a ring whose minimum is above its maximum',
      '- { target: reviews:9080, lb_policy: RING_HASH, ring_hash_lb_config: { minimum_ring_size: 9, maximum_ring_size: 8 } }',
      'at clusters[0].ring_hash_lb_config: minimum_ring_size 9 is above maximum_ring_size 8',
    ],
    [
      'a Maglev table that is not prime',
      '- { target: reviews:9080, lb_policy: MAGLEV, maglev_lb_config: { table_size: 65536 } }',
      'at clusters[0].maglev_lb_config: table_size 65536 is not a prime number',
    ],
    [
      'a Maglev table above Envoy’s largest',
      '- { target: reviews:9080, lb_policy: MAGLEV, maglev_lb_config: { table_size: 5000012 } }',
      'at clusters[0].maglev_lb_config.table_size: 5000012 is out of range (2 to 5000011)',
    ],
    [
      'a duration without its unit',
      '- { target: reviews:9080, connect_timeout: 5 }',
      'at clusters[0].connect_timeout: number 5 is not a duration: write seconds with an "s", e.g. "5s" or "0.25s"',
    ],
    [
      'a percentage over 100',
      '- { target: reviews:9080, outlier_detection: { max_ejection_percent: 101 } }',
      'at clusters[0].outlier_detection.max_ejection_percent: 101 is out of range (0 to 100)',
    ],
    [
      'a third threshold',
      '- { target: reviews:9080, circuit_breakers: { thresholds: [{}, {}, {}] } }',
      'at clusters[0].circuit_breakers.thresholds: has 3 entries, more than the 2 allowed',
    ],
    ['no target', '- { lb_policy: RANDOM }', 'at clusters[0].target: is required'],
    [
      'a target that is not a Service',
      '- { target: "10.0.0.1:80" }',
      'at clusters[0].target: "10.0.0.1:80" is not a Kubernetes service (svc, svc:port, svc.ns or svc.ns:port): raw IPs and hosts outside the cluster are refused unless the injector config sets routes.allowExternalHosts',
    ],
    [
      'one target twice, written two ways',
      '- { target: reviews:9080 }\n- { target: reviews.shop:9080, lb_policy: RANDOM }',
      'at clusters[1].target: "reviews.shop:9080" is the target of envoy-injector.io/routes at clusters[0] already',
    ],
    [
      'Envoy’s old HTTP/2 field',
      '- { target: reviews:9080, http2_protocol_options: {} }',
      'at clusters[0].http2_protocol_options: write upstream_http2: true (Envoy reads it from typed_extension_protocol_options now)',
    ],
  ];
  for (const [what, entries, message] of REFUSED) {
    it(`refuse ${what}, with the exact message`, () => {
      const result = resolve(`${ROUTES}clusters:\n${entries}\n`);
      assert.equal(result.ok, false);
      if (!result.ok) assert.deepEqual(result.problems.map(formatAnnotationProblem), [`annotation ${KEY} ${message}`]);
    });
  }

  it(`refuse more than 64 entries before reading them`, () => {
    const many = Array.from({ length: 65 }, (_, i) => `- { target: s${i} }`).join('\n');
    const result = resolve(`${ROUTES}clusters:\n${many}\n`);
    assert.equal(result.ok, false);
    if (!result.ok) assert.deepEqual(result.problems.map(formatAnnotationProblem), [`annotation ${KEY} at clusters: has 65 entries, more than the 64 allowed`]);
  });
});
