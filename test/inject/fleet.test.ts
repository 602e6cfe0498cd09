// fleetStatus(): which running pods miss the proxy, which carry a stale one,
// grouped by workload. The injected pods here are made by the injector
// itself, then aged the ways a cluster ages them.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_CONFIG, type InjectorConfig } from '../../src/config/config.js';
import { evaluatePod } from '../../src/inject/evaluate.js';
import { classifyPod, fleetStatus, trimForFleet } from '../../src/inject/fleet.js';
import type { NamespaceMetadata } from '../../src/model/lookups.js';
import type { Pod } from '../../src/model/kubernetes.js';
import { ANNOTATION } from '../../src/model/names.js';
import { runningPod as appPod } from '../support/running-pod.js';

const ENROLLED: NamespaceMetadata = { labels: { 'envoy-injector.io/inject': 'enabled' }, annotations: {} };
const namespaces = new Map<string, NamespaceMetadata>([
  ['shop', ENROLLED],
  ['legacy', { labels: {}, annotations: {} }],
]);

function injected(pod: Pod, config: InjectorConfig = DEFAULT_CONFIG): Pod {
  const outcome = evaluatePod({ pod, namespace: { name: pod.metadata?.namespace ?? '', metadata: ENROLLED }, config });
  assert.equal(outcome.kind, 'injected');
  return outcome.kind === 'injected' ? outcome.pod : pod;
}

function withStatus(pod: Pod, edit: (status: Record<string, unknown>) => Record<string, unknown>): Pod {
  const annotations = { ...pod.metadata?.annotations };
  annotations[ANNOTATION.status] = JSON.stringify(edit(JSON.parse(annotations[ANNOTATION.status] ?? '{}') as Record<string, unknown>));
  return { ...pod, metadata: { ...pod.metadata, annotations } };
}

