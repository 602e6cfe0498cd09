// The MutatingWebhookConfiguration as kube-apiserver evaluates it: for every
// namespace and pod of the table of docs/reference.md, which entries match (namespace and
// object label selectors, then the CEL matchConditions, evaluated by a CEL
// implementation), checked against the decision code. The two must agree:
// a pod the core would inject reaches exactly one entry, with the failure
// policy its namespace asked for; a pod that reaches none is one the core
// would not inject.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluate, parse as parseCel } from '@marcbachmann/cel-js';
import { DEFAULT_CONFIG } from '../../src/config/config.js';
import { decide } from '../../src/inject/decide.js';
import type { Pod } from '../../src/model/kubernetes.js';
import { buildKustomization } from '../support/kustomize.js';
import { repoPath } from '../support/repo.js';

interface Requirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}
interface Selector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Requirement[];
}
interface Webhook {
  name: string;
  failurePolicy: 'Fail' | 'Ignore';
  timeoutSeconds: number;
  sideEffects: string;
  reinvocationPolicy: string;
  admissionReviewVersions: string[];
  rules: { operations: string[]; apiGroups: string[]; apiVersions: string[]; resources: string[] }[];
  namespaceSelector: Selector;
  objectSelector: Selector;
  matchConditions: { name: string; expression: string }[];
}

/** Kubernetes label selector semantics: every term must hold; NotIn and DoesNotExist hold for an absent key. */
function selects(selector: Selector, labels: Record<string, string>): boolean {
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
  return (
    byLabels &&
    (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
      const value = labels[key];
      switch (operator) {
        case 'In':
          return value !== undefined && values.includes(value);
        case 'NotIn':
          return value === undefined || !values.includes(value);
        case 'Exists':
          return value !== undefined;
        case 'DoesNotExist':
          return value === undefined;
      }
    })
  );
}

const configuration = buildKustomization(repoPath('manifests')).find((object) => object.kind === 'MutatingWebhookConfiguration') as unknown as {
  webhooks: Webhook[];
};
const webhooks = configuration.webhooks;

interface Namespace {
  name: string;
  labels: Record<string, string>;
}
type Operation = 'CREATE' | 'UPDATE';

/** The entries kube-apiserver would call for this request. */
function reached(namespace: Namespace, pod: Pod, operation: Operation, oldPod?: Pod): Webhook[] {
  // The API server adds this label to every namespace.
  const namespaceLabels = { ...namespace.labels, 'kubernetes.io/metadata.name': namespace.name };
  return webhooks.filter(
    (webhook) =>
      webhook.rules.some((rule) => rule.operations.includes(operation) && rule.resources.includes('pods')) &&
      selects(webhook.namespaceSelector, namespaceLabels) &&
      selects(webhook.objectSelector, pod.metadata?.labels ?? {}) &&
      webhook.matchConditions.every((condition) => evaluate(condition.expression, { request: { operation }, object: pod, oldObject: oldPod ?? null }) === true),
  );
}

const NAMESPACES: Namespace[] = [
  { name: 'enrolled', labels: { 'envoy-injector.io/inject': 'enabled' } },
  { name: 'enrolled-fail', labels: { 'envoy-injector.io/inject': 'enabled', 'envoy-injector.io/failure-policy': 'Fail' } },
  { name: 'enrolled-ignore', labels: { 'envoy-injector.io/inject': 'enabled', 'envoy-injector.io/failure-policy': 'Ignore' } },
  { name: 'disabled', labels: { 'envoy-injector.io/inject': 'disabled' } },
  { name: 'disabled-fail', labels: { 'envoy-injector.io/inject': 'disabled', 'envoy-injector.io/failure-policy': 'Fail' } },
  { name: 'plain', labels: {} },
  { name: 'plain-fail', labels: { 'envoy-injector.io/failure-policy': 'Fail' } },
  { name: 'odd-label', labels: { 'envoy-injector.io/inject': 'yes' } },
  { name: 'kube-system', labels: { 'envoy-injector.io/inject': 'enabled' } },
  { name: 'kube-public', labels: {} },
  { name: 'kube-node-lease', labels: { 'envoy-injector.io/failure-policy': 'Fail' } },
  { name: 'envoy-injector', labels: { 'envoy-injector.io/inject': 'enabled' } },
];

