// Every message decide() gives, whole: the reason codes are tested by the
// table in decide.test.ts; here, what a user reads in kubectl warnings,
// events and `explain` — each names the namespace or pod field that decided,
// and what to change. One row per reason and per positive `because`.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_CONFIG, type InjectorConfig } from '../../src/config/config.js';
import { decide } from '../../src/inject/decide.js';
import type { Decision } from '../../src/inject/reasons.js';
import type { NamespaceContext, Pod } from '../../src/model/kubernetes.js';

const pod = (labels: Record<string, string> = {}, annotations: Record<string, string> = {}, spec: Partial<Pod['spec']> = {}): Pod => ({
  metadata: { name: 'p', labels, annotations },
  spec: { containers: [{ name: 'app' }], ...spec },
});
/** labels undefined: the namespace is not known; null: only its annotations are. */
const ns = (name: string, labels?: Record<string, string> | null, annotations: Record<string, string> = {}): NamespaceContext =>
  labels === undefined ? { name } : labels === null ? { name, metadata: { annotations } } : { name, metadata: { labels, annotations } };
const EN = { 'envoy-injector.io/inject': 'enabled' };

type Row = [name: string, pod: Pod, namespace: NamespaceContext, config: InjectorConfig | undefined, want: Decision];

const ROWS: Row[] = [
  [
    'a Kubernetes system namespace',
    pod(),
    ns('kube-system', EN),
    undefined,
    {
      inject: false,
      reasons: [{ code: 'system-namespace', message: 'namespace kube-system is a Kubernetes system namespace and is never injected', rejectsPod: false }],
    },
  ],
  [
    "the injector's own namespace",
    pod(),
    ns('envoy-injector', EN),
    undefined,
    {
      inject: false,
      reasons: [{ code: 'system-namespace', message: "namespace envoy-injector is the injector's own namespace and is never injected", rejectsPod: false }],
    },
  ],
  [
    'a namespace labelled disabled, whatever the pod says',
    pod({ 'envoy-injector.io/inject': 'true' }),
    ns('shop', { 'envoy-injector.io/inject': 'disabled' }),
    undefined,
    {
      inject: false,
      reasons: [
        {
          code: 'namespace-disabled',
          message: 'namespace shop is labelled envoy-injector.io/inject=disabled, which no pod setting overrides',
          rejectsPod: false,
        },
      ],
    },
  ],
  [
    'a pod label "false"',
    pod({ 'envoy-injector.io/inject': 'false' }),
    ns('shop', EN),
    undefined,
    { inject: false, reasons: [{ code: 'pod-opted-out', message: 'the pod\'s label envoy-injector.io/inject is "false"', rejectsPod: false }] },
  ],
  [
    'a pod annotation "false"',
    pod({}, { 'envoy-injector.io/inject': 'false' }),
    ns('shop', EN),
    undefined,
    { inject: false, reasons: [{ code: 'pod-opted-out', message: 'the pod\'s annotation envoy-injector.io/inject is "false"', rejectsPod: false }] },
  ],
  [
    'an annotation "true" in a namespace not labelled',
    pod({}, { 'envoy-injector.io/inject': 'true' }),
    ns('shop', {}),
    undefined,
    {
      inject: false,
      reasons: [
        {
          code: 'namespace-not-enrolled',
          message:
            'namespace shop is not labelled envoy-injector.io/inject=enabled; the pod\'s annotation cannot opt it in (the webhook\'s selectors see labels only): use the pod label envoy-injector.io/inject: "true"',
          rejectsPod: false,
        },
      ],
    },
  ],
  [
    'an annotation "true" in a namespace labelled neither enabled nor disabled',
    pod({}, { 'envoy-injector.io/inject': 'true' }),
    ns('shop', { 'envoy-injector.io/inject': 'yes' }),
    undefined,
    {
      inject: false,
      reasons: [
        {
          code: 'namespace-not-enrolled',
          message:
            'namespace shop has label envoy-injector.io/inject="yes", which is neither enabled nor disabled; the pod\'s annotation cannot opt it in (the webhook\'s selectors see labels only): use the pod label envoy-injector.io/inject: "true"',
          rejectsPod: false,
        },
      ],
    },
  ],
  [
    'no setting in a namespace not labelled',
    pod(),
    ns('shop', {}),
    undefined,
    {
      inject: false,
      reasons: [
        {
          code: 'namespace-not-enrolled',
          message: 'namespace shop is not labelled envoy-injector.io/inject=enabled, and the pod is not labelled envoy-injector.io/inject: "true"',
          rejectsPod: false,
        },
      ],
    },
  ],
  [
    'no setting in a namespace labelled neither enabled nor disabled',
    pod(),
    ns('shop', { 'envoy-injector.io/inject': 'on' }),
    undefined,
    {
      inject: false,
      reasons: [
        {
          code: 'namespace-not-enrolled',
          message:
            'namespace shop has label envoy-injector.io/inject="on", which is neither enabled nor disabled, and the pod is not labelled envoy-injector.io/inject: "true"',
          rejectsPod: false,
        },
      ],
    },
  ],
  [
    'no setting under policy "disabled"',
    pod(),
    ns('shop', EN),
    { ...DEFAULT_CONFIG, policy: 'disabled' },
    {
      inject: false,
      reasons: [
        { code: 'pod-not-opted-in', message: 'injection policy is "disabled": pods must opt in with envoy-injector.io/inject: "true"', rejectsPod: false },
      ],
    },
  ],
  [
    'Pod Security baseline',
    pod(),
    ns('shop', { ...EN, 'pod-security.kubernetes.io/enforce': 'baseline' }),
    undefined,
    {
      inject: false,
      reasons: [
        {
          code: 'pod-security',
          message:
            'namespace shop enforces the "baseline" Pod Security level, which forbids the NET_ADMIN and NET_RAW capabilities that envoy-init needs to install traffic capture (with the envoy-injector CNI plugin installed, config capture.cniInstalled, such pods get cni capture instead)',
          rejectsPod: false,
        },
      ],
    },
  ],
  [
    'Pod Security restricted, with podSecurity: fail',
    pod(),
    ns('shop', { ...EN, 'pod-security.kubernetes.io/enforce': 'restricted' }),
    { ...DEFAULT_CONFIG, podSecurity: 'fail' },
    {
      inject: false,
      reasons: [
        {
          code: 'pod-security',
          message:
            'namespace shop enforces the "restricted" Pod Security level, which forbids the NET_ADMIN and NET_RAW capabilities that envoy-init needs to install traffic capture (with the envoy-injector CNI plugin installed, config capture.cniInstalled, such pods get cni capture instead)',
          rejectsPod: true,
        },
      ],
    },
  ],
  [
    'a Pod Security label that is not a level',
    pod(),
    ns('shop', { ...EN, 'pod-security.kubernetes.io/enforce': 'Restricted' }),
    undefined,
    {
      inject: false,
      reasons: [
        {
          code: 'pod-security',
          message:
            'namespace shop enforces the "restricted" Pod Security level (its label pod-security.kubernetes.io/enforce="Restricted" is not a level, which Pod Security reads as "restricted"), which forbids the NET_ADMIN and NET_RAW capabilities that envoy-init needs to install traffic capture (with the envoy-injector CNI plugin installed, config capture.cniInstalled, such pods get cni capture instead)',
          rejectsPod: false,
        },
      ],
    },
  ],
  [
    'Pod Security privileged enforces nothing',
    pod(),
    ns('shop', { ...EN, 'pod-security.kubernetes.io/enforce': 'privileged' }),
    undefined,
    { inject: true, because: 'namespace shop is labelled envoy-injector.io/inject=enabled', reasons: [] },
  ],
  [
    'a status the injector did not write',
    pod({}, { 'envoy-injector.io/status': '{' }),
    ns('shop', EN),
    undefined,
    {
      inject: false,
      reasons: [
        {
          code: 'invalid-status',
          message: 'annotation envoy-injector.io/status is not JSON: it is written by the injector only; remove it to have the pod injected',
          rejectsPod: true,
        },
      ],
    },
  ],
  [
    'the host network',
    pod({}, {}, { hostNetwork: true }),
    ns('shop', EN),
    undefined,
    {
      inject: false,
      reasons: [
        {
          code: 'host-network',
          message: "the pod uses the host network (hostNetwork: true): capturing its traffic would capture the node's",
          rejectsPod: false,
        },
      ],
    },
  ],
  [
    'a pod label "true" in a namespace not labelled',
    pod({ 'envoy-injector.io/inject': 'true' }),
    ns('shop', {}),
    undefined,
    { inject: true, because: 'the pod\'s label envoy-injector.io/inject is "true"', reasons: [] },
  ],
  [
    'a pod annotation "true" in an enrolled namespace',
    pod({}, { 'envoy-injector.io/inject': 'true' }),
    ns('shop', EN),
    undefined,
    { inject: true, because: 'the pod\'s annotation envoy-injector.io/inject is "true"', reasons: [] },
  ],
  [
    'a namespace not known',
    pod(),
    ns('shop'),
    undefined,
    { inject: true, because: 'namespace shop is not known to the injector, so it counts as enrolled', reasons: [] },
  ],
  [
    'a namespace whose labels are not known',
    pod(),
    ns('shop', null),
    undefined,
    { inject: true, because: 'the labels of namespace shop are not known (only its annotations were given), so it counts as enrolled', reasons: [] },
  ],
  [
    'an enrolled namespace',
    pod(),
    ns('shop', EN),
    undefined,
    { inject: true, because: 'namespace shop is labelled envoy-injector.io/inject=enabled', reasons: [] },
  ],
  [
    'a pod label that is neither "true" nor "false"',
    pod({ 'envoy-injector.io/inject': 'yes' }),
    ns('shop', EN),
    undefined,
    {
      inject: false,
      reasons: [{ code: 'invalid-inject-value', message: 'label envoy-injector.io/inject: "yes" must be "true" or "false"', rejectsPod: true }],
    },
  ],
  [
    'our label "true" over two meshes\' opt-outs',
    pod({ 'envoy-injector.io/inject': 'true' }, { 'sidecar.istio.io/inject': 'false', 'linkerd.io/inject': 'disabled' }),
    ns('shop', EN),
    undefined,
    {
      inject: true,
      because:
        'the pod\'s label envoy-injector.io/inject is "true", which wins over Istio\'s annotation sidecar.istio.io/inject: "false", Linkerd\'s annotation linkerd.io/inject: "disabled"',
      reasons: [],
    },
  ],
  [
    'Pod Security is not named when the pod is skipped already',
    pod({ 'envoy-injector.io/inject': 'false' }),
    ns('shop', { ...EN, 'pod-security.kubernetes.io/enforce': 'restricted' }),
    undefined,
    { inject: false, reasons: [{ code: 'pod-opted-out', message: 'the pod\'s label envoy-injector.io/inject is "false"', rejectsPod: false }] },
  ],
  [
    'every reason that applies, in order, not only the first',
    pod(
      { 'envoy-injector.io/inject': 'maybe' },
      { 'envoy-injector.io/status': '[]', 'linkerd.io/inject': 'enabled' },
      { hostNetwork: true, containers: [{ name: 'app' }, { name: 'istio-proxy' }] },
    ),
    ns('kube-system', { 'envoy-injector.io/inject': 'disabled' }),
    undefined,
    {
      inject: false,
      reasons: [
        { code: 'system-namespace', message: 'namespace kube-system is a Kubernetes system namespace and is never injected', rejectsPod: false },
        {
          code: 'host-network',
          message: "the pod uses the host network (hostNetwork: true): capturing its traffic would capture the node's",
          rejectsPod: false,
        },
        {
          code: 'invalid-status',
          message: 'annotation envoy-injector.io/status is not a JSON object: it is written by the injector only; remove it to have the pod injected',
          rejectsPod: true,
        },
        {
          code: 'other-mesh',
          message:
            'the pod already runs Istio\'s proxy (container istio-proxy): two proxies would fight over its traffic; take it out of Istio first, or label it envoy-injector.io/inject: "false"',
          rejectsPod: false,
        },
        { code: 'invalid-inject-value', message: 'label envoy-injector.io/inject: "maybe" must be "true" or "false"', rejectsPod: true },
        {
          code: 'namespace-disabled',
          message: 'namespace kube-system is labelled envoy-injector.io/inject=disabled, which no pod setting overrides',
          rejectsPod: false,
        },
      ],
    },
  ],
];

describe('decide: every message, whole', () => {
  for (const [name, p, namespace, config, want] of ROWS) {
    it(name, () => assert.deepEqual(decide(p, namespace, config ?? DEFAULT_CONFIG), want));
  }
});
