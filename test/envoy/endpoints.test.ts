// A Service's endpoints as EDS serves them (envoy/endpoints.ts), from
// EndpointSlices as kube-proxy reads them; each assignment checked against
// Envoy's v3 protos.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadAssignment, MAX_ENDPOINTS_PER_CLUSTER, servedEndpoints, type ServedEndpoint } from '../../src/envoy/endpoints.js';
import { envoyProtoProblems } from '../support/envoy-proto.js';

const ASSIGNMENT = 'envoy.config.endpoint.v3.ClusterLoadAssignment';

interface EndpointFields {
  addresses?: unknown;
  conditions?: Record<string, boolean>;
  zone?: string;
}

function slice(service: string, endpoints: EndpointFields[], ports: unknown[] = [{ name: 'http', port: 8080 }], addressType = 'IPv4'): Record<string, unknown> {
  return { metadata: { name: `${service}-x`, labels: { 'kubernetes.io/service-name': service } }, addressType, endpoints, ports };
}

const at = (address: string, conditions?: Record<string, boolean>, zone?: string): EndpointFields => ({
  addresses: [address],
  ...(conditions ? { conditions } : {}),
  ...(zone ? { zone } : {}),
});

describe('servedEndpoints', () => {
  it('reads the conditions as kube-proxy does: ready healthy, terminating-but-serving draining, the rest left out', () => {
    const endpoints = servedEndpoints(
      [
        slice('web', [
          at('10.0.0.1', { ready: true }),
          at('10.0.0.2'), // unknown counts as ready
          at('10.0.0.3', { ready: false, serving: true, terminating: true }),
          at('10.0.0.4', { ready: false, serving: false, terminating: true }),
          at('10.0.0.5', { ready: false }),
          at('10.0.0.6', { ready: false, terminating: true }), // serving unknown: as ready, false
        ]),
      ],
      'web',
      'http',
    );
    assert.deepEqual(
      endpoints.map((e) => [e.address, e.health]),
      [
        ['10.0.0.1', 'HEALTHY'],
        ['10.0.0.2', 'HEALTHY'],
        ['10.0.0.3', 'DRAINING'],
      ],
    );
  });

  it('takes the port the slice lists under the Service port’s name, "" for an unnamed port', () => {
    const ports = [{ name: 'http', port: 8080 }, { name: 'metrics', port: 9090 }, { port: 7000 }];
    assert.deepEqual(
      servedEndpoints([slice('web', [at('10.0.0.1')], ports)], 'web', 'metrics').map((e) => e.port),
      [9090],
    );
    assert.deepEqual(
      servedEndpoints([slice('web', [at('10.0.0.1')], ports)], 'web', '').map((e) => e.port),
      [7000],
    );
    assert.deepEqual(servedEndpoints([slice('web', [at('10.0.0.1')], ports)], 'web', 'grpc'), []);
  });

  it('reads only the Service’s own slices, of IP addresses', () => {
    const endpoints = servedEndpoints(
      [
        slice('web', [at('10.0.0.1')]),
        slice('other', [at('10.0.0.2')]),
        slice('web', [at('db.example.com')], undefined, 'FQDN'),
        slice('web', [at('fd00::1')], undefined, 'IPv6'),
        'junk',
      ],
      'web',
      'http',
    );
    assert.deepEqual(
      endpoints.map((e) => e.address),
      ['10.0.0.1', 'fd00::1'],
    );
  });

  it('keeps each address once, the healthier reading when two slices disagree', () => {
    const endpoints = servedEndpoints(
      [slice('web', [at('10.0.0.1', { ready: false, serving: true, terminating: true })]), slice('web', [at('10.0.0.1', { ready: true })])],
      'web',
      'http',
    );
    assert.deepEqual(endpoints, [{ address: '10.0.0.1', port: 8080, zone: '', health: 'HEALTHY' }]);
  });

  it('skips endpoints without an address and ports out of range', () => {
    assert.deepEqual(servedEndpoints([slice('web', [{ addresses: [] }, { addresses: [''] }, {}])], 'web', 'http'), []);
    assert.deepEqual(
      servedEndpoints(
        [
          slice(
            'web',
            [at('10.0.0.1')],
            [
              { name: 'http', port: 0 },
              { name: 'http', port: 70000 },
            ],
          ),
        ],
        'web',
        'http',
      ),
      [],
    );
  });
});

describe('loadAssignment', () => {
  it('groups endpoints by zone as localities, each with its health, valid for Envoy', () => {
    const endpoints = servedEndpoints(
      [
        slice('web', [
          at('10.0.1.1', { ready: true }, 'eu-1b'),
          at('10.0.0.1', { ready: true }, 'eu-1a'),
          at('10.0.0.2', { ready: false, serving: true, terminating: true }, 'eu-1a'),
          at('10.0.9.9'),
        ]),
      ],
      'web',
      'http',
    );
    const { assignment, dropped } = loadAssignment('web.shop:80', endpoints);
    assert.equal(dropped, 0);
    assert.deepEqual(envoyProtoProblems(ASSIGNMENT, assignment), []);
    assert.deepEqual(assignment, {
      cluster_name: 'web.shop:80',
      endpoints: [
        { lb_endpoints: [{ endpoint: { address: { socket_address: { address: '10.0.9.9', port_value: 8080 } } }, health_status: 'HEALTHY' }] },
        {
          locality: { zone: 'eu-1a' },
          lb_endpoints: [
            { endpoint: { address: { socket_address: { address: '10.0.0.1', port_value: 8080 } } }, health_status: 'HEALTHY' },
            { endpoint: { address: { socket_address: { address: '10.0.0.2', port_value: 8080 } } }, health_status: 'DRAINING' },
          ],
        },
        {
          locality: { zone: 'eu-1b' },
          lb_endpoints: [{ endpoint: { address: { socket_address: { address: '10.0.1.1', port_value: 8080 } } }, health_status: 'HEALTHY' }],
        },
      ],
    });
  });

  it('an empty Service is an assignment with no endpoints: Envoy answers 503 rather than using stale ones', () => {
    const { assignment } = loadAssignment('web.shop:80', []);
    assert.deepEqual(assignment, { cluster_name: 'web.shop:80', endpoints: [] });
    assert.deepEqual(envoyProtoProblems(ASSIGNMENT, assignment), []);
  });

  it(`serves at most ${MAX_ENDPOINTS_PER_CLUSTER} endpoints, and counts the rest`, () => {
    const many: ServedEndpoint[] = Array.from({ length: MAX_ENDPOINTS_PER_CLUSTER + 5 }, (_, i) => ({
      address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
      port: 80,
      zone: '',
      health: 'HEALTHY',
    }));
    const { assignment, dropped } = loadAssignment('big', many);
    assert.equal(dropped, 5);
    assert.equal((assignment.endpoints as Array<{ lb_endpoints: unknown[] }>)[0]?.lb_endpoints.length, MAX_ENDPOINTS_PER_CLUSTER);
  });
});
