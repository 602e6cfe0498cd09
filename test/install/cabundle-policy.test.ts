// The ValidatingAdmissionPolicy that narrows the injector's right to patch its
// webhook configuration to the caBundle: its CEL, evaluated over the shipped
// webhook configuration, allows exactly a caBundle change.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluate } from '@marcbachmann/cel-js';
import { buildKustomization, type KubeObject } from '../support/kustomize.js';
import { repoPath } from '../support/repo.js';

const objects = buildKustomization(repoPath('manifests'));
const policy = objects.find((o) => o.kind === 'ValidatingAdmissionPolicy' && o.metadata.name === 'envoy-injector-cabundle-only') as KubeObject & {
  spec: { validations: Array<{ expression: string }>; matchConditions: Array<{ expression: string }> };
};
const shipped = objects.find((o) => o.kind === 'MutatingWebhookConfiguration') as KubeObject & { webhooks: Array<Record<string, unknown>> };

/** As the API server stores it: the defaults filled in. */
function stored(configuration: typeof shipped): typeof shipped {
  const copy = structuredClone(configuration);
  for (const webhook of copy.webhooks) {
    webhook.matchPolicy ??= 'Equivalent';
    webhook.objectSelector ??= {};
    webhook.namespaceSelector ??= {};
    webhook.reinvocationPolicy ??= 'Never';
  }
  return copy;
}

function allowed(object: typeof shipped, oldObject: typeof shipped): boolean {
  return policy.spec.validations.every((v) => evaluate(v.expression, { object, oldObject }) === true);
}

describe('the caBundle-only policy', () => {
  const before = stored(shipped);
  const edit = (change: (webhook: Record<string, unknown>) => void): typeof shipped => {
    const after = structuredClone(before);
    for (const webhook of after.webhooks) change(webhook);
    return after;
  };

  it('applies to the injector only, and allows setting the caBundle', () => {
    assert.equal(
      evaluate(policy.spec.matchConditions[0]!.expression, { request: { userInfo: { username: 'system:serviceaccount:envoy-injector:envoy-injector' } } }),
      true,
    );
    assert.equal(evaluate(policy.spec.matchConditions[0]!.expression, { request: { userInfo: { username: 'admin' } } }), false);
    assert.equal(
      allowed(
        edit((w) => ((w.clientConfig as Record<string, unknown>).caBundle = 'Q0E=')),
        before,
      ),
      true,
    );
  });

  const widenings: Array<[string, (webhook: Record<string, unknown>) => void]> = [
    ['every namespace', (w) => (w.namespaceSelector = {})],
    ['other resources', (w) => (w.rules = [{ apiGroups: ['*'], apiVersions: ['*'], operations: ['*'], resources: ['*'] }])],
    ['another endpoint', (w) => ((w.clientConfig as Record<string, unknown>).url = 'https://attacker.example/mutate')],
    ['another service', (w) => ((w.clientConfig as Record<string, unknown>).service = { name: 'x', namespace: 'y', port: 443 })],
    ['fail closed everywhere', (w) => (w.failurePolicy = 'Fail')],
    ['no match conditions', (w) => delete w.matchConditions],
    ['a longer timeout', (w) => (w.timeoutSeconds = 30)],
  ];
  for (const [name, change] of widenings) {
    it(`refuses ${name}`, () => assert.equal(allowed(edit(change), before), false));
  }

  const metadataEdits: Array<[string, (metadata: Record<string, unknown>) => void]> = [
    ['a new label', (m) => (m.labels = { ...(m.labels as object), 'team.example/owner': 'x' })],
    ['a changed label', (m) => (m.labels = { ...(m.labels as object), 'app.kubernetes.io/name': 'other' })],
    ['a new annotation', (m) => (m.annotations = { 'cert-manager.io/inject-ca-from': 'x/y' })],
    ['an owner', (m) => (m.ownerReferences = [{ apiVersion: 'v1', kind: 'Namespace', name: 'x', uid: 'u' }])],
    ['a finalizer', (m) => (m.finalizers = ['example.com/hold'])],
  ];
  for (const [name, change] of metadataEdits) {
    it(`refuses ${name} on the configuration's metadata`, () => {
      const after = structuredClone(before);
      change(after.metadata);
      assert.equal(allowed(after, before), false);
    });
  }

  it('allows the caBundle with the metadata unchanged (labels present), as the injector patches it', () => {
    const after = edit((w) => ((w.clientConfig as Record<string, unknown>).caBundle = 'Q0E='));
    assert.ok((before.metadata as { labels?: object }).labels, 'the shipped configuration has labels');
    assert.equal(allowed(after, before), true);
  });

  it('refuses an added webhook', () => {
    const after = structuredClone(before);
    after.webhooks.push({ ...structuredClone(before.webhooks[0]!), name: 'extra.envoy-injector.io' });
    assert.equal(allowed(after, before), false);
  });
});
