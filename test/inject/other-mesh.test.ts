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
import { OTHER_MESH_ANNOTATIONS, otherMesh, otherMeshSwitches } from '../../src/inject/other-mesh.js';
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
  ...['t', 'TRUE', 'True'].map((v): Row => ['annotation', 'consul.hashicorp.com/connect-inject', v, 'other-mesh']),
  ...['f', 'F', 'FALSE', 'False'].map((v): Row => ['annotation', 'consul.hashicorp.com/connect-inject', v, 'other-mesh-opt-out']),
  ['label', 'consul.hashicorp.com/connect-inject', 'true', 'inject'],
  // Kuma: label (annotation in older releases).
  ['label', 'kuma.io/sidecar-injection', 'enabled', 'other-mesh'],
  ['annotation', 'kuma.io/sidecar-injection', 'enabled', 'other-mesh'],
  ['label', 'kuma.io/sidecar-injection', 'true', 'other-mesh'],
  ['label', 'kuma.io/sidecar-injection', 'disabled', 'other-mesh-opt-out'],
  ['label', 'kuma.io/sidecar-injection', 'false', 'other-mesh-opt-out'],
  ['annotation', 'kuma.io/sidecar-injection', 'true', 'other-mesh'],
  ['annotation', 'kuma.io/sidecar-injection', 'yes', 'inject'],
  ['annotation', 'kuma.io/sidecar-injection', 'false', 'other-mesh-opt-out'],
  // Open Service Mesh.
  ['annotation', 'openservicemesh.io/sidecar-injection', 'enabled', 'other-mesh'],
  ['annotation', 'openservicemesh.io/sidecar-injection', 'yes', 'other-mesh'],
  ['annotation', 'openservicemesh.io/sidecar-injection', 'disabled', 'other-mesh-opt-out'],
  ['annotation', 'openservicemesh.io/sidecar-injection', 'no', 'other-mesh-opt-out'],
  ['annotation', 'openservicemesh.io/sidecar-injection', 'true', 'other-mesh'],
  ['annotation', 'openservicemesh.io/sidecar-injection', 'false', 'other-mesh-opt-out'],
  ['annotation', 'openservicemesh.io/sidecar-injection', 'Enabled', 'inject'],
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

// The proxies other meshes' injectors leave in a pod (inject/other-mesh.ts,
// otherMesh): each container name, as a container or an init container, and
// each status annotation, read alone — a pod that shows two signs says
// nothing about either.
describe('another mesh running in the pod', () => {
  const CONTAINERS: [mesh: string, name: string][] = [
    ['Istio', 'istio-proxy'],
    ['Istio', 'istio-init'],
    ['Istio', 'istio-validation'],
    ['Linkerd', 'linkerd-proxy'],
    ['Linkerd', 'linkerd-init'],
    ['Linkerd', 'linkerd-network-validator'],
    ['Consul', 'consul-dataplane'],
    ['Consul', 'consul-connect-inject-init'],
    ['Kuma', 'kuma-sidecar'],
    ['Kuma', 'kuma-init'],
  ];
  for (const [mesh, name] of CONTAINERS) {
    it(`container ${name} → ${mesh}`, () => {
      const asContainer: Pod = { metadata: { name: 'p' }, spec: { containers: [{ name: 'app' }, { name }] } };
      assert.deepEqual(otherMesh(asContainer), { mesh, evidence: `container ${name}` });
      const asInit: Pod = { metadata: { name: 'p' }, spec: { initContainers: [{ name }], containers: [{ name: 'app' }] } };
      assert.deepEqual(otherMesh(asInit), { mesh, evidence: `container ${name}` });
    });
  }

  const ANNOTATIONS: [mesh: string, key: string][] = [
    ['Istio', 'sidecar.istio.io/status'],
    ['Linkerd', 'linkerd.io/proxy-version'],
    ['Consul', 'consul.hashicorp.com/connect-inject-status'],
    ['Kuma', 'kuma.io/sidecar-injected'],
  ];
  for (const [mesh, key] of ANNOTATIONS) {
    it(`annotation ${key} → ${mesh}, unless it is "false"`, () => {
      assert.deepEqual(otherMesh(pod({ annotations: { [key]: 'true' } })), { mesh, evidence: `annotation ${key}` });
      assert.deepEqual(otherMesh(pod({ annotations: { [key]: '' } })), { mesh, evidence: `annotation ${key}` });
      assert.equal(otherMesh(pod({ annotations: { [key]: 'false' } })), undefined);
      assert.equal(otherMesh(pod({ labels: { [key]: 'true' } })), undefined, "a label of that name is not the injector's mark");
    });
  }

  it('finds nothing in a pod of its own containers, or one whose names only resemble a mesh', () => {
    assert.equal(otherMesh(pod({})), undefined);
    const lookalike: Pod = {
      metadata: { name: 'p' },
      spec: { initContainers: [{ name: 'istio' }], containers: [{ name: 'linkerd-proxy-2' }, { name: 'kuma' }] },
    };
    assert.equal(otherMesh(lookalike), undefined);
    assert.equal(otherMesh({ spec: { containers: [{ name: 'app' }] } }), undefined, 'a pod without metadata');
  });

  it('names the container in the reason, and what to do', () => {
    const decision = decide({ metadata: { name: 'p' }, spec: { containers: [{ name: 'app' }, { name: 'kuma-sidecar' }] } }, ENROLLED, DEFAULT_CONFIG);
    assert.deepEqual(decision.reasons, [
      {
        code: 'other-mesh',
        message:
          'the pod already runs Kuma\'s proxy (container kuma-sidecar): two proxies would fight over its traffic; take it out of Kuma first, or label it envoy-injector.io/inject: "false"',
        rejectsPod: false,
      },
    ]);
  });
});

describe("other meshes' switches, as read", () => {
  it('keeps every annotation the meshes read, and nothing else', () => {
    assert.deepEqual([...OTHER_MESH_ANNOTATIONS].sort(), [
      'appmesh.k8s.aws/sidecarInjectorWebhook',
      'consul.hashicorp.com/connect-inject',
      'consul.hashicorp.com/connect-inject-status',
      'kuma.io/sidecar-injected',
      'kuma.io/sidecar-injection',
      'linkerd.io/inject',
      'linkerd.io/proxy-version',
      'openservicemesh.io/sidecar-injection',
      'sidecar.istio.io/inject',
      'sidecar.istio.io/status',
    ]);
  });

  it("lists every switch that asks and every one that opts out, by mesh and place, in the meshes' order", () => {
    const p = pod({
      labels: { 'sidecar.istio.io/inject': 'no', 'kuma.io/sidecar-injection': 'enabled' },
      annotations: { 'linkerd.io/inject': 'enabled', 'consul.hashicorp.com/connect-inject': 'F', 'appmesh.k8s.aws/sidecarInjectorWebhook': 'maybe' },
    });
    assert.deepEqual(otherMeshSwitches(p), {
      asks: [
        { mesh: 'Linkerd', where: 'annotation linkerd.io/inject', value: 'enabled' },
        { mesh: 'Kuma', where: 'label kuma.io/sidecar-injection', value: 'enabled' },
      ],
      optsOut: [
        { mesh: 'Istio', where: 'label sidecar.istio.io/inject', value: 'no' },
        { mesh: 'Consul', where: 'annotation consul.hashicorp.com/connect-inject', value: 'F' },
      ],
    });
    assert.deepEqual(otherMeshSwitches(pod({})), { asks: [], optsOut: [] });
  });
});
