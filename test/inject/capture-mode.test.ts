// Capture modes (inject/capture-mode.ts and their injection): who installs a
// pod's capture rules — its privileged envoy-init, or the node's CNI plugin,
// checked by an unprivileged envoy-validate — chosen from the pod, its
// namespace, its namespace's Pod Security level and the config, and said why.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_CONFIG, parseConfig, type InjectorConfig } from '../../src/config/config.js';
import { evaluatePod, type Outcome } from '../../src/inject/evaluate.js';
import { parseStatus, statusCaptureMode } from '../../src/inject/status.js';
import type { Pod } from '../../src/model/kubernetes.js';
import type { NamespaceMetadata } from '../../src/model/lookups.js';
import { restrictedProblems } from '../support/pod-security.js';

const WITH_PLUGIN: InjectorConfig = { ...DEFAULT_CONFIG, capture: { ...DEFAULT_CONFIG.capture, cniInstalled: true } };
const ENROLLED = { 'envoy-injector.io/inject': 'enabled' };
const RESTRICTED: NamespaceMetadata = { labels: { ...ENROLLED, 'pod-security.kubernetes.io/enforce': 'restricted' }, annotations: {} };

function evaluate(annotations: Record<string, string>, namespace: NamespaceMetadata | undefined, config: InjectorConfig): Outcome {
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web', annotations },
    spec: {
      securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [{ name: 'app', image: 'app:1', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
    },
  };
  return evaluatePod({ pod, namespace: namespace ? { name: 'shop', metadata: namespace } : { name: 'shop' }, config });
}

const initContainers = (outcome: Outcome): string[] => (outcome.kind === 'injected' ? (outcome.pod.spec.initContainers ?? []).map((c) => c.name) : []);

describe('capture modes', () => {
  const ROWS: Array<[string, Record<string, string>, NamespaceMetadata | undefined, InjectorConfig, string, string]> = [
    ['the default', {}, undefined, WITH_PLUGIN, 'init', 'config capture.mode'],
    ['the pod asks for cni', { 'envoy-injector.io/capture': 'cni' }, undefined, WITH_PLUGIN, 'cni', 'annotation envoy-injector.io/capture'],
    [
      'its namespace asks for cni',
      {},
      { labels: ENROLLED, annotations: { 'envoy-injector.io/capture': 'cni' } },
      WITH_PLUGIN,
      'cni',
      'namespace annotation envoy-injector.io/capture',
    ],
    [
      'its namespace enforces restricted, and the plugin is installed',
      {},
      RESTRICTED,
      WITH_PLUGIN,
      'cni',
      'namespace shop enforcing the "restricted" Pod Security level, which forbids envoy-init\'s NET_ADMIN, on a cluster with the CNI plugin',
    ],
    [
      'the pod’s own init wins over its namespace’s cni',
      { 'envoy-injector.io/capture': ' init ' },
      { labels: ENROLLED, annotations: { 'envoy-injector.io/capture': 'cni' } },
      WITH_PLUGIN,
      'init',
      'annotation envoy-injector.io/capture',
    ],
    ['the config default is cni', {}, undefined, { ...WITH_PLUGIN, capture: { ...WITH_PLUGIN.capture, mode: 'cni' } }, 'cni', 'config capture.mode'],
  ];
  for (const [what, annotations, namespace, config, mode, from] of ROWS) {
    it(`${what}: ${mode}, said why`, () => {
      const outcome = evaluate(annotations, namespace, config);
      assert.equal(outcome.kind, 'injected', JSON.stringify(outcome).slice(0, 300));
      if (outcome.kind !== 'injected') return;
      assert.deepEqual([outcome.settings.captureMode, outcome.settings.captureModeFrom], [mode, from]);
      assert.deepEqual(initContainers(outcome), [mode === 'cni' ? 'envoy-validate' : 'envoy-init', 'envoy']);
    });
  }

  it('in cni mode, the pod passes Pod Security "restricted": no container adds a capability, none runs as root', () => {
    const outcome = evaluate({}, RESTRICTED, WITH_PLUGIN);
    assert.equal(outcome.kind, 'injected');
    if (outcome.kind !== 'injected') return;
    assert.deepEqual(restrictedProblems(outcome.pod.spec as unknown as Record<string, unknown>), []);
    const status = parseStatus(outcome.pod.metadata?.annotations?.['envoy-injector.io/status'] ?? '');
    assert.ok(status.ok);
    assert.equal(statusCaptureMode(status.value), 'cni');
    // The same pod in init mode would not pass: that is why it is skipped there.
    const init = evaluate({ 'envoy-injector.io/capture': 'init' }, undefined, WITH_PLUGIN);
    assert.ok(init.kind === 'injected' && restrictedProblems(init.pod.spec).some((p) => p.includes('envoy-init adds NET_ADMIN')));
  });

  it('a restricted namespace without the plugin is skipped, saying what would help', () => {
    const outcome = evaluate({}, RESTRICTED, DEFAULT_CONFIG);
    assert.equal(outcome.kind, 'skipped');
    assert.match(
      JSON.stringify(outcome),
      /pod-security.*with the envoy-injector CNI plugin installed, config capture.cniInstalled, such pods get cni capture instead/,
    );
    const asked = evaluate({ 'envoy-injector.io/capture': 'init' }, RESTRICTED, WITH_PLUGIN);
    assert.equal(asked.kind, 'skipped', 'a pod that asks for init in a restricted namespace still cannot run envoy-init');
  });

  it('refuses cni without the plugin, rather than a pod that would wait forever; a namespace default is dropped with a warning', () => {
    const refused = evaluate({ 'envoy-injector.io/capture': 'cni' }, undefined, DEFAULT_CONFIG);
    assert.equal(refused.kind, 'rejected');
    assert.match(JSON.stringify(refused), /envoy-injector.io\/capture.*cni, but the cluster has no envoy-injector CNI plugin/);
    const dropped = evaluate({}, { labels: ENROLLED, annotations: { 'envoy-injector.io/capture': 'cni' } }, DEFAULT_CONFIG);
    assert.equal(dropped.kind, 'injected');
    if (dropped.kind !== 'injected') return;
    assert.equal(dropped.settings.captureMode, 'init');
    assert.ok(
      dropped.warnings.some((w) => w.includes('namespace annotation envoy-injector.io/capture: cni ignored: the cluster has no envoy-injector CNI plugin')),
    );
  });

  it('refuses a value that is neither init nor cni, naming the annotation', () => {
    const outcome = evaluate({ 'envoy-injector.io/capture': 'ebpf' }, undefined, WITH_PLUGIN);
    assert.equal(outcome.kind, 'rejected');
    assert.match(JSON.stringify(outcome), /envoy-injector.io\/capture/);
  });

  it('refuses a config whose default is cni without the plugin', () => {
    const parsed = parseConfig({ capture: { mode: 'cni' } });
    assert.deepEqual(parsed.ok ? [] : parsed.problems, [
      'capture.mode: cni needs capture.cniInstalled: true (the envoy-injector CNI plugin on every node, manifests/cni)',
    ]);
    assert.ok(parseConfig({ capture: { mode: 'cni', cniInstalled: true } }).ok);
  });

  it('refuses a pod that already has a container named envoy-validate or a volume named envoy-token', () => {
    const pod: Pod = {
      metadata: { name: 'p' },
      spec: {
        initContainers: [{ name: 'envoy-validate', image: 'x' }],
        containers: [{ name: 'a', image: 'a' }],
        volumes: [{ name: 'envoy-token', emptyDir: {} }],
      },
    };
    const outcome = evaluatePod({ pod, namespace: { name: 'shop' }, config: WITH_PLUGIN });
    assert.equal(outcome.kind, 'rejected');
    assert.match(JSON.stringify(outcome), /container named \\"envoy-validate\\"/);
    assert.match(JSON.stringify(outcome), /volume named \\"envoy-token\\"/);
  });
});
