// endpointSnapshot (envoy/endpoint-snapshot.ts): a proxy's EDS clusters read
// back to their Services, and each Service port's endpoints found in its
// slices by the port's name — as kube-proxy matches them — valid for Envoy.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { endpointSnapshot, serviceClusters } from '../../src/envoy/endpoint-snapshot.js';
import type { ServiceInfo } from '../../src/model/lookups.js';
import type { TypeSnapshot } from '../../src/envoy/ads-stream.js';
import { envoyProtoProblems } from '../support/envoy-proto.js';

const CLA = 'envoy.config.endpoint.v3.ClusterLoadAssignment';

const slice = (service: string, ports: Array<{ name?: string; port: number }>, ips: string[]): unknown => ({
  metadata: { name: `${service}-x`, namespace: 'shop', labels: { 'kubernetes.io/service-name': service } },
  addressType: 'IPv4',
  ports,
  endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
});

const services = (known: Record<string, ServiceInfo>): { service(namespace: string, name: string): ServiceInfo | undefined } => ({
  service: (namespace, name) => known[`${namespace}/${name}`],
});

describe('serviceClusters', () => {
  it('reads back the EDS clusters named <service>.<namespace>:<port>, and nothing else', () => {
    const cds: TypeSnapshot = {
      version: 'v',
      resources: [
        { name: 'api.shop:8080', type: 'EDS' },
        { name: 'db.data:5432', type: 'EDS' },
        { name: 'external:example.com:443', type: 'STRICT_DNS' },
        { name: 'api.shop:8080', type: 'STRICT_DNS' },
        { name: 'not a service', type: 'EDS' },
        { name: 'API.shop:80', type: 'EDS' },
        { type: 'EDS' },
      ],
    };
    assert.deepEqual(serviceClusters(cds), [
      { cluster: 'api.shop:8080', service: 'api', namespace: 'shop', port: 8080 },
      { cluster: 'db.data:5432', service: 'db', namespace: 'data', port: 5432 },
    ]);
    assert.deepEqual(serviceClusters(undefined), []);
  });
});

describe('endpointSnapshot', () => {
  const slices = [
    slice(
      'api',
      [
        { name: 'grpc', port: 9000 },
        { name: 'http', port: 9090 },
      ],
      ['10.0.0.1', '10.0.0.2'],
    ),
    slice('web', [{ port: 8000 }], ['10.0.1.1']),
  ];
  const inputs = {
    slicesOf: (namespace: string, service: string) =>
      slices.filter((s) => JSON.stringify(s).includes(`"kubernetes.io/service-name":"${service}"`) && namespace === 'shop'),
    services: services({
      'shop/api': {
        ports: [
          { port: 8080, name: 'http' },
          { port: 9000, name: 'grpc' },
        ],
      },
      'shop/web': { ports: [{ port: 80 }] },
    }),
  };

  it('finds each Service port\'s endpoints under the port\'s name (the unnamed one as ""), valid for Envoy', () => {
    const snapshot = endpointSnapshot(
      [
        { cluster: 'api.shop:8080', service: 'api', namespace: 'shop', port: 8080 },
        { cluster: 'api.shop:9000', service: 'api', namespace: 'shop', port: 9000 },
        { cluster: 'web.shop:80', service: 'web', namespace: 'shop', port: 80 },
      ],
      inputs,
    );
    const ports = snapshot.resources.map((r) => [...JSON.stringify(r).matchAll(/"port_value":(\d+)/g)].map((m) => Number(m[1])));
    assert.deepEqual(ports, [[9090, 9090], [9000, 9000], [8000]]);
    for (const { '@type': type, ...resource } of snapshot.resources) {
      assert.equal(type, `type.googleapis.com/${CLA}`);
      assert.deepEqual(envoyProtoProblems(CLA, resource), []);
    }
    assert.equal(snapshot.dropped, 0);
  });

  it('gives no endpoints for a Service or a port it does not know, rather than guessing', () => {
    const snapshot = endpointSnapshot(
      [
        { cluster: 'gone.shop:80', service: 'gone', namespace: 'shop', port: 80 },
        { cluster: 'api.shop:1234', service: 'api', namespace: 'shop', port: 1234 },
      ],
      inputs,
    );
    assert.deepEqual(
      snapshot.resources.map((r) => r.endpoints),
      [[], []],
    );
  });

  it('versions by content: equal inputs, equal version; another endpoint, another version', () => {
    const clusters = [{ cluster: 'api.shop:8080', service: 'api', namespace: 'shop', port: 8080 }];
    const one = endpointSnapshot(clusters, inputs);
    assert.equal(endpointSnapshot(clusters, inputs).version, one.version);
    slices.push(slice('api', [{ name: 'http', port: 9090 }], ['10.0.0.3']));
    assert.notEqual(endpointSnapshot(clusters, inputs).version, one.version);
    assert.match(one.version, /^[0-9a-f]{16}$/);
  });
});