describe('fleet status', () => {
  it('a pod injected by this injector with this config is up to date', () => {
    assert.deepEqual(fleetStatus([injected(appPod('web-1'))], namespaces, DEFAULT_CONFIG), { checked: 1, upToDate: 1, missing: [], stale: [], uncaptured: [] });
  });

  it('pods of an enrolled namespace without the proxy are missing it, grouped by workload', () => {
    const status = fleetStatus([appPod('web-1'), appPod('web-2'), appPod('old', 'legacy')], namespaces, DEFAULT_CONFIG);
    assert.equal(status.checked, 3);
    assert.equal(status.missing.length, 1);
    assert.deepEqual({ ...status.missing[0], reason: undefined }, { namespace: 'shop', owner: 'web', pods: ['web-1', 'web-2'], reason: undefined });
    assert.match(
      status.missing[0]?.reason ?? '',
      /never reviewed by the webhook: created while it was unreachable \(fail-open\), or before namespace shop was enrolled/,
    );
  });

  it('a pod the webhook would refuse today is reported with the refusal', () => {
    const refused = appPod('bad', 'shop', { metadata: { name: 'bad', namespace: 'shop', annotations: { [ANNOTATION.proxyCpu]: 'lots' } } });
    const [group] = fleetStatus([refused], namespaces, DEFAULT_CONFIG).missing;
    assert.match(group?.reason ?? '', /the webhook would refuse it today: .*envoy-injector.io\/proxy-cpu/);
  });

  it('pods that opted out, host-network pods and finished pods are not counted as missing', () => {
    const optedOut = appPod('batch', 'shop', { metadata: { name: 'batch', namespace: 'shop', labels: { 'envoy-injector.io/inject': 'false' } } });
    const hostNetwork = appPod('agent', 'shop', { spec: { hostNetwork: true, containers: [{ name: 'a', image: 'a' }] } });
    const done = appPod('job-1', 'shop', { status: { phase: 'Succeeded' } });
    const failed = appPod('job-2', 'shop', { status: { phase: 'Failed' } });
    assert.deepEqual(fleetStatus([optedOut, hostNetwork, done, failed], namespaces, DEFAULT_CONFIG), {
      checked: 2,
      upToDate: 0,
      missing: [],
      stale: [],
      uncaptured: [],
    });
  });

  const staleCases: Array<[string, () => Pod, InjectorConfig, RegExp]> = [
    [
      'injected by another injector version',
      () => withStatus(injected(appPod('web-1')), (s) => ({ ...s, injectorVersion: '0.0.9' })),
      DEFAULT_CONFIG,
      /injected by envoy-injector 0.0.9, now 0.1.0/,
    ],
    [
      'running an image the injector no longer injects',
      () => injected(appPod('web-1')),
      { ...DEFAULT_CONFIG, proxy: { ...DEFAULT_CONFIG.proxy, image: 'envoyproxy/envoy:v1.37.0' } },
      /runs envoyproxy\/envoy:v1.36.6, the injector now injects envoyproxy\/envoy:v1.37.0/,
    ],
    [
      'injected with a template the config has since changed',
      () => injected(appPod('web-1')),
      { ...DEFAULT_CONFIG, proxy: { ...DEFAULT_CONFIG.proxy, drainSeconds: 10 } },
      /the injector now injects other containers or volume/,
    ],
    [
      'injected before versions were recorded',
      () =>
        withStatus(injected(appPod('web-1')), (s) => ({
          version: 1,
          mode: s.mode,
          containers: s.containers,
          initContainers: s.initContainers,
          volumes: s.volumes,
          configHash: s.configHash,
        })),
      DEFAULT_CONFIG,
      /status version 1/,
    ],
  ];
  for (const [name, make, config, reason] of staleCases) {
    it(`a pod ${name} is stale`, () => {
      const status = fleetStatus([make()], namespaces, config);
      assert.equal(status.upToDate, 0);
      assert.equal(status.stale.length, 1);
      assert.match(status.stale[0]?.reason ?? '', reason);
      assert.deepEqual(status.stale[0]?.pods, ['web-1']);
    });
  }

  const claimsWithoutProxy: Array<[string, () => Pod, InjectorConfig, RegExp]> = [
    [
      'carrying a status whose proxy container it lacks',
      () => {
        const pod = injected(appPod('web-1'));
        return { ...pod, spec: { ...pod.spec, initContainers: (pod.spec.initContainers ?? []).filter((c) => c.name !== 'envoy') } };
      },
      DEFAULT_CONFIG,
      /init container envoy, which the pod does not have/,
    ],
    [
      'carrying a forged status that lists nothing',
      () => withStatus(injected(appPod('web-1')), (s) => ({ ...s, containers: [], initContainers: [], volumes: [] })),
      DEFAULT_CONFIG,
      /lists containers \[\], initContainers \[\] and volumes \[\], not what the injector adds in native mode/,
    ],
  ];
  for (const [name, make, config, reason] of claimsWithoutProxy) {
    it(`a pod ${name} is missing the proxy, not up to date or stale`, () => {
      const status = fleetStatus([make()], namespaces, config);
      assert.equal(status.upToDate, 0);
      assert.equal(status.stale.length, 0);
      assert.equal(status.missing.length, 1);
      assert.match(status.missing[0]?.reason ?? '', reason);
    });
  }

  it('a route change on a running pod does not make it stale: only the Envoy config changed', () => {
    const pod = injected(appPod('web-1'));
    const routes = 'virtual_hosts:\n- name: api\n  domains: ["api"]\n  routes:\n  - match: { prefix: "/" }\n    route: { cluster: "api-v2:8080" }\n';
    const annotations = { ...pod.metadata?.annotations, [ANNOTATION.routes]: routes };
    assert.deepEqual(fleetStatus([{ ...pod, metadata: { ...pod.metadata, annotations } }], namespaces, DEFAULT_CONFIG), {
      checked: 1,
      upToDate: 1,
      missing: [],
      stale: [],
      uncaptured: [],
    });
  });

  it('a proxy the injector would not put there today is stale, with the reason', () => {
    const pod = injected(appPod('web-1'));
    const optedOut = { ...pod, metadata: { ...pod.metadata, labels: { ...pod.metadata?.labels, 'envoy-injector.io/inject': 'false' } } };
    assert.match(fleetStatus([optedOut], namespaces, DEFAULT_CONFIG).stale[0]?.reason ?? '', /^the injector would not inject it today: \[pod-opted-out\]/);
    const broken = { ...pod, metadata: { ...pod.metadata, annotations: { ...pod.metadata?.annotations, [ANNOTATION.routes]: 'virtual_hosts: []' } } };
    assert.match(fleetStatus([broken], namespaces, DEFAULT_CONFIG).stale[0]?.reason ?? '', /^the injector would refuse it today: .*must have at least 1 entry/);
  });
});

