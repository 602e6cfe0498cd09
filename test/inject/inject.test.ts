// injectPod() and its patch on the shapes that break naive patches, and the
// properties the rest of the system relies on (no input mutation, idempotence).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyPatch, type Operation } from 'rfc6902';
import { DEFAULT_CONFIG } from '../../src/config/config.js';
import { evaluatePod } from '../../src/inject/evaluate.js';
import type { Pod } from '../../src/model/kubernetes.js';
import { createPatch } from '../../src/model/json-patch.js';
import { deepFreeze } from '../../src/model/memo.js';
import { podProblems } from '../support/pod-checks.js';

function inject(pod: Pod, annotations: Record<string, string> = {}): Pod {
  const input: Pod = { ...pod, metadata: { ...pod.metadata, annotations: { ...pod.metadata?.annotations, ...annotations } } };
  if (Object.keys(input.metadata?.annotations ?? {}).length === 0) delete input.metadata?.annotations;
  const outcome = evaluatePod({ pod: deepFreeze(input), namespace: { name: 'apps' }, config: DEFAULT_CONFIG });
  assert.equal(outcome.kind, 'injected', JSON.stringify(outcome));
  return outcome.kind === 'injected' ? outcome.pod : input;
}

const minimal = (): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'm' }, spec: { containers: [{ name: 'app', image: 'a' }] } });

function patchRoundTrip(original: Pod, injected: Pod): Operation[] {
  const patch = createPatch(original, injected) as Operation[];
  const target = structuredClone(original);
  assert.deepEqual(
    applyPatch(target, patch).filter((e) => e !== null),
    [],
  );
  assert.deepEqual(target, injected);
  return patch;
}