const pod = (name: string, labels?: Record<string, string>, annotations?: Record<string, string>, hostNetwork?: boolean): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, ...(labels ? { labels } : {}), ...(annotations ? { annotations } : {}) },
  spec: { ...(hostNetwork ? { hostNetwork } : {}), containers: [{ name: 'app', image: 'app:1' }] },
});

const PODS: Pod[] = [
  pod('no-setting'),
  pod('label-true', { 'envoy-injector.io/inject': 'true' }),
  pod('label-false', { 'envoy-injector.io/inject': 'false' }),
  pod('label-invalid', { 'envoy-injector.io/inject': 'maybe' }),
  pod('annotation-true', undefined, { 'envoy-injector.io/inject': 'true' }),
  pod('annotation-false', undefined, { 'envoy-injector.io/inject': 'false' }),
  pod('label-false-annotation-true', { 'envoy-injector.io/inject': 'false' }, { 'envoy-injector.io/inject': 'true' }),
  pod('host-network', { 'envoy-injector.io/inject': 'true' }, undefined, true),
  pod(
    'already-injected',
    { 'envoy-injector.io/inject': 'true' },
    { 'envoy-injector.io/status': '{"version":1,"mode":"native","containers":[],"initContainers":[],"volumes":[],"configHash":"0123456789abcdef"}' },
  ),
];