describe('fleet status, the report', () => {
  it('groups pods by namespace, workload and reason, sorted by namespace then workload', () => {
    const owned = (name: string, namespace: string, app: string): Pod => {
      const pod = appPod(name, namespace);
      return { ...pod, metadata: { ...pod.metadata, labels: { app } } };
    };
    const refused = (name: string): Pod => {
      const pod = owned(name, 'shop', 'api');
      return { ...pod, metadata: { ...pod.metadata, annotations: { [ANNOTATION.proxyCpu]: 'lots' } } };
    };
    const pods = [owned('w-1', 'shop', 'web'), owned('a-1', 'shop', 'api'), owned('p-1', 'payments', 'web'), refused('a-2'), owned('w-2', 'shop', 'web')];
    const status = fleetStatus(pods, new Map([...namespaces, ['payments', ENROLLED]]), DEFAULT_CONFIG);
    assert.deepEqual(
      status.missing.map((g) => [g.namespace, g.owner, g.pods, g.reason.slice(0, 22)]),
      [
        ['payments', 'web', ['p-1'], 'never reviewed by the '],
        ['shop', 'api', ['a-1'], 'never reviewed by the '],
        ['shop', 'api', ['a-2'], 'the webhook would refu'],
        ['shop', 'web', ['w-1', 'w-2'], 'never reviewed by the '],
      ],
    );
    assert.equal(status.checked, 5);
  });

  it('says in full why a pod misses the proxy or carries a stale one', () => {
    const [missing] = fleetStatus([appPod('web-1')], namespaces, DEFAULT_CONFIG).missing;
    assert.equal(
      missing?.reason,
      'never reviewed by the webhook: created while it was unreachable (fail-open), or before namespace shop was enrolled; restart the workload',
    );
    const forged = withStatus(injected(appPod('web-1')), (s) => ({ ...s, mode: 'ambient' }));
    assert.deepEqual(classifyPod(forged, ENROLLED, DEFAULT_CONFIG), { kind: 'missing', reason: 'its envoy-injector.io/status has an unknown mode' });
    const refusedToday = appPod('bad', 'shop', { metadata: { name: 'bad', namespace: 'shop', annotations: { [ANNOTATION.proxyCpu]: 'lots' } } });
    const finding = classifyPod(refusedToday, ENROLLED, DEFAULT_CONFIG);
    assert.equal(finding.kind, 'missing');
    if (finding.kind === 'missing') assert.match(finding.reason, /^the webhook would refuse it today: annotation envoy-injector\.io\/proxy-cpu/);
  });

  it('judges a running proxy by the app the pod runs today: an app container the injector would now refuse makes it stale', () => {
    const pod = injected(appPod('web-1'));
    const onProxyUid = { ...pod, spec: { ...pod.spec, containers: pod.spec.containers.map((c) => ({ ...c, securityContext: { runAsUser: 1337 } })) } };
    const finding = classifyPod(onProxyUid, ENROLLED, DEFAULT_CONFIG);
    assert.equal(finding.kind, 'stale');
    if (finding.kind === 'stale') assert.match(finding.reason, /^the injector would refuse it today: .*1337/);
  });

  it('reads a pod without metadata: in no namespace, never injected', () => {
    const bare: Pod = { spec: { containers: [{ name: 'app' }] } };
    assert.deepEqual(classifyPod(bare, { labels: {}, annotations: {} }, DEFAULT_CONFIG), { kind: 'not-ours' });
    assert.deepEqual(
      fleetStatus([bare], new Map([['', ENROLLED]]), DEFAULT_CONFIG).missing.map((g) => [g.namespace, g.owner, g.pods]),
      [['', 'unknown', ['']]],
    );
  });
});

