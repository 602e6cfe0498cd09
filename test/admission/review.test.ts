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

  it('routes that can never apply come back as admission warnings, naming the virtual host and why', () => {
    const routes = [
      'virtual_hosts:',
      '- name: db',
      '  domains: ["postgres"]',
      '  routes:',
      '  - match: { prefix: "/" }',
      '    route: { cluster: "postgres-replica:5432" }',
      '- name: web',
      '  domains: ["web"]',
      '  routes:',
      '  - match: { prefix: "/" }',
      '    route: { cluster: "web-v1" }',
      '  - match: { prefix: "/admin" }',
      '    route: { cluster: "web-admin" }',
    ].join('\n');
    const pod = { ...POD, metadata: { name: 'p', annotations: { 'envoy-injector.io/routes': routes, 'envoy-injector.io/exclude-outbound-ports': '5432' } } };
    const services = {
      service: (ns: string, name: string) => (ns === 'tuned' && name === 'postgres' ? { ports: [{ port: 5432, name: 'tcp-postgres' }] } : undefined),
    };
    const outcome = reviewAdmission(admissionReview(pod, { namespace: 'tuned' }), { config: DEFAULT_CONFIG, namespaces, services });
    assert.equal(outcome.result, 'injected');
    const warnings = outcome.review.response.warnings ?? [];
    assert.ok(
      warnings.some((w) =>
        /envoy-injector\.io\/routes virtual_hosts\[0\] \(db\) is never consulted: service tuned\/postgres has ports 5432 \(tcp-postgres\), none routed as HTTP/.test(
          w,
        ),
      ),
      warnings.join('\n'),
    );
    assert.ok(
      warnings.some((w) =>
        /port 5432 \(route target postgres-replica\.tuned:5432\) is not routed as HTTP: envoy-injector\.io\/exclude-outbound-ports keeps it out/.test(w),
      ),
    );
    assert.ok(warnings.some((w) => /virtual_hosts\[1\]\.routes\[1\] \(prefix "\/admin"\) can never match: routes\[0\] \(prefix "\/"\)/.test(w)));
    assert.ok(warnings.some((w) => /service tuned\/web-v1 does not exist \(yet\)/.test(w)));
  });

  it('a pod made by a controller is named by its generateName in logs and metrics', () => {
    const made = { ...POD, metadata: { generateName: 'web-7d9f8-' } };
    const outcome = reviewAdmission(admissionReview(made, { name: '' }), { config: DEFAULT_CONFIG, namespaces });
    assert.equal(outcome.name, 'web-7d9f8-*');
  });

  it('fields the review must hold as strings are checked before use', () => {
    assert.throws(
      () => reviewAdmission(admissionReview(POD, { namespace: { toString: '' } }), { config: DEFAULT_CONFIG }),
      /request's namespace is not a string/,
    );
    assert.throws(() => reviewAdmission(admissionReview(POD, { uid: 'u'.repeat(5000) }), { config: DEFAULT_CONFIG }), /uid is 5000 characters/);
    const odd = { ...POD, spec: { containers: [{ name: 'a', ports: 80 }] } };
    assert.equal(reviewAdmission(admissionReview(odd), { config: DEFAULT_CONFIG }).result, 'invalid');
  });
});

describe('null where a field may be absent', () => {
  it('is read as absent, as Kubernetes decodes it: answered, never a 500', () => {
    const pod = (metadata: Record<string, unknown>, spec: Record<string, unknown> = {}): Record<string, unknown> => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { namespace: 'shop', ...metadata },
      spec: { containers: [{ name: 'app', image: 'x' }], ...spec },
    });
    for (const object of [
      pod({ name: 'p', generateName: null }),
      pod({ name: null, generateName: 'web-' }),
      pod({ name: 'p', labels: null, annotations: null }),
      pod({ name: 'p' }, { initContainers: null, volumes: null }),
    ]) {
      const outcome = reviewAdmission(admissionReview(object), { config: DEFAULT_CONFIG });
      assert.equal(outcome.result, 'injected', JSON.stringify(object));
    }
  });
});
