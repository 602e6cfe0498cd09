// Other meshes' intent (inject/other-mesh.ts, decide()): one row per mesh
// switch and value as that mesh's injector reads it. A pod that asks another
// mesh for its sidecar is skipped with `other-mesh`; one that opts out
// through another mesh's switch is skipped with `other-mesh-opt-out`, unless
// it opts in to ours by name; a value the other mesh ignores changes nothing.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_CONFIG } from '../../src/config/config.js';
import { decide } from '../../src/inject/decide.js';
import { trimForFleet } from '../../src/inject/fleet.js';
import type { NamespaceContext, Pod } from '../../src/model/kubernetes.js';

const ENROLLED: NamespaceContext = { name: 'shop', metadata: { labels: { 'envoy-injector.io/inject': 'enabled' }, annotations: {} } };

function pod(metadata: { labels?: Record<string, string>; annotations?: Record<string, string> }): Pod {
  return { metadata: { name: 'p', ...metadata }, spec: { containers: [{ name: 'app' }] } };
}

function verdict(p: Pod): string {
  const decision = decide(p, ENROLLED, DEFAULT_CONFIG);
  return decision.inject ? 'inject' : decision.reasons.map((r) => r.code).join(',');
}

type Row = [on: 'label' | 'annotation', key: string, value: string, want: string];

const ROWS: Row[] = [
  // Istio: label first, then annotation; y/yes/true/on in any case ask, any other value opts out.
  ['label', 'sidecar.istio.io/inject', 'true', 'other-mesh'],
  ['annotation', 'sidecar.istio.io/inject', 'true', 'other-mesh'],
  ['annotation', 'sidecar.istio.io/inject', 'Yes', 'other-mesh'],
  ['annotation', 'sidecar.istio.io/inject', 'on', 'other-mesh'],
  ['annotation', 'sidecar.istio.io/inject', 'y', 'other-mesh'],
  ['annotation', 'sidecar.istio.io/inject', 'false', 'other-mesh-opt-out'],
  ['label', 'sidecar.istio.io/inject', 'false', 'other-mesh-opt-out'],
  ['annotation', 'sidecar.istio.io/inject', 'disabled', 'other-mesh-opt-out'],
  ['annotation', 'sidecar.istio.io/inject', '', 'inject'],
  // Linkerd: exact words.
  ['annotation', 'linkerd.io/inject', 'enabled', 'other-mesh'],
  ['annotation', 'linkerd.io/inject', 'ingress', 'other-mesh'],
  ['annotation', 'linkerd.io/inject', 'disabled', 'other-mesh-opt-out'],
  ['annotation', 'linkerd.io/inject', 'Enabled', 'inject'],
  ['label', 'linkerd.io/inject', 'enabled', 'inject'],
  // Consul: Go's strconv.ParseBool.
  ['annotation', 'consul.hashicorp.com/connect-inject', 'true', 'other-mesh'],
  ['annotation', 'consul.hashicorp.com/connect-inject', 'T', 'other-mesh'],
  ['annotation', 'consul.hashicorp.com/connect-inject', '1', 'other-mesh'],
  ['annotation', 'consul.hashicorp.com/connect-inject', 'false', 'other-mesh-opt-out'],
  ['annotation', 'consul.hashicorp.com/connect-inject', '0', 'other-mesh-opt-out'],
  ['annotation', 'consul.hashicorp.com/connect-inject', 'yes', 'inject'],
  // Kuma: label (annotation in older releases).
  ['label', 'kuma.io/sidecar-injection', 'enabled', 'other-mesh'],
  ['annotation', 'kuma.io/sidecar-injection', 'enabled', 'other-mesh'],
  ['label', 'kuma.io/sidecar-injection', 'true', 'other-mesh'],
  ['label', 'kuma.io/sidecar-injection', 'disabled', 'other-mesh-opt-out'],
  ['annotation', 'kuma.io/sidecar-injection', 'false', 'other-mesh-opt-out'],
  // Open Service Mesh.
  ['annotation', 'openservicemesh.io/sidecar-injection', 'enabled', 'other-mesh'],
  ['annotation', 'openservicemesh.io/sidecar-injection', 'yes', 'other-mesh'],
  ['annotation', 'openservicemesh.io/sidecar-injection', 'disabled', 'other-mesh-opt-out'],
  ['annotation', 'openservicemesh.io/sidecar-injection', 'no', 'other-mesh-opt-out'],
  // AWS App Mesh.
  ['annotation', 'appmesh.k8s.aws/sidecarInjectorWebhook', 'enabled', 'other-mesh'],
  ['annotation', 'appmesh.k8s.aws/sidecarInjectorWebhook', 'disabled', 'other-mesh-opt-out'],
  ['annotation', 'appmesh.k8s.aws/sidecarInjectorWebhook', 'true', 'inject'],
];

