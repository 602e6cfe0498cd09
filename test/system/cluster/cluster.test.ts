// The Namespace and Service caches: filled by list, kept current by watch,
// answering lookups without a call, and recovering from an API server that
// was down at start.

import { strict as assert } from 'node:assert';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { startClusterCaches, type ClusterCaches } from '../../../src/cluster/cluster.js';
import { FakeKubeApi } from '../../support/kube-api.js';

async function eventually(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('cluster caches', () => {
  let api: FakeKubeApi;
  let caches: ClusterCaches | undefined;
  const logged: string[] = [];
  const log = { info: (m: string) => logged.push(m), warn: (m: string) => logged.push(`WARN ${m}`) };
  beforeEach(async () => {
    api = new FakeKubeApi();
    await api.start();
    logged.length = 0;
  });
  afterEach(async () => {
    await caches?.stop();
    caches = undefined;
    await api.stop();
  });

  it('lists, then follows the watch: labels, annotations and service ports without a call per lookup', async () => {
    api.put('namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'shop', labels: { 'envoy-injector.io/inject': 'enabled' }, annotations: { 'envoy-injector.io/log-level': 'debug' } },
    });
    api.put('services', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'backend', namespace: 'shop' },
      spec: {
        ports: [
          { port: 8080, name: 'http' },
          { port: 9090, appProtocol: 'grpc' },
        ],
      },
    });
    caches = startClusterCaches(api.kubeConfig(), log);
    assert.equal(caches.namespace('shop'), undefined, 'nothing is claimed before the list arrives');
    await eventually('synced', () => caches?.synced() === true);
    assert.deepEqual(caches.namespace('shop'), { labels: { 'envoy-injector.io/inject': 'enabled' }, annotations: { 'envoy-injector.io/log-level': 'debug' } });
    assert.deepEqual(caches.service('shop', 'backend'), {
      ports: [
        { port: 8080, name: 'http' },
        { port: 9090, appProtocol: 'grpc' },
      ],
    });
    assert.equal(caches.service('shop', 'nothing'), undefined);

    const callsBefore = api.requests.length;
    for (let i = 0; i < 100; i++) caches.namespace('shop');
    assert.equal(api.requests.length, callsBefore, 'lookups are served from memory');

    await eventually('the watch is open', () => api.watchers('namespaces') > 0 && api.watchers('services') > 0);
    // Answers are reused while the generation stays: every change moves it.
    const synced = caches.generation();
    api.put('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { 'envoy-injector.io/inject': 'disabled' } } });
    api.put('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'late' } });
    await eventually(
      'the watch delivered both events',
      () => caches?.namespace('late') !== undefined && caches.namespace('shop')?.labels['envoy-injector.io/inject'] === 'disabled',
    );
    const afterNamespaces = caches.generation();
    assert.ok(afterNamespaces >= synced + 2, `${synced} → ${afterNamespaces}`);
    api.put('services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'backend', namespace: 'shop' }, spec: { ports: [{ port: 80 }] } });
    await eventually('the service change arrived', () => caches?.service('shop', 'backend')?.ports[0]?.port === 80);
    assert.ok(caches.generation() > afterNamespaces);
    assert.deepEqual(
      logged.filter((line) => line.endsWith('synced')),
      ['namespace cache synced', 'service cache synced'],
    );
  });

  it('an API server down at start: not synced, a warning, then synced once it answers', async () => {
    api.failWith = 503;
    caches = startClusterCaches(api.kubeConfig(), log, 100);
    await eventually('a warning', () => logged.some((line) => line.startsWith('WARN namespace cache:')));
    assert.equal(caches.synced(), false);
    assert.match(logged.find((line) => line.startsWith('WARN namespace cache:')) ?? '', /HTTP 503: the fake API server is told to fail\); retrying in 0\.1s$/);
    api.failWith = undefined;
    await eventually('synced after the retry', () => caches?.synced() === true);
  });
});
