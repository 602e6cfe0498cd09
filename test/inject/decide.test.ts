// Table tests for decide(): every row of the table of docs/reference.md, and the full truth
// table of namespace setting × pod label × pod annotation.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_CONFIG, type InjectorConfig } from '../../src/config/config.js';
import { decide } from '../../src/inject/decide.js';
import type { NamespaceContext, Pod } from '../../src/model/kubernetes.js';
import type { ReasonCode } from '../../src/inject/reasons.js';

interface PodShape {
  label?: string;
  annotation?: string;
  hostNetwork?: boolean;
  injected?: boolean;
}

/** What the injector adds in native mode, as the status lists it. */
const INJECTED_STATUS = JSON.stringify({
  version: 1,
  mode: 'native',
  containers: [],
  initContainers: ['envoy-init', 'envoy'],
  volumes: ['envoy-config'],
  configHash: '0123456789abcdef',
});
const INJECTED_SPEC = { initContainers: [{ name: 'envoy-init' }, { name: 'envoy', restartPolicy: 'Always' }], volumes: [{ name: 'envoy-config' }] };

function pod(shape: PodShape = {}): Pod {
  const labels: Record<string, string> = {};
  const annotations: Record<string, string> = {};
  if (shape.label !== undefined) labels['envoy-injector.io/inject'] = shape.label;
  if (shape.annotation !== undefined) annotations['envoy-injector.io/inject'] = shape.annotation;
  const spec: Pod['spec'] = { containers: [{ name: 'app' }], ...(shape.hostNetwork ? { hostNetwork: true } : {}) };
  if (shape.injected) {
    annotations['envoy-injector.io/status'] = INJECTED_STATUS;
    Object.assign(spec, INJECTED_SPEC);
  }
  return { metadata: { name: 'p', labels, annotations }, spec };
}

type NamespaceSetting = 'enabled' | 'disabled' | 'unlabelled' | 'unknown' | 'bogus';

function namespace(setting: NamespaceSetting, name = 'apps', extraLabels: Record<string, string> = {}): NamespaceContext {
  if (setting === 'unknown') return { name };
  const labels: Record<string, string> = { ...extraLabels };
  if (setting === 'enabled' || setting === 'disabled') labels['envoy-injector.io/inject'] = setting;
  if (setting === 'bogus') labels['envoy-injector.io/inject'] = 'yes';
  return { name, metadata: { labels, annotations: {} } };
}

function codes(p: Pod, ns: NamespaceContext, config: InjectorConfig = DEFAULT_CONFIG): ReasonCode[] | 'inject' {
  const decision = decide(p, ns, config);
  return decision.inject ? 'inject' : decision.reasons.map((r) => r.code);
}