describe('MutatingWebhookConfiguration', () => {
  it('every entry: v1 reviews, no side effects, a short timeout, reinvocation, pods CREATE and UPDATE, valid CEL', () => {
    assert.equal(webhooks.length, 4);
    for (const webhook of webhooks) {
      assert.deepEqual(webhook.admissionReviewVersions, ['v1']);
      assert.equal(webhook.sideEffects, 'None');
      assert.ok(webhook.timeoutSeconds <= 10, `${webhook.name}: timeoutSeconds ${webhook.timeoutSeconds}`);
      assert.equal(webhook.reinvocationPolicy, 'IfNeeded');
      assert.deepEqual(webhook.rules, [{ operations: ['CREATE', 'UPDATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: 'Namespaced' }]);
      for (const condition of webhook.matchConditions) assert.doesNotThrow(() => parseCel(condition.expression), condition.name);
    }
    assert.deepEqual(webhooks.map((webhook) => webhook.failurePolicy).sort(), ['Fail', 'Fail', 'Ignore', 'Ignore']);
    // The four entries differ only in name, selectors and failure policy: an
    // edit to one condition or timeout that misses the others fails here.
    const shared = ({
      name: _name,
      namespaceSelector: _ns,
      objectSelector: _obj,
      failurePolicy: _policy,
      ...rest
    }: Webhook): Omit<Webhook, 'name' | 'namespaceSelector' | 'objectSelector' | 'failurePolicy'> => rest;
    for (const webhook of webhooks.slice(1)) assert.deepEqual(shared(webhook), shared(webhooks[0]!), webhook.name);
  });

  describe('pod CREATE: the selectors and the decision code agree on every row', () => {
    for (const namespace of NAMESPACES) {
      for (const candidate of PODS) {
        it(`${namespace.name} × ${candidate.metadata?.name}`, () => {
          const entries = reached(namespace, candidate, 'CREATE');
          assert.ok(entries.length <= 1, `reaches ${entries.map((entry) => entry.name).join(' and ')}: one pod must reach one entry at most`);
          const decision = decide(candidate, { name: namespace.name, metadata: { labels: namespace.labels, annotations: {} } }, DEFAULT_CONFIG);
          if (decision.inject) assert.equal(entries.length, 1, `the core injects (${decision.because}) but no entry calls the webhook`);
          if (entries.length === 0) assert.equal(decision.inject, false);
          const entry = entries[0];
          if (entry) {
            const wantsFailClosed = namespace.labels['envoy-injector.io/failure-policy'] === 'Fail';
            assert.equal(entry.failurePolicy, wantsFailClosed ? 'Fail' : 'Ignore', 'the namespace chooses the failure policy');
          }
        });
      }
    }
  });

  it('the table of docs/reference.md, row by row', () => {
    const names = (namespace: string, podName: string): string[] =>
      reached(
        NAMESPACES.find((n) => n.name === namespace)!,
        PODS.find((p) => p.metadata?.name === podName)!,
        'CREATE',
      ).map((entry) => entry.name);
    // Namespace label enabled: its pods, unless a pod label says "false".
    assert.deepEqual(names('enrolled', 'no-setting'), ['enrolled.envoy-injector.io']);
    assert.deepEqual(names('enrolled', 'label-false'), []);
    // The annotation is read by the webhook once called (the label wins when both are set).
    assert.deepEqual(names('enrolled', 'annotation-false'), ['enrolled.envoy-injector.io']);
    // failure-policy Fail / Ignore.
    assert.deepEqual(names('enrolled-fail', 'no-setting'), ['enrolled-fail-closed.envoy-injector.io']);
    assert.deepEqual(names('enrolled-ignore', 'no-setting'), ['enrolled.envoy-injector.io']);
    // Pod label "true" opts in from a namespace that is not enrolled; the annotation cannot.
    assert.deepEqual(names('plain', 'label-true'), ['opt-in.envoy-injector.io']);
    assert.deepEqual(names('plain-fail', 'label-true'), ['opt-in-fail-closed.envoy-injector.io']);
    assert.deepEqual(names('plain', 'annotation-true'), []);
    assert.deepEqual(names('plain', 'no-setting'), []);
    // A namespace labelled disabled is never injected, even for pods labelled "true".
    assert.deepEqual(names('disabled', 'label-true'), []);
    assert.deepEqual(names('disabled-fail', 'label-true'), []);
    // Never: system namespaces, the injector's own, hostNetwork pods.
    for (const system of ['kube-system', 'kube-public', 'kube-node-lease', 'envoy-injector']) assert.deepEqual(names(system, 'label-true'), [], system);
    assert.deepEqual(names('enrolled', 'host-network'), []);
    // A pod that carries a status reaches the webhook, which checks the status
    // (reinvocation skips it; a forged one is refused).
    assert.deepEqual(names('enrolled', 'already-injected'), ['enrolled.envoy-injector.io']);
  });

  describe("pod UPDATE: only a change of an injected pod's own annotations reaches the webhook", () => {
    const injected = pod('web', undefined, {
      'envoy-injector.io/status': '{"version":1,"mode":"native","containers":[],"initContainers":[],"volumes":[],"configHash":"0123456789abcdef"}',
      'envoy-injector.io/routes': 'virtual_hosts: []',
    });
    const withRoutes = (routes: string | undefined): Pod => {
      const next = structuredClone(injected);
      if (routes === undefined) delete next.metadata!.annotations!['envoy-injector.io/routes'];
      else next.metadata!.annotations!['envoy-injector.io/routes'] = routes;
      return next;
    };
    const enrolled = NAMESPACES[0]!;
    it('routes changed: reached', () => {
      assert.equal(reached(enrolled, withRoutes('virtual_hosts: [{name: a}]'), 'UPDATE', injected).length, 1);
    });
    it('routes added or removed: reached', () => {
      assert.equal(reached(enrolled, injected, 'UPDATE', withRoutes(undefined)).length, 1);
      assert.equal(reached(enrolled, withRoutes(undefined), 'UPDATE', injected).length, 1);
    });
    it('a hand edit of the rendered config, or of the status: reached', () => {
      for (const key of ['envoy-injector.io/envoy-cds', 'envoy-injector.io/envoy-lds', 'envoy-injector.io/status', 'envoy-injector.io/http-ports']) {
        const edited = structuredClone(injected);
        edited.metadata!.annotations![key] = '{"x":1}';
        assert.equal(reached(enrolled, edited, 'UPDATE', injected).length, 1, key);
      }
    });
    it('a status added to a pod that was not injected: reached (and refused)', () => {
      const plain = pod('plain', undefined, {});
      const forged = pod('plain', undefined, { 'envoy-injector.io/status': '{}' });
      assert.equal(reached(enrolled, forged, 'UPDATE', plain).length, 1);
    });
    it('anything else changed (labels, other annotations): not reached', () => {
      const relabelled = structuredClone(injected);
      relabelled.metadata!.labels = { team: 'a' };
      relabelled.metadata!.annotations!.note = 'x';
      assert.equal(reached(enrolled, relabelled, 'UPDATE', injected).length, 0);
    });
    it('a pod that was never injected: not reached', () => {
      const plain = pod('plain', undefined, { 'envoy-injector.io/routes': 'a' });
      assert.equal(reached(enrolled, pod('plain', undefined, { 'envoy-injector.io/routes': 'b' }), 'UPDATE', plain).length, 0);
    });
  });
});
