// What the self-test is allowed: create pods in its own namespace, and only
// as dry runs. The policy's CEL evaluated over admission requests; the rest
// read from the built manifests.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluate } from '@marcbachmann/cel-js';
import { buildKustomization, type KubeObject } from '../support/kustomize.js';
import { repoPath } from '../support/repo.js';

const objects = buildKustomization(repoPath('manifests'));
const find = (kind: string, name: string): KubeObject | undefined => objects.find((o) => o.kind === kind && o.metadata.name === name);
const NAMESPACE = 'envoy-injector-self-test';
const INJECTOR = 'system:serviceaccount:envoy-injector:envoy-injector';

describe('the self-test install', () => {
  const policy = find('ValidatingAdmissionPolicy', 'envoy-injector-self-test-dry-run-only') as
    (KubeObject & { spec: { validations: Array<{ expression: string }>; matchConditions: Array<{ expression: string }> } }) | undefined;

  it('lets the injector create pods only as dry runs, and leaves everyone else alone', () => {
    assert.ok(policy);
    const matches = (username: string): boolean =>
      policy.spec.matchConditions.every((c) => evaluate(c.expression, { request: { userInfo: { username } } }) === true);
    const allowed = (dryRun: boolean): boolean => policy.spec.validations.every((v) => evaluate(v.expression, { request: { dryRun } }) === true);
    assert.equal(matches(INJECTOR), true);
    assert.equal(matches('system:serviceaccount:kube-system:replicaset-controller'), false);
    assert.equal(allowed(true), true);
    assert.equal(allowed(false), false);
    assert.deepEqual((find('ValidatingAdmissionPolicyBinding', 'envoy-injector-self-test-dry-run-only') as { spec?: unknown } | undefined)?.spec, {
      policyName: 'envoy-injector-self-test-dry-run-only',
      validationActions: ['Deny'],
    });
  });

  it('grants create on pods in the self-test namespace only, which is enrolled', () => {
    const role = objects.find((o) => o.kind === 'Role' && o.metadata.name === 'envoy-injector-self-test') as (KubeObject & { rules: unknown }) | undefined;
    assert.equal(role?.metadata.namespace, NAMESPACE);
    assert.deepEqual(role.rules, [{ apiGroups: [''], resources: ['pods'], verbs: ['create'] }]);
    const clusterRoles = objects.filter((o) => o.kind === 'ClusterRole') as Array<KubeObject & { rules: Array<{ resources: string[]; verbs: string[] }> }>;
    assert.ok(
      clusterRoles.every((r) => r.rules.every((rule) => !(rule.resources.includes('pods') && rule.verbs.includes('create')))),
      'no cluster-wide pod create',
    );
    assert.equal(find('Namespace', NAMESPACE)?.metadata.labels?.['envoy-injector.io/inject'], 'enabled');
  });

  it('is switched on in the Deployment, against that namespace', () => {
    const deployment = find('Deployment', 'envoy-injector') as KubeObject & { spec: { template: { spec: { containers: Array<{ args: string[] }> } } } };
    const args = deployment.spec.template.spec.containers[0]?.args ?? [];
    assert.ok(args.includes('--self-test-every=5'));
    assert.ok(args.includes(`--self-test-namespace=${NAMESPACE}`));
  });
});