describe('decide: the rows of docs/reference.md', () => {
  const rows: Array<{ name: string; pod: Pod; ns: NamespaceContext; want: ReasonCode[] | 'inject'; config?: InjectorConfig }> = [
    { name: 'enrolled namespace, pod says nothing', pod: pod(), ns: namespace('enabled'), want: 'inject' },
    { name: 'unlabelled namespace, pod says nothing', pod: pod(), ns: namespace('unlabelled'), want: ['namespace-not-enrolled'] },
    { name: 'unknown namespace counts as enrolled', pod: pod(), ns: namespace('unknown'), want: 'inject' },
    { name: 'namespace with an invalid label is not enrolled', pod: pod(), ns: namespace('bogus'), want: ['namespace-not-enrolled'] },
    { name: 'pod label true opts in from an unlabelled namespace', pod: pod({ label: 'true' }), ns: namespace('unlabelled'), want: 'inject' },
    {
      name: 'pod annotation true cannot opt in from an unlabelled namespace',
      pod: pod({ annotation: 'true' }),
      ns: namespace('unlabelled'),
      want: ['namespace-not-enrolled'],
    },
    { name: 'pod annotation true in an unknown namespace', pod: pod({ annotation: 'true' }), ns: namespace('unknown'), want: 'inject' },
    { name: 'pod label false opts out of an enrolled namespace', pod: pod({ label: 'false' }), ns: namespace('enabled'), want: ['pod-opted-out'] },
    { name: 'pod annotation false opts out of an enrolled namespace', pod: pod({ annotation: 'false' }), ns: namespace('enabled'), want: ['pod-opted-out'] },
    {
      name: 'label wins over annotation (label true, annotation false)',
      pod: pod({ label: 'true', annotation: 'false' }),
      ns: namespace('enabled'),
      want: 'inject',
    },
    {
      name: 'label wins over annotation (label false, annotation true)',
      pod: pod({ label: 'false', annotation: 'true' }),
      ns: namespace('enabled'),
      want: ['pod-opted-out'],
    },
    { name: 'disabled namespace beats a pod label true', pod: pod({ label: 'true' }), ns: namespace('disabled'), want: ['namespace-disabled'] },
    { name: 'kube-system is never injected', pod: pod({ label: 'true' }), ns: namespace('enabled', 'kube-system'), want: ['system-namespace'] },
    { name: 'kube-public is never injected', pod: pod(), ns: namespace('unknown', 'kube-public'), want: ['system-namespace'] },
    { name: 'kube-node-lease is never injected', pod: pod(), ns: namespace('unknown', 'kube-node-lease'), want: ['system-namespace'] },
    {
      name: "the injector's own namespace is never injected",
      pod: pod({ label: 'true' }),
      ns: namespace('enabled', 'envoy-injector'),
      want: ['system-namespace'],
    },
    { name: 'hostNetwork pods are never injected', pod: pod({ label: 'true', hostNetwork: true }), ns: namespace('enabled'), want: ['host-network'] },
    { name: 'injected pods are not injected twice', pod: pod({ injected: true }), ns: namespace('enabled'), want: ['already-injected'] },
    {
      name: 'every reason is reported, not only the first',
      pod: pod({ label: 'false', hostNetwork: true, injected: true }),
      ns: namespace('enabled', 'kube-system'),
      want: ['system-namespace', 'host-network', 'already-injected', 'pod-opted-out'],
    },
    {
      name: 'a forged status listing nothing is refused, not trusted as injected',
      pod: {
        ...pod(),
        metadata: {
          annotations: {
            'envoy-injector.io/status': '{"version":1,"mode":"native","containers":[],"initContainers":[],"volumes":[],"configHash":"0123456789abcdef"}',
          },
        },
      },
      ns: namespace('enabled'),
      want: ['invalid-status'],
    },
    {
      name: 'a status whose native proxy is not restartable (so never runs beside the app) is refused',
      pod: (() => {
        const injected = pod({ injected: true });
        return { ...injected, spec: { ...injected.spec, initContainers: [{ name: 'envoy-init' }, { name: 'envoy' }] } };
      })(),
      ns: namespace('enabled'),
      want: ['invalid-status'],
    },
    {
      name: 'a status the injector did not write is refused',
      pod: { ...pod(), metadata: { annotations: { 'envoy-injector.io/status': '{"version":1}' } } },
      ns: namespace('enabled'),
      want: ['invalid-status'],
    },
    { name: 'an invalid label value is a reason that rejects', pod: pod({ label: 'yes' }), ns: namespace('enabled'), want: ['invalid-inject-value'] },
    {
      name: 'an invalid annotation value is a reason that rejects',
      pod: pod({ annotation: 'enabled' }),
      ns: namespace('enabled'),
      want: ['invalid-inject-value'],
    },
    {
      name: 'policy disabled: enrolled pods must opt in',
      pod: pod(),
      ns: namespace('enabled'),
      want: ['pod-not-opted-in'],
      config: { ...DEFAULT_CONFIG, policy: 'disabled' },
    },
    {
      name: 'policy disabled: an opted-in pod is injected',
      pod: pod({ annotation: 'true' }),
      ns: namespace('enabled'),
      want: 'inject',
      config: { ...DEFAULT_CONFIG, policy: 'disabled' },
    },
    {
      name: 'restricted Pod Security namespace',
      pod: pod(),
      ns: namespace('enabled', 'apps', { 'pod-security.kubernetes.io/enforce': 'restricted' }),
      want: ['pod-security'],
    },
    {
      name: 'baseline Pod Security namespace',
      pod: pod(),
      ns: namespace('enabled', 'apps', { 'pod-security.kubernetes.io/enforce': 'baseline' }),
      want: ['pod-security'],
    },
    {
      name: 'privileged Pod Security namespace is fine',
      pod: pod(),
      ns: namespace('enabled', 'apps', { 'pod-security.kubernetes.io/enforce': 'privileged' }),
      want: 'inject',
    },
    {
      name: 'an invalid Pod Security level fails closed to restricted, as Pod Security reads it',
      pod: pod(),
      ns: namespace('enabled', 'apps', { 'pod-security.kubernetes.io/enforce': 'Restricted' }),
      want: ['pod-security'],
    },
    {
      name: 'an empty Pod Security level is invalid too',
      pod: pod(),
      ns: namespace('enabled', 'apps', { 'pod-security.kubernetes.io/enforce': '' }),
      want: ['pod-security'],
    },
  ];
  for (const row of rows) {
    it(row.name, () => assert.deepEqual(codes(row.pod, row.ns, row.config), row.want));
  }

  it('explains a positive decision', () => {
    const decision = decide(pod({ label: 'true' }), namespace('unlabelled'), DEFAULT_CONFIG);
    assert.equal(decision.inject, true);
    assert.match(decision.inject ? decision.because : '', /label envoy-injector\.io\/inject is "true"/);
  });

  it('rejects, rather than skips, on invalid values and Pod Security with podSecurity: fail', () => {
    const invalid = decide(pod({ label: 'yes' }), namespace('enabled'), DEFAULT_CONFIG);
    assert.equal(!invalid.inject && invalid.reasons[0]?.rejectsPod, true);
    assert.match(!invalid.inject ? (invalid.reasons[0]?.message ?? '') : '', /label envoy-injector\.io\/inject: "yes" must be "true" or "false"/);
    const restricted = namespace('enabled', 'apps', { 'pod-security.kubernetes.io/enforce': 'restricted' });
    const skip = decide(pod(), restricted, DEFAULT_CONFIG);
    const fail = decide(pod(), restricted, { ...DEFAULT_CONFIG, podSecurity: 'fail' });
    assert.equal(!skip.inject && skip.reasons[0]?.rejectsPod, false);
    assert.equal(!fail.inject && fail.reasons[0]?.rejectsPod, true);
  });
});