describe('other meshes asked for, or opted out of, by the pod', () => {
  for (const [on, key, value, want] of ROWS) {
    it(`${on} ${key}: ${JSON.stringify(value)} → ${want}`, () => {
      const p = on === 'label' ? pod({ labels: { [key]: value } }) : pod({ annotations: { [key]: value } });
      assert.equal(verdict(p), want);
    });
  }

  it('reads a label before an annotation of the same key, as Istio and Kuma do', () => {
    const p = pod({ labels: { 'sidecar.istio.io/inject': 'false' }, annotations: { 'sidecar.istio.io/inject': 'true' } });
    assert.equal(verdict(p), 'other-mesh-opt-out');
  });

  it('names the mesh, the switch and its value, and what to do', () => {
    const asked = decide(pod({ annotations: { 'consul.hashicorp.com/connect-inject': 'true' } }), ENROLLED, DEFAULT_CONFIG);
    assert.deepEqual(asked.reasons, [
      {
        code: 'other-mesh',
        message:
          'the pod asks Consul for its proxy (annotation consul.hashicorp.com/connect-inject: "true"): two proxies would fight over its traffic; remove that annotation to have it injected here',
        rejectsPod: false,
      },
    ]);
    const optedOut = decide(pod({ labels: { 'kuma.io/sidecar-injection': 'disabled' } }), ENROLLED, DEFAULT_CONFIG);
    assert.deepEqual(optedOut.reasons, [
      {
        code: 'other-mesh-opt-out',
        message:
          'the pod opts out of sidecars through Kuma\'s label kuma.io/sidecar-injection: "disabled"; label it envoy-injector.io/inject: "true" to have it injected anyway',
        rejectsPod: false,
      },
    ]);
  });

  it('injects a pod that opts out of another mesh and in to ours by name, and says ours won', () => {
    for (const ours of [{ labels: { 'envoy-injector.io/inject': 'true' } }, { annotations: { 'envoy-injector.io/inject': 'true' } }]) {
      const p = pod({ labels: { ...ours.labels }, annotations: { 'sidecar.istio.io/inject': 'false', ...ours.annotations } });
      const decision = decide(p, ENROLLED, DEFAULT_CONFIG);
      assert.equal(decision.inject, true);
      if (decision.inject) assert.match(decision.because, /is "true", which wins over Istio's annotation sidecar\.istio\.io\/inject: "false"$/);
    }
  });

  it('skips a pod that asks another mesh even when it opts in to ours: it would run two proxies', () => {
    const p = pod({ labels: { 'envoy-injector.io/inject': 'true' }, annotations: { 'linkerd.io/inject': 'enabled' } });
    assert.equal(verdict(p), 'other-mesh');
  });

  it('gives one reason, not two, when the pod opts out of ours and of another mesh', () => {
    const p = pod({ labels: { 'envoy-injector.io/inject': 'false' }, annotations: { 'sidecar.istio.io/inject': 'false' } });
    assert.equal(verdict(p), 'pod-opted-out');
  });

  it('gives one reason when the pod runs another mesh and asks for it', () => {
    const p = { ...pod({ annotations: { 'sidecar.istio.io/inject': 'true' } }), spec: { containers: [{ name: 'app' }, { name: 'istio-proxy' }] } };
    assert.equal(verdict(p), 'other-mesh');
  });

  it('keeps the switches in the fleet view of a pod, so its verdict is the same there', () => {
    const p = pod({ labels: { 'kuma.io/sidecar-injection': 'enabled' }, annotations: { 'consul.hashicorp.com/connect-inject': 'false', unrelated: 'x' } });
    const trimmed = trimForFleet(p);
    assert.deepEqual(trimmed.metadata?.annotations, { 'consul.hashicorp.com/connect-inject': 'false' });
    assert.equal(verdict(trimmed), verdict(p));
  });
});
