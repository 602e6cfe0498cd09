// explainManifests (offline/offline.ts): a verdict for every pod of the
// input, evaluated as the webhook would — the pod template's workload as its
// owner, the namespace as the input and the flags know it — and the input
// refused, naming the document, only when it cannot be read.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_CONFIG } from '../../src/config/config.js';
import { explainManifests, parseDocuments, type OfflineOptions, type PodVerdict } from '../../src/offline/offline.js';

const OPTIONS: OfflineOptions = { config: DEFAULT_CONFIG, defaultNamespace: 'default' };

function verdicts(text: string, options: OfflineOptions = OPTIONS): PodVerdict[] {
  const result = explainManifests(text, options);
  assert.ok(result.ok, JSON.stringify(result));
  return result.value;
}

const POD = 'apiVersion: v1\nkind: Pod\nmetadata: { name: p }\nspec: { containers: [{ name: app, image: app }] }\n';

describe('explain, offline', () => {
  it('evaluates a pod template with its workload as the owner: a Job is named in the warning', () => {
    const job =
      'apiVersion: batch/v1\nkind: Job\nmetadata: { name: migrate }\nspec:\n  template:\n    metadata: { annotations: { envoy-injector.io/native-sidecar: "false" } }\n    spec:\n      restartPolicy: Never\n      containers: [{ name: m, image: m }]\n';
    const [verdict] = verdicts(job);
    assert.equal(verdict?.pod, 'pod template');
    assert.equal(verdict?.object, 'Job migrate');
    assert.equal(verdict?.outcome.kind, 'injected');
    assert.match(verdict?.outcome.kind === 'injected' ? (verdict.outcome.warnings[0] ?? '') : '', /^its Job will not complete: /);
    const pod = verdicts(
      POD.replace('spec: {', 'spec: { restartPolicy: Never, ').replace(
        'metadata: { name: p }',
        'metadata: { name: p, annotations: { envoy-injector.io/native-sidecar: "false" } }',
      ),
    );
    assert.equal(pod[0]?.pod, 'pod');
    assert.match(pod[0]?.outcome.kind === 'injected' ? (pod[0].outcome.warnings[0] ?? '') : '', /^the pod will not complete: /);
  });

  it('refuses a pod or a pod template of the wrong shape, saying which', () => {
    const deployment = 'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: web }\nspec:\n  template:\n    spec: { containers: 7 }\n';
    assert.deepEqual(
      verdicts(deployment).map((v) => v.outcome),
      [{ kind: 'rejected', problems: ['the pod template (spec.template) spec.containers must be a non-empty list'] }],
    );
    assert.deepEqual(
      verdicts(POD.replace('[{ name: app, image: app }]', '7')).map((v) => v.outcome),
      [{ kind: 'rejected', problems: ['the pod spec.containers must be a non-empty list'] }],
    );
  });

  it('puts an object without a namespace, or with an empty one, in the default namespace', () => {
    assert.deepEqual(
      [
        POD,
        POD.replace('name: p }', 'name: p, namespace: "" }'),
        POD.replace('name: p }', 'name: p, namespace: 7 }'),
        POD.replace('name: p }', 'name: p, namespace: shop }'),
      ].map((text) => verdicts(text)[0]?.namespace.name),
      ['default', 'default', 'default', 'shop'],
    );
  });

  it('counts a namespace known only by annotation flags as enrolled: annotations do not make its labels known', () => {
    const [verdict] = verdicts(POD, { ...OPTIONS, namespaceAnnotations: { 'envoy-injector.io/proxy-cpu': '200m' } });
    assert.equal(verdict?.outcome.kind, 'injected');
    assert.equal(verdict?.namespace.source, 'the --namespace-label/--namespace-annotation flags');
  });

  it('reads only the string labels and annotations of a Namespace in the input', () => {
    const namespace =
      'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: default\n  labels: { envoy-injector.io/inject: disabled, tier: 3 }\n  annotations: { n: 5 }\n';
    const [verdict] = verdicts(`${namespace}---\n${POD}`);
    assert.equal(verdict?.outcome.kind, 'skipped');
    assert.equal(verdict?.namespace.source, 'the Namespace in document 1');
    const notStrings = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: default\n  labels: [envoy-injector.io/inject]\n';
    assert.equal(verdicts(`${notStrings}---\n${POD}`)[0]?.outcome.kind, 'skipped', 'labels that are no mapping: known, and empty');
  });

  it('looks for Namespaces in the items of a List only', () => {
    const item = '- apiVersion: v1\n  kind: Namespace\n  metadata: { name: default, labels: { envoy-injector.io/inject: disabled } }\n';
    assert.equal(verdicts(`apiVersion: v1\nkind: List\nitems:\n${item}---\n${POD}`)[0]?.outcome.kind, 'skipped');
    assert.equal(verdicts(`apiVersion: v1\nkind: NamespaceList\nitems:\n${item}---\n${POD}`)[0]?.outcome.kind, 'injected', 'not a List');
    assert.equal(verdicts(`apiVersion: v1\nkind: List\nitems: {}\n---\n${POD}`)[0]?.outcome.kind, 'injected', 'items that are no list');
  });

  it('refuses input it cannot read, naming the document', () => {
    const bomb =
      'x: &a [1]\ny: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nz: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nw: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\nv: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nu: [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n';
    assert.deepEqual(parseDocuments(`a: 1\n---\n${bomb}`), {
      ok: false,
      problems: ['document 2: Excessive alias count indicates a resource exhaustion attack'],
    });
    assert.deepEqual(explainManifests(`${POD}---\na: b: c\n`, OPTIONS), {
      ok: false,
      problems: ['document 2: invalid YAML: Nested mappings are not allowed in compact mappings at line 6, column 4'],
    });
  });
});