describe('trimForFleet', () => {
  const big = (name: string, extra: Partial<Pod['spec']> = {}, annotations: Record<string, string> = {}): Pod => {
    const base = appPod(name);
    return {
      ...base,
      metadata: { ...base.metadata, annotations },
      spec: {
        containers: [
          {
            name: 'web',
            image: 'nginx',
            env: Array.from({ length: 50 }, (_, i) => ({ name: `V${i}`, value: 'x'.repeat(40) })),
            ports: [{ containerPort: 8080 }],
          },
        ],
        ...extra,
      },
    };
  };
  const pods: Array<[string, Pod]> = [
    ['an app pod', big('a')],
    ['an injected pod', injected(big('b'))],
    ['a classic held pod', injected(big('c', {}, { [ANNOTATION.nativeSidecar]: 'false', [ANNOTATION.holdApplicationUntilProxyStarts]: 'true' }))],
    ['a pod whose drain no longer fits its grace period', big('d', { terminationGracePeriodSeconds: 3 }, { [ANNOTATION.drainSeconds]: '10' })],
    ['a pod on the proxy UID', big('e', { securityContext: { runAsUser: 1337 } })],
    ['a host-network pod', big('f', { hostNetwork: true })],
    ['a pod with a proxy port', { ...big('g'), spec: { containers: [{ name: 'web', image: 'x', ports: [{ containerPort: 15001 }] }] } }],
    ['a stale pod', withStatus(injected(big('h')), (s) => ({ ...s, injectorVersion: '0.0.1' }))],
    ['a pod with 200 KiB of annotations of its own', big('i', {}, { note: 'n'.repeat(200 * 1024), [ANNOTATION.proxyCpu]: '200m' })],
    ['a pod with routes over their limit', big('j', {}, { [ANNOTATION.routes]: `# ${'r'.repeat(40 * 1024)}` })],
    ['a pod with a setting over its limit', big('k', {}, { [ANNOTATION.proxyImage]: 'i'.repeat(10_000) })],
    ['a pod another mesh injected', big('l', {}, { 'linkerd.io/proxy-version': 'stable-2.14', note: 'x' })],
    ['a pod with 500 unknown keys of ours', big('m', {}, Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`envoy-injector.io/x-${i}`, 'v'])))],
  ];
  for (const [name, input] of pods) {
    it(`classifies ${name} as the whole pod does`, () => {
      // The same verdict, for the same reasons: only the sizes it quotes of cut values may differ.
      const numbersAside = (finding: object): string => JSON.stringify(finding).replace(/\d+/g, 'N');
      assert.equal(numbersAside(classifyPod(trimForFleet(input), ENROLLED, DEFAULT_CONFIG)), numbersAside(classifyPod(input, ENROLLED, DEFAULT_CONFIG)));
    });
  }

  it('keeps none of the annotations the injector does not read, and ours cut to one byte past their limit', () => {
    const trimmed = trimForFleet(big('z', {}, { note: 'n'.repeat(200 * 1024), [ANNOTATION.routes]: 'r'.repeat(100_000), [ANNOTATION.proxyCpu]: '1' }));
    const annotations = trimmed.metadata?.annotations ?? {};
    assert.deepEqual(Object.keys(annotations).sort(), [ANNOTATION.proxyCpu, ANNOTATION.routes]);
    assert.equal(annotations[ANNOTATION.routes]?.length, 32 * 1024 + 1);
    assert.ok(JSON.stringify(trimmed).length < 40 * 1024);
  });

  it('keeps a fraction of an injected pod', () => {
    const pod = injected(big('b'));
    const [whole, trimmed] = [JSON.stringify(pod).length, JSON.stringify(trimForFleet(pod)).length];
    assert.ok(trimmed * 5 < whole, `${trimmed} of ${whole} bytes`);
  });

  it('keeps of each container its name, ports, security context and restart policy, and of volumes their names', () => {
    const pod: Pod = {
      metadata: { name: 'n', generateName: 'n-', namespace: 'shop', labels: { a: 'b' }, ownerReferences: [], uid: 'u', resourceVersion: '1' },
      spec: {
        hostNetwork: false,
        initContainers: [{ name: 'i', image: 'x', restartPolicy: 'Always', securityContext: { runAsUser: 7 }, env: [] }],
        containers: [{ name: 'c', image: 'y', ports: [{ containerPort: 80 }], command: ['run'] }, { name: 'd' }],
        volumes: [{ name: 'v', emptyDir: {} }],
      },
      status: { phase: 'Pending', conditions: [] },
    };
    assert.deepEqual(trimForFleet(pod), {
      metadata: { name: 'n', generateName: 'n-', namespace: 'shop', labels: { a: 'b' }, ownerReferences: [], annotations: {} },
      spec: {
        hostNetwork: false,
        initContainers: [{ name: 'i', restartPolicy: 'Always', securityContext: { runAsUser: 7 } }],
        containers: [{ name: 'c', ports: [{ containerPort: 80 }] }, { name: 'd' }],
        volumes: [{ name: 'v' }],
      },
      status: { phase: 'Pending' },
    });
    assert.deepEqual(trimForFleet({ spec: { containers: [] } }), { metadata: { annotations: {} }, spec: { containers: [] } });
  });

  it('keeps at most 40 of our annotations, and the status whatever its place', () => {
    const many = Object.fromEntries(Array.from({ length: 45 }, (_, i) => [`envoy-injector.io/x-${String(i).padStart(2, '0')}`, 'v']));
    const kept = trimForFleet({ metadata: { annotations: { ...many, [ANNOTATION.status]: '{}' } }, spec: { containers: [] } }).metadata?.annotations ?? {};
    assert.equal(Object.keys(kept).length, 41);
    assert.equal(kept['envoy-injector.io/x-39'], 'v');
    assert.equal(kept['envoy-injector.io/x-40'], undefined);
    assert.equal(kept[ANNOTATION.status], '{}');
    const forty = Object.fromEntries(Object.entries(many).slice(0, 40));
    assert.deepEqual(trimForFleet({ metadata: { annotations: forty }, spec: { containers: [] } }).metadata?.annotations, forty);
  });

  it('cuts a setting at 4 KiB and the routes at 32 KiB, one byte past; a value at its limit stays whole', () => {
    const at = { [ANNOTATION.proxyImage]: 'i'.repeat(4096), [ANNOTATION.routes]: 'r'.repeat(32 * 1024) };
    assert.deepEqual(trimForFleet({ metadata: { annotations: at }, spec: { containers: [] } }).metadata?.annotations, at);
    const over = { [ANNOTATION.proxyImage]: 'i'.repeat(5000), [ANNOTATION.routes]: 'r'.repeat(40 * 1024) };
    const cut = trimForFleet({ metadata: { annotations: over }, spec: { containers: [] } }).metadata?.annotations ?? {};
    assert.equal(cut[ANNOTATION.proxyImage]?.length, 4097);
    assert.equal(cut[ANNOTATION.routes]?.length, 32 * 1024 + 1);
  });
});

