// UPDATE of an injected pod: the rendered config belongs to the injector.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_CONFIG } from '../../src/config/config.js';
import { evaluatePod } from '../../src/inject/evaluate.js';
import { reroutePod } from '../../src/inject/reroute.js';
import type { Pod } from '../../src/model/kubernetes.js';

const namespace = { name: 'shop' };
const plain: Pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'shop', annotations: {} },
  spec: { containers: [{ name: 'app', image: 'app:1' }] },
};
const injected = ((): Pod => {
  const outcome = evaluatePod({ pod: plain, namespace, config: DEFAULT_CONFIG });
  assert.equal(outcome.kind, 'injected');
  return outcome.kind === 'injected' ? outcome.pod : plain;
})();

function edited(change: (annotations: Record<string, string>) => void, from: Pod = injected): Pod {
  const pod = structuredClone(from);
  change((pod.metadata!.annotations ??= {}));
  return pod;
}

const update = (pod: Pod, oldObject: Pod) => reroutePod({ pod, oldObject, namespace, config: DEFAULT_CONFIG });

describe('UPDATE of an injected pod', () => {
  it('a hand edit of a rendered file is overwritten by what the inputs render', () => {
    const hacked = edited((a) => (a['envoy-injector.io/envoy-cds'] = '{"resources":[{"name":"metadata","type":"STATIC"}]}'));
    const outcome = update(hacked, injected);
    assert.equal(outcome.kind, 'updated');
    if (outcome.kind === 'updated') assert.deepEqual(outcome.pod.metadata?.annotations, injected.metadata?.annotations);
  });

  it('a change of the routes re-renders; the same inputs again change nothing', () => {
    const routes = 'virtual_hosts:\n- name: a\n  domains: ["a"]\n  routes:\n  - match: { prefix: "/" }\n    route: { cluster: "a-v2:9000" }\n';
    const next = edited((a) => (a['envoy-injector.io/routes'] = routes));
    const outcome = update(next, injected);
    assert.equal(outcome.kind, 'updated');
    if (outcome.kind !== 'updated') return;
    assert.match(outcome.pod.metadata?.annotations?.['envoy-injector.io/envoy-lds'] ?? '', /outbound_http_9000/);
    assert.deepEqual(update(outcome.pod, outcome.pod), { kind: 'unchanged' });
  });

  it('the status cannot be edited, removed, or given to a pod that was not injected', () => {
    const forged = edited((a) => (a['envoy-injector.io/status'] = a['envoy-injector.io/status']!.replace('native', 'classic')));
    assert.match(JSON.stringify(update(forged, injected)), /written by the injector only and cannot be changed or removed/);
    const removed = edited((a) => delete a['envoy-injector.io/status']);
    assert.equal(update(removed, injected).kind, 'rejected');
    const claimed = edited((a) => (a['envoy-injector.io/status'] = injected.metadata!.annotations!['envoy-injector.io/status']!), plain);
    assert.match(JSON.stringify(update(claimed, plain)), /a pod that was not injected cannot be given one/);
  });

  it('other changes, and pods never injected, are left alone', () => {
    const labelled = structuredClone(injected);
    labelled.metadata!.labels = { team: 'a' };
    assert.deepEqual(update(labelled, injected), { kind: 'unchanged' });
    assert.deepEqual(
      update(
        edited((a) => (a['envoy-injector.io/routes'] = 'x'), plain),
        plain,
      ),
      { kind: 'unchanged' },
    );
  });

  it('an invalid routes change is refused, and the running config stays', () => {
    const broken = edited((a) => (a['envoy-injector.io/routes'] = 'virtual_hosts: 7'));
    assert.equal(update(broken, injected).kind, 'rejected');
  });
});
