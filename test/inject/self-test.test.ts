// The self-test's probe (inject/self-test.ts): a pod that asks for the
// proxy, and the verdict on what the API server's dry run gave back.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_CONFIG } from '../../src/config/config.js';
import { evaluatePod } from '../../src/inject/evaluate.js';
import { PROBE_NAME_PREFIX, probePod, probeVerdict } from '../../src/inject/self-test.js';
import type { Pod } from '../../src/model/kubernetes.js';
import { ANNOTATION } from '../../src/model/names.js';

function injected(pod: Pod, config = DEFAULT_CONFIG): Pod {
  const outcome = evaluatePod({ pod, namespace: { name: 'shop' }, config });
  if (outcome.kind !== 'injected') throw new Error(`not injected: ${JSON.stringify(outcome)}`);
  return outcome.pod;
}

describe('the probe pod', () => {
  it('asks for the proxy in its namespace, under a generated name, and stores nothing it needs', () => {
    const pod = probePod('shop');
    assert.equal(pod.metadata?.namespace, 'shop');
    assert.equal(pod.metadata?.generateName, PROBE_NAME_PREFIX);
    assert.equal(pod.metadata?.name, undefined);
    assert.equal(pod.metadata?.labels?.['envoy-injector.io/inject'], 'true');
    assert.equal(pod.spec.restartPolicy, 'Never');
    assert.equal(pod.spec.automountServiceAccountToken, false);
    assert.equal(pod.spec.containers.length, 1);
  });

  it('is a Pod of one pause container, named so the fleet and a person recognise it, asking almost nothing', () => {
    const pod = probePod('shop');
    assert.equal(PROBE_NAME_PREFIX, 'envoy-injector-self-test-');
    assert.deepEqual([pod.apiVersion, pod.kind], ['v1', 'Pod']);
    assert.equal(pod.metadata?.labels?.['app.kubernetes.io/name'], 'envoy-injector-self-test');
    assert.deepEqual(pod.spec.containers, [{ name: 'probe', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '1m', memory: '4Mi' } } }]);
  });

  it('is injected by the webhook’s own core', () => {
    assert.ok(injected(probePod('shop')).metadata?.annotations?.[ANNOTATION.status]);
  });
});

describe('the verdict', () => {
  it('injected: the webhook was reached, and in which mode', () => {
    const verdict = probeVerdict(injected(probePod('shop')), 'shop');
    assert.deepEqual(verdict, { ok: true, value: 'the API server reached the webhook and got the probe pod injected (native mode)' });
    const classic = probeVerdict(injected(probePod('shop'), { ...DEFAULT_CONFIG, proxy: { ...DEFAULT_CONFIG.proxy, nativeSidecar: false } }), 'shop');
    assert.deepEqual(classic, { ok: true, value: 'the API server reached the webhook and got the probe pod injected (classic mode)' });
  });

  it('a pod that comes back without metadata is a pod without the proxy', () => {
    const bare: Pod = { apiVersion: 'v1', kind: 'Pod', spec: probePod('shop').spec };
    assert.equal(probeVerdict(bare, 'shop').ok, false);
  });

  it('no status: the webhook was not reached, or skipped the namespace', () => {
    const verdict = probeVerdict(probePod('shop'), 'shop');
    assert.equal(verdict.ok, false);
    assert.match(verdict.ok ? '' : (verdict.problems[0] ?? ''), /^the API server admitted the probe pod in namespace shop without the proxy: /);
  });

  it('a status the injector did not write: said, with why', () => {
    const pod = injected(probePod('shop'));
    const forged: Pod = { ...pod, spec: { ...pod.spec, initContainers: [] } };
    const verdict = probeVerdict(forged, 'shop');
    assert.equal(verdict.ok, false);
    assert.match(
      verdict.ok ? '' : (verdict.problems[0] ?? ''),
      /^the probe pod came back with a status the injector did not write: lists init container envoy-init, init container envoy, which the pod does not have$/,
    );
  });
});
