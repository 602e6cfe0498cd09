// Offline `inject` and `explain` know what the input knows: a Namespace in
// the same input is read for its pods as the webhook reads the cluster's
// (labels, annotations, Pod Security), the command line's namespace flags
// go over it key by key, and each verdict says where its namespace facts
// came from.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_CONFIG } from '../../src/config/config.js';
import { explainManifests, injectManifests, type OfflineOptions, type PodVerdict } from '../../src/offline/offline.js';

const OPTIONS: OfflineOptions = { config: DEFAULT_CONFIG, defaultNamespace: 'default' };

function namespace(name: string, labels: Record<string, string>, annotations: Record<string, string> = {}): string {
  return `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n  labels: ${JSON.stringify(labels)}\n  annotations: ${JSON.stringify(annotations)}\n`;
}

function deployment(name: string, namespaceName?: string): string {
  return [
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    `  name: ${name}`,
    ...(namespaceName ? [`  namespace: ${namespaceName}`] : []),
    'spec:',
    `  selector: { matchLabels: { app: ${name} } }`,
    '  template:',
    `    metadata: { labels: { app: ${name} } }`,
    '    spec:',
    `      containers: [{ name: ${name}, image: "${name}:1" }]`,
    '',
  ].join('\n');
}

function verdicts(text: string, options: OfflineOptions = OPTIONS): PodVerdict[] {
  const result = explainManifests(text, options);
  assert.ok(result.ok, JSON.stringify(result));
  return result.value;
}

function decision(verdict: PodVerdict | undefined): string {
  const outcome = verdict?.outcome;
  if (outcome?.kind === 'skipped') return `skipped ${outcome.reasons.map((r) => r.code).join(',')}`;
  return outcome?.kind ?? 'none';
}

const ENROLLED = { 'envoy-injector.io/inject': 'enabled' };

describe('a Namespace in the input', () => {
  it('is read for its pods: enrolment, Pod Security, disabled', () => {
    const text = [
      namespace('restricted', { ...ENROLLED, 'pod-security.kubernetes.io/enforce': 'restricted' }),
      namespace('unlabelled', {}),
      namespace('closed', { 'envoy-injector.io/inject': 'disabled' }),
      namespace('open', ENROLLED),
      deployment('a', 'restricted'),
      deployment('b', 'unlabelled'),
      deployment('c', 'closed'),
      deployment('d', 'open'),
      deployment('e', 'elsewhere'),
    ].join('---\n');
    assert.deepEqual(verdicts(text).map(decision), [
      'skipped pod-security',
      'skipped namespace-not-enrolled',
      'skipped namespace-disabled',
      'injected',
      'injected',
    ]);
  });

  it('leaves the file as it was when its namespace keeps the pods out', () => {
    const text = `${namespace('closed', { 'envoy-injector.io/inject': 'disabled' })}---\n${deployment('web', 'closed')}`;
    assert.deepEqual(injectManifests(text, OPTIONS), { ok: true, value: text });
  });

  it('gives its annotations to its pods as defaults', () => {
    const text = `${namespace('tuned', ENROLLED, { 'envoy-injector.io/log-level': 'debug' })}---\n${deployment('web', 'tuned')}`;
    const result = injectManifests(text, OPTIONS);
    assert.ok(result.ok);
    assert.match(result.value, /- --log-level\n\s+- debug\n/);
  });

  it('counts for pods of the default namespace, and inside a List', () => {
    const list = `apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Namespace\n  metadata: { name: default, labels: { envoy-injector.io/inject: disabled } }\n`;
    assert.deepEqual(verdicts(`${list}---\n${deployment('web')}`).map(decision), ['skipped namespace-disabled']);
  });

  it('is under the command line flags, key by key', () => {
    const text = `${namespace('shop', { 'pod-security.kubernetes.io/enforce': 'restricted' })}---\n${deployment('web', 'shop')}`;
    const flagged = verdicts(text, { ...OPTIONS, namespaceLabels: ENROLLED });
    assert.deepEqual(flagged.map(decision), ['skipped pod-security'], 'the Namespace keeps its Pod Security label');
    assert.equal(flagged[0]?.namespace.source, 'the Namespace in document 1, with the --namespace-label/--namespace-annotation flags over it');
    const privileged = verdicts(text, { ...OPTIONS, namespaceLabels: { ...ENROLLED, 'pod-security.kubernetes.io/enforce': 'privileged' } });
    assert.deepEqual(privileged.map(decision), ['injected']);
  });

  it('says where each pod’s namespace facts came from', () => {
    const text = `${namespace('shop', ENROLLED)}---\n${deployment('web', 'shop')}---\n${deployment('api', 'other')}`;
    assert.deepEqual(
      verdicts(text).map((v) => v.namespace),
      [
        { name: 'shop', source: 'the Namespace in document 1' },
        { name: 'other', source: 'not in the input and no --namespace-label: not known, so it counts as enrolled' },
      ],
    );
    assert.deepEqual(
      verdicts(deployment('api', 'other'), { ...OPTIONS, namespaceAnnotations: { a: 'b' } }).map((v) => v.namespace.source),
      ['the --namespace-label/--namespace-annotation flags'],
    );
  });

  it('is the first one of its name, and only a v1 Namespace with a name', () => {
    const text = [
      'apiVersion: example.com/v1\nkind: Namespace\nmetadata: { name: shop, labels: { envoy-injector.io/inject: disabled } }\n',
      'apiVersion: v1\nkind: Namespace\nmetadata: { labels: { envoy-injector.io/inject: disabled } }\n',
      namespace('shop', ENROLLED),
      namespace('shop', { 'envoy-injector.io/inject': 'disabled' }),
      deployment('web', 'shop'),
    ].join('---\n');
    assert.deepEqual(
      verdicts(text).map((v) => [decision(v), v.namespace.source]),
      [['injected', 'the Namespace in document 3']],
    );
  });
});