describe('decide: truth table of namespace × pod label × pod annotation', () => {
  const namespaces: NamespaceSetting[] = ['enabled', 'disabled', 'unlabelled', 'unknown', 'bogus'];
  const values = [undefined, 'true', 'false'] as const;
  // The expected result, derived independently from the sentences of docs/reference.md.
  function expected(ns: NamespaceSetting, label: string | undefined, annotation: string | undefined): ReasonCode | 'inject' {
    if (ns === 'disabled') return 'namespace-disabled';
    const setting = label ?? annotation;
    const fromLabel = label !== undefined;
    if (setting === 'false') return 'pod-opted-out';
    const enrolled = ns === 'enabled' || ns === 'unknown';
    if (setting === 'true') return enrolled || fromLabel ? 'inject' : 'namespace-not-enrolled';
    return enrolled ? 'inject' : 'namespace-not-enrolled';
  }
  for (const ns of namespaces) {
    for (const label of values) {
      for (const annotation of values) {
        const want = expected(ns, label, annotation);
        it(`namespace ${ns}, label ${label ?? '-'}, annotation ${annotation ?? '-'} → ${want}`, () => {
          const got = codes(pod({ ...(label ? { label } : {}), ...(annotation ? { annotation } : {}) }), namespace(ns));
          assert.deepEqual(got, want === 'inject' ? 'inject' : [want]);
        });
      }
    }
  }
});