describe('injectPod and its patch', () => {
  it('adds whole objects where the pod has no annotations, init containers or volumes', () => {
    const original = minimal();
    const patch = patchRoundTrip(original, inject(original));
    const paths = patch.map((op) => `${op.op} ${op.path}`);
    assert.ok(paths.includes('add /metadata/annotations'), paths.join('\n'));
    assert.ok(paths.includes('add /spec/initContainers'));
    assert.ok(paths.includes('add /spec/volumes'));
  });

  it('escapes "/" in annotation keys as ~1 when annotations exist', () => {
    const original = { ...minimal(), metadata: { name: 'm', annotations: { 'team.example.com/owner': 'x' } } };
    const patch = patchRoundTrip(original, inject(original));
    assert.ok(patch.some((op) => op.path === '/metadata/annotations/envoy-injector.io~1status'));
    assert.ok(
      patch.every((op) => !op.path.startsWith('/metadata/annotations/team.example.com')),
      'existing annotations are not touched',
    );
  });

  it('appends to existing init containers and volumes without replacing them', () => {
    const original: Pod = {
      ...minimal(),
      spec: { containers: [{ name: 'app' }], initContainers: [{ name: 'setup' }], volumes: [{ name: 'data', emptyDir: {} }] },
    };
    const injected = inject(original, { 'envoy-injector.io/native-sidecar': 'false' });
    assert.deepEqual(
      injected.spec.initContainers?.map((c) => c.name),
      ['setup', 'envoy-init'],
    );
    assert.deepEqual(
      injected.spec.volumes?.map((v) => v.name),
      ['data', 'envoy-config'],
    );
    patchRoundTrip({ ...original, metadata: { name: 'm', annotations: { 'envoy-injector.io/native-sidecar': 'false' } } }, injected);
  });

  it('never modifies the app containers, only their position', () => {
    const original: Pod = {
      ...minimal(),
      spec: {
        containers: [
          { name: 'a', image: 'x', env: [{ name: 'E', value: '1' }] },
          { name: 'b', image: 'y' },
        ],
      },
    };
    const held = inject(original, { 'envoy-injector.io/native-sidecar': 'false', 'envoy-injector.io/hold-application-until-proxy-starts': 'true' });
    assert.deepEqual(
      held.spec.containers.map((c) => c.name),
      ['envoy', 'a', 'b'],
    );
    assert.deepEqual(held.spec.containers.slice(1), original.spec.containers);
  });

  it('native mode: envoy-init, then envoy with restartPolicy Always and a startupProbe, then the app init containers', () => {
    const injected = inject({ ...minimal(), spec: { containers: [{ name: 'app' }], initContainers: [{ name: 'migrate' }] } });
    const inits = injected.spec.initContainers ?? [];
    assert.deepEqual(
      inits.map((c) => c.name),
      ['envoy-init', 'envoy', 'migrate'],
    );
    assert.equal(inits[1]?.restartPolicy, 'Always');
    assert.ok(inits[1]?.startupProbe);
    assert.deepEqual(
      injected.spec.containers.map((c) => c.name),
      ['app'],
    );
    assert.deepEqual(podProblems(injected), []);
  });

  it('classic hold mode: the postStart wait is bounded', () => {
    const injected = inject(minimal(), { 'envoy-injector.io/native-sidecar': 'false', 'envoy-injector.io/hold-application-until-proxy-starts': 'true' });
    const lifecycle = injected.spec.containers[0]?.lifecycle as { postStart: { exec: { command: string[] } } };
    const script = lifecycle.postStart.exec.command.join(' ');
    assert.match(script, /deadline=\$\(\(SECONDS \+ 120\)\)/, 'the configured holdTimeoutSeconds bounds the wait (run for real in hold-wait.test)');
    assert.match(script, /exit 1/);
  });

  it('the proxy runs as the UID the capture rules exclude, locked down', () => {
    const injected = inject(minimal());
    const envoy = injected.spec.initContainers?.find((c) => c.name === 'envoy');
    assert.deepEqual(envoy?.securityContext, {
      runAsUser: 1337,
      runAsGroup: 1337,
      runAsNonRoot: true,
      privileged: false,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    const init = injected.spec.initContainers?.find((c) => c.name === 'envoy-init');
    assert.deepEqual((init?.securityContext as { capabilities: unknown }).capabilities, { add: ['NET_ADMIN', 'NET_RAW'], drop: ['ALL'] });
    assert.ok((init?.args as string[]).includes('--proxy-uid=1337'));
  });

  it('mounts the config volume as a directory, never with subPath', () => {
    const envoy = inject(minimal()).spec.initContainers?.find((c) => c.name === 'envoy');
    assert.deepEqual(envoy?.volumeMounts, [{ name: 'envoy-config', mountPath: '/etc/envoy-injector', readOnly: true }]);
  });

  it('is idempotent: an injected pod is skipped as already-injected', () => {
    const injected = inject(minimal());
    const again = evaluatePod({ pod: injected, namespace: { name: 'apps' }, config: DEFAULT_CONFIG });
    assert.equal(again.kind, 'skipped');
    assert.deepEqual(again.kind === 'skipped' ? again.reasons.map((r) => r.code) : [], ['already-injected']);
  });
});

describe('namespace defaults', () => {
  const ns = (annotations: Record<string, string>) => ({ name: 'shop', metadata: { labels: { 'envoy-injector.io/inject': 'enabled' }, annotations } });
  const pod = (): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'm' }, spec: { containers: [{ name: 'app', image: 'a' }] } });

  it('an invalid namespace default does not stop the namespace: ignored, with a warning naming it', () => {
    const outcome = evaluatePod({
      pod: pod(),
      namespace: ns({
        'envoy-injector.io/log-level': 'loud',
        'envoy-injector.io/routes': 'virtual_hosts: 7',
        'envoy-injector.io/proxy-cpu': '200m',
        'envoy-injector.io/proxy-imag': 'x',
      }),
      config: DEFAULT_CONFIG,
    });
    assert.equal(outcome.kind, 'injected');
    if (outcome.kind !== 'injected') return;
    assert.equal(outcome.settings.logLevel, DEFAULT_CONFIG.proxy.logLevel);
    assert.equal(outcome.settings.resources.requests.cpu, '200m', 'a valid default still applies');
    assert.deepEqual(outcome.warnings, [
      'envoy-injector: namespace annotation envoy-injector.io/proxy-imag: unknown annotation (did you mean "envoy-injector.io/proxy-image"?) (namespace shop): ignored, its pods use the injector\'s default',
      "envoy-injector: namespace annotation envoy-injector.io/routes at virtual_hosts: expected a list, got number 7 (namespace shop): ignored, its pods use the injector's default",
      'envoy-injector: namespace annotation envoy-injector.io/log-level: "loud" is not an Envoy log level (one of trace, debug, info, warning, error, critical, off) (namespace shop): ignored, its pods use the injector\'s default',
    ]);
  });

  it("the pod's own invalid annotation still refuses the pod", () => {
    const own = { ...pod(), metadata: { name: 'm', annotations: { 'envoy-injector.io/log-level': 'loud' } } };
    const outcome = evaluatePod({ pod: own, namespace: ns({ 'envoy-injector.io/log-level': 'loud' }), config: DEFAULT_CONFIG });
    assert.equal(outcome.kind, 'rejected');
  });
});
