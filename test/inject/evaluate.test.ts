// evaluatePod (inject/evaluate.ts): one pod's outcome, in the order the
// webhook decides it — input over Kubernetes' limits refused before anything
// is read, then the decision, the settings, conflicts, the injection, and
// the injected pod over Kubernetes' annotation limit refused; a skip the
// pod's author did not expect said back as a warning.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_CONFIG } from '../../src/config/config.js';
import { evaluatePod, type Outcome } from '../../src/inject/evaluate.js';
import type { NamespaceContext, Pod } from '../../src/model/kubernetes.js';

const ENROLLED: NamespaceContext = { name: 'shop', metadata: { labels: { 'envoy-injector.io/inject': 'enabled' }, annotations: {} } };
const pod = (metadata: Pod['metadata'] = {}, spec: Partial<Pod['spec']> = {}): Pod => ({
  metadata: { name: 'p', ...metadata },
  spec: { containers: [{ name: 'app', image: 'app' }], ...spec },
});
const evaluate = (p: Pod, namespace: NamespaceContext = ENROLLED, owner?: { kind: string; name: string }): Outcome =>
  evaluatePod({ pod: p, namespace, config: DEFAULT_CONFIG, ...(owner ? { owner } : {}) });

describe('evaluatePod', () => {
  it("refuses annotations over Kubernetes' limit before reading them", () => {
    assert.deepEqual(evaluate(pod({ annotations: { note: 'n'.repeat(257 * 1024) } })), {
      kind: 'rejected',
      problems: ["metadata.annotations are 257.0 KiB, over Kubernetes' limit of 256.0 KiB"],
    });
  });

  it('refuses a pod whose own annotations leave no room for the rendered config', () => {
    const outcome = evaluate(pod({ annotations: { note: 'n'.repeat(250 * 1024) } }));
    assert.equal(outcome.kind, 'rejected');
    if (outcome.kind === 'rejected') {
      assert.equal(outcome.problems.length, 1);
      assert.match(
        outcome.problems[0] ?? '',
        /^the rendered Envoy config would make the pod's annotations \d+\.\d KiB, over Kubernetes' limit of 256\.0 KiB: shrink/,
      );
    }
  });

  it("says a skip back when the pod asked for the proxy, or its namespace's Pod Security forbids it; not otherwise", () => {
    const asked = evaluate(pod({ labels: { 'envoy-injector.io/inject': 'true' } }, { hostNetwork: true }));
    assert.equal(asked.kind, 'skipped');
    assert.deepEqual(asked.kind === 'skipped' ? asked.warnings : [], [
      "envoy-injector: not injected: [host-network] the pod uses the host network (hostNetwork: true): capturing its traffic would capture the node's",
    ]);
    const quiet = evaluate(pod({}, { hostNetwork: true }));
    assert.deepEqual(quiet.kind === 'skipped' ? quiet.warnings : ['not skipped'], []);
    const restricted: NamespaceContext = {
      name: 'shop',
      metadata: { labels: { 'envoy-injector.io/inject': 'enabled', 'pod-security.kubernetes.io/enforce': 'restricted' }, annotations: {} },
    };
    const forbidden = evaluate(pod(), restricted);
    assert.equal(forbidden.kind === 'skipped' ? forbidden.warnings.length : -1, 1);
    assert.match(
      forbidden.kind === 'skipped' ? (forbidden.warnings[0] ?? '') : '',
      /^envoy-injector: not injected: \[pod-security\] namespace shop enforces the "restricted"/,
    );
  });

  it("warns of a pod that runs to completion by its owner's kind, given offline for a template", () => {
    const classic = pod({ annotations: { 'envoy-injector.io/native-sidecar': 'false' } });
    const asJob = evaluate(classic, ENROLLED, { kind: 'Job', name: 'migrate' });
    assert.match(asJob.kind === 'injected' ? (asJob.warnings[0] ?? '') : '', /^its Job will not complete: /);
    const alone = evaluate(classic);
    assert.deepEqual(alone.kind === 'injected' ? alone.warnings : ['not injected'], []);
  });

  it("names the proxy after its owner's workload, given offline for a template", () => {
    const bootstrap = (outcome: Outcome): unknown =>
      outcome.kind === 'injected'
        ? (JSON.parse(outcome.pod.metadata?.annotations?.['envoy-injector.io/envoy-bootstrap'] ?? '{}') as { node?: unknown }).node
        : undefined;
    assert.deepEqual((bootstrap(evaluate(pod(), ENROLLED, { kind: 'Deployment', name: 'web' })) as { cluster?: string }).cluster, 'web.shop');
    assert.deepEqual((bootstrap(evaluate(pod())) as { cluster?: string }).cluster, 'p.shop');
  });
});
