// What the pods of one workload share: settings read once, the proxy's
// template built once, both frozen so a shared value cannot be changed for
// another pod; and what must not be shared: a read through a lookup that
// cannot tell whether it changed, or from before it changed.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_CONFIG } from '../../src/config/config.js';
import { evaluatePod } from '../../src/inject/evaluate.js';
import { readProxySettings } from '../../src/inject/settings.js';
import type { Pod } from '../../src/model/kubernetes.js';
import type { ServiceLookup } from '../../src/model/lookups.js';
import { BoundedCache, deepFreeze, identity } from '../../src/model/memo.js';
import { oneRoute } from '../support/routes.js';

const ROUTES = oneRoute('api', 'api:8080');

function replica(): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: 'web-5d8f-',
      annotations: { 'envoy-injector.io/routes': ROUTES },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-5d8f', uid: 'u', controller: true }],
    },
    spec: { containers: [{ name: 'web', image: 'nginx' }] },
  };
}

function injected(pod: Pod, services?: ServiceLookup): Pod {
  const outcome = evaluatePod({ pod, namespace: { name: 'shop' }, config: DEFAULT_CONFIG, ...(services ? { services } : {}) });
  assert.equal(outcome.kind, 'injected');
  return outcome.kind === 'injected' ? outcome.pod : pod;
}

describe('remembered settings and templates', () => {
  it('reads the settings of identical pods once, and hands them out frozen', () => {
    const first = readProxySettings(replica(), { name: 'shop' }, DEFAULT_CONFIG);
    const second = readProxySettings(replica(), { name: 'shop' }, DEFAULT_CONFIG);
    assert.ok(first.ok && second.ok);
    assert.equal(first.value.settings, second.value.settings);
    assert.throws(() => {
      (first.value.settings.httpPorts as unknown[]).push(1);
    }, TypeError);
    const elsewhere = readProxySettings(replica(), { name: 'other' }, DEFAULT_CONFIG);
    assert.ok(elsewhere.ok);
    assert.notEqual(elsewhere.value.settings, first.value.settings, 'another namespace is another read');
  });

  it('shares the proxy container between replicas, frozen, and gives each pod its own lists', () => {
    const a = injected(replica());
    const b = injected(replica());
    const sidecarOf = (pod: Pod): unknown => pod.spec.initContainers?.find((c) => c.name === 'envoy');
    assert.equal(sidecarOf(a), sidecarOf(b));
    assert.ok(Object.isFrozen(sidecarOf(a)));
    assert.notEqual(a.spec.initContainers, b.spec.initContainers);
    assert.notEqual(a.metadata?.annotations, b.metadata?.annotations);
  });

  it('reads afresh through a Service lookup without a generation, and after its generation moves', () => {
    let exists = false;
    let generation = 0;
    const counted: ServiceLookup = { service: () => (exists ? { ports: [{ port: 8080 }] } : undefined), generation: () => generation };
    const uncounted: ServiceLookup = { service: () => (exists ? { ports: [{ port: 8080 }] } : undefined) };
    const warnings = (services: ServiceLookup): string[] => {
      const read = readProxySettings(replica(), { name: 'shop' }, DEFAULT_CONFIG, services);
      assert.ok(read.ok);
      return read.value.warnings;
    };
    assert.equal(warnings(counted).length, 1);
    assert.equal(warnings(uncounted).length, 1);
    exists = true;
    assert.equal(warnings(uncounted).length, 0, 'no generation: never remembered');
    assert.equal(warnings(counted).length, 1, 'the same generation: the lookup promised nothing changed');
    generation++;
    assert.equal(warnings(counted).length, 0);
  });

  it('keeps pods whose annotations are too large out of the cache', () => {
    const large = (): Pod => ({
      ...replica(),
      metadata: { ...replica().metadata, annotations: { ...replica().metadata?.annotations, note: 'n'.repeat(70_000) } },
    });
    const first = readProxySettings(large(), { name: 'shop' }, DEFAULT_CONFIG);
    const second = readProxySettings(large(), { name: 'shop' }, DEFAULT_CONFIG);
    assert.ok(first.ok && second.ok);
    assert.notEqual(first.value.settings, second.value.settings);
  });
});

describe('memo helpers', () => {
  it('BoundedCache keeps the most recently used, up to its capacity', () => {
    const cache = new BoundedCache<number>(2, 1000);
    cache.set('a', 1, 8);
    cache.set('b', 2, 8);
    assert.equal(cache.get('a'), 1);
    cache.set('c', 3, 8);
    assert.deepEqual([cache.get('a'), cache.get('b'), cache.get('c'), cache.size], [1, undefined, 3, 2]);
  });

  it('BoundedCache holds at most its bytes: large entries push out the oldest, one larger than all is not kept', () => {
    const cache = new BoundedCache<string>(100, 1000);
    for (const key of ['a', 'b', 'c']) cache.set(key, key, 300);
    assert.equal(cache.bytes, 3 * (300 + 2));
    cache.set('d', 'd', 300);
    assert.deepEqual([cache.get('a'), cache.get('d'), cache.size], [undefined, 'd', 3]);
    assert.ok(cache.bytes <= 1000);
    cache.set('huge', 'x', 5000);
    assert.equal(cache.get('huge'), undefined);
    // Setting a key again replaces its size rather than adding to it.
    cache.set('d', 'd', 10);
    assert.equal(cache.bytes, 2 * (300 + 2) + 12);
  });

  it('deepFreeze freezes all the way down; identity is stable per object', () => {
    const value = deepFreeze({ a: [{ b: 'c' }], d: { e: { f: 1 } } });
    assert.ok(Object.isFrozen(value.a[0]) && Object.isFrozen(value.d.e));
    const object = {};
    assert.equal(identity(object), identity(object));
    assert.notEqual(identity(object), identity({}));
  });
});
