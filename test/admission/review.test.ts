// reviewAdmission() with a namespace lookup, as the cluster caches provide it.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { reviewAdmission } from '../../src/admission/review.js';
import type { NamespaceLookup } from '../../src/model/lookups.js';
import { DEFAULT_CONFIG } from '../../src/config/config.js';
import { admissionReview } from '../support/apiserver.js';

const POD = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'a', image: 'b' }] } };
type NamespaceMetadata = NonNullable<ReturnType<NamespaceLookup['namespace']>>;
const known: Record<string, NamespaceMetadata> = {
  locked: { labels: { 'envoy-injector.io/inject': 'enabled', 'pod-security.kubernetes.io/enforce': 'restricted' }, annotations: {} },
  quiet: { labels: {}, annotations: {} },
  tuned: { labels: { 'envoy-injector.io/inject': 'enabled' }, annotations: { 'envoy-injector.io/log-level': 'debug' } },
};
const namespaces: NamespaceLookup = { namespace: (name) => known[name] };

describe('reviewAdmission with known namespaces', () => {
  it('skips a pod of a restricted namespace with a warning, or refuses it with podSecurity: fail', () => {
    const skipped = reviewAdmission(admissionReview(POD, { namespace: 'locked' }), { config: DEFAULT_CONFIG, namespaces });
    assert.equal(skipped.result, 'skipped');
    assert.equal(skipped.review.response.allowed, true);
    assert.match(
      skipped.review.response.warnings?.[0] ?? '',
      /^envoy-injector: not injected: \[pod-security\] namespace locked enforces the "restricted" Pod Security level/,
    );
    const refused = reviewAdmission(admissionReview(POD, { namespace: 'locked' }), { config: { ...DEFAULT_CONFIG, podSecurity: 'fail' }, namespaces });
    assert.equal(refused.review.response.allowed, false);
    assert.match(refused.review.response.status?.message ?? '', /\[pod-security\]/);
  });

  it('a namespace that is not enrolled skips quietly', () => {
    const outcome = reviewAdmission(admissionReview(POD, { namespace: 'quiet' }), { config: DEFAULT_CONFIG, namespaces });
    assert.deepEqual(
      [outcome.result, outcome.reasons.map((r) => r.code), outcome.review.response.warnings],
      ['skipped', ['namespace-not-enrolled'], undefined],
    );
  });

  it('namespace annotations are the defaults of its pods', () => {
    const outcome = reviewAdmission(admissionReview(POD, { namespace: 'tuned' }), { config: DEFAULT_CONFIG, namespaces });
    assert.equal(outcome.result, 'injected');
    const patch = Buffer.from(outcome.review.response.patch ?? '', 'base64').toString('utf8');
    assert.match(patch, /"--log-level","debug"/);
  });
});