describe('fleet: pods whose proxy reads xDS', () => {
  const XDS_CONFIG: InjectorConfig = {
    ...DEFAULT_CONFIG,
    xds: { ...DEFAULT_CONFIG.xds, caBundle: '-----BEGIN CERTIFICATE-----\nserving CA\n-----END CERTIFICATE-----\n' },
  };
  const xdsPod = (): Pod => {
    const pod = appPod('web-1');
    return injected({ ...pod, metadata: { ...pod.metadata, annotations: { [ANNOTATION.configSource]: 'xds' } } }, XDS_CONFIG);
  };

  it('are up to date for a checker that does not know the ADS server CA (status on an operator machine), as for the server itself', () => {
    assert.deepEqual(classifyPod(xdsPod(), ENROLLED, XDS_CONFIG), { kind: 'up-to-date' });
    assert.deepEqual(classifyPod(xdsPod(), ENROLLED, DEFAULT_CONFIG), { kind: 'up-to-date' });
  });

  it('are stale when the template they were given changed', () => {
    const other = { ...DEFAULT_CONFIG, proxy: { ...DEFAULT_CONFIG.proxy, drainSeconds: 9 } };
    assert.equal(classifyPod(xdsPod(), ENROLLED, other).kind, 'stale');
  });
});

describe('fleet: pods captured by the CNI plugin', () => {
  const CNI: InjectorConfig = { ...DEFAULT_CONFIG, capture: { ...DEFAULT_CONFIG.capture, cniInstalled: true } };
  const cniPod = (statuses?: unknown[]): Pod => {
    const pod = injected({ ...appPod('web-1'), metadata: { ...appPod('web-1').metadata, annotations: { [ANNOTATION.capture]: 'cni' } } }, CNI);
    return { ...pod, spec: { ...pod.spec, nodeName: 'node-7' }, status: { phase: 'Pending', ...(statuses ? { initContainerStatuses: statuses } : {}) } };
  };
  const failing = { name: 'envoy-validate', ready: false, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1 } } };

  it('reports one whose envoy-validate fails as waiting for capture, naming its node; the others as usual', () => {
    const status = fleetStatus(
      [cniPod([failing]), cniPod([{ name: 'envoy-validate', ready: true, state: { terminated: { exitCode: 0 } } }]), cniPod()],
      namespaces,
      CNI,
    );
    assert.equal(status.uncaptured.length, 1);
    assert.deepEqual(status.uncaptured[0]?.pods, ['web-1']);
    assert.equal(
      status.uncaptured[0]?.reason,
      'its envoy-validate init container fails: the envoy-injector CNI plugin did not install its capture rules on node node-7; with envoy-injector-cni ready there, delete the pod',
    );
    assert.equal(status.upToDate, 2);
  });

  it('keeps what that takes when trimming, and nothing else of the statuses', () => {
    const pod = cniPod([failing, { name: 'other', ready: true, image: 'x', imageID: 'sha256:…' }]);
    const trimmed = trimForFleet(pod);
    assert.deepEqual((trimmed as { status?: unknown }).status, { phase: 'Pending', initContainerStatuses: [failing] });
    assert.equal(classifyPod(trimmed, ENROLLED, CNI).kind, 'uncaptured');
  });
});
