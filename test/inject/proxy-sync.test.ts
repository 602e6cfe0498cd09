// proxyStatus (inject/proxy-sync.ts): status's xDS table from the pods and the
// replicas' reports — every running xds-mode pod once per replica serving it,
// or NOT CONNECTED; NACK messages kept; other pods left out.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ProxySync } from '../../src/envoy/ads-stream.js';
import { proxyStatus } from '../../src/inject/proxy-sync.js';
import type { Pod } from '../../src/model/kubernetes.js';
import { ANNOTATION } from '../../src/model/names.js';

const STATUS = (volumes: string[]): string =>
  JSON.stringify({
    version: 2,
    mode: 'native',
    containers: [],
    initContainers: ['envoy-init', 'envoy'],
    volumes,
    configHash: '0123456789abcdef',
    injectorVersion: '0.1.0',
    proxyImage: 'envoyproxy/envoy:v1.36.6',
    templateHash: '0123456789abcdef',
  });

function pod(name: string, volumes: string[], phase = 'Running'): Pod {
  return { metadata: { name, namespace: 'shop', annotations: { [ANNOTATION.status]: STATUS(volumes) } }, spec: { containers: [] }, status: { phase } };
}

const type = (name: string): string => `type.googleapis.com/envoy.config.${name}`;
const synced = (id: string, eds: ProxySync['types'][number]['status'] = 'SYNCED', error?: string): ProxySync => ({
  pod: id,
  types: [
    { typeUrl: type('listener.v3.Listener'), status: 'SYNCED' },
    { typeUrl: type('route.v3.RouteConfiguration'), status: 'STALE' },
    { typeUrl: type('cluster.v3.Cluster'), status: 'SYNCED' },
    { typeUrl: type('endpoint.v3.ClusterLoadAssignment'), status: eds, ...(error === undefined ? {} : { error }) },
  ],
});

describe('proxyStatus', () => {
  const pods = [
    pod('web-1', ['envoy-config', 'envoy-token']),
    pod('web-2', ['envoy-config', 'envoy-token']),
    pod('file-1', ['envoy-config']),
    pod('done-1', ['envoy-config', 'envoy-token'], 'Succeeded'),
    { metadata: { name: 'bare', namespace: 'shop' }, spec: { containers: [] }, status: { phase: 'Running' } } as Pod,
  ];

  it('lists each running xds-mode pod, with its replica and types, or as not connected', () => {
    const status = proxyStatus(pods, [{ replica: 'injector-a', proxies: [synced('web-1.shop', 'NACKED', 'bad endpoint')] }]);
    assert.deepEqual(status.rows, [
      {
        pod: 'shop/web-1',
        replica: 'injector-a',
        types: { LDS: 'SYNCED', RDS: 'STALE', CDS: 'SYNCED', EDS: 'NACKED' },
        errors: { EDS: 'bad endpoint' },
      },
      { pod: 'shop/web-2', types: {}, errors: {} },
    ]);
    assert.deepEqual([status.connected, status.notConnected, status.nacked], [1, 1, 1]);
  });

  it('shows a proxy connected to two replicas twice, and one whose pod the list missed', () => {
    const status = proxyStatus(pods, [
      { replica: 'injector-b', proxies: [synced('web-1.shop'), synced('late-1.shop')] },
      { replica: 'injector-a', proxies: [synced('web-1.shop'), synced('web-2.shop')] },
    ]);
    assert.deepEqual(
      status.rows.map((row) => `${row.pod} ${row.replica ?? '-'}`),
      ['shop/late-1 injector-b', 'shop/web-1 injector-a', 'shop/web-1 injector-b', 'shop/web-2 injector-a'],
    );
    assert.deepEqual([status.connected, status.notConnected, status.nacked], [4, 0, 0]);
  });

  it('has no rows without xds-mode pods, so no replica is asked', () => {
    assert.deepEqual(proxyStatus([pods[2] as Pod], []).rows, []);
  });
});
