// Reviewer: answers serialized as JSON.stringify would, and the answer to an
// identical pod creation reused exactly when nothing it depends on changed.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { DEFAULT_REUSE_LIMITS, Reviewer } from '../../src/admission/answer.js';
import { BadReviewError, reviewAdmission } from '../../src/admission/review.js';
import { DEFAULT_CONFIG } from '../../src/config/config.js';
import type { NamespaceMetadata } from '../../src/model/lookups.js';
import { admissionReview } from '../support/apiserver.js';
import { manifestPods } from '../support/pod-checks.js';
import { repoPath } from '../support/repo.js';
import { oneRoute } from '../support/routes.js';

const ENROLLED: NamespaceMetadata = { labels: { 'envoy-injector.io/inject': 'enabled' }, annotations: {} };
const POD = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { generateName: 'web-5d8f-', labels: { app: 'web' } },
  spec: { containers: [{ name: 'web', image: 'nginx:1.27', ports: [{ containerPort: 8080 }] }] },
};
const ROUTES_TO_API = oneRoute('api', 'api:8080');

function bytes(review: unknown): number {
  return JSON.stringify(review).length;
}

/** Lookups that count their changes, as the cluster caches do. */
function cluster(): {
  namespaces: { namespace(name: string): NamespaceMetadata | undefined; generation(): number };
  services: { service(namespace: string, name: string): { ports: Array<{ port: number }> } | undefined; generation(): number };
  setNamespace(name: string, metadata: NamespaceMetadata): void;
  addService(namespace: string, name: string, port: number): void;
} {
  let changes = 0;
  const namespaces = new Map<string, NamespaceMetadata>();
  const services = new Map<string, { ports: Array<{ port: number }> }>();
  return {
    namespaces: { namespace: (name) => namespaces.get(name), generation: () => changes },
    services: { service: (namespace, name) => services.get(`${namespace}/${name}`), generation: () => changes },
    setNamespace(name, metadata) {
      namespaces.set(name, metadata);
      changes++;
    },
    addService(namespace, name, port) {
      services.set(`${namespace}/${name}`, { ports: [{ port }] });
      changes++;
    },
  };
}

describe('Reviewer', () => {
  it('answers every golden case with exactly the bytes of a fresh review, reused or not', () => {
    const dir = repoPath('test', 'golden', 'cases');
    const dependencies = { config: DEFAULT_CONFIG };
    const reviewer = new Reviewer(dependencies);
    let reused = 0;
    let tooLarge = 0;
    let pods = 0;
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
      let found;
      try {
        found = manifestPods(readFileSync(`${dir}/${file}`, 'utf8'));
      } catch {
        continue; // the case of a manifest that does not parse
      }
      for (const { pod } of found) {
        pods++;
        const object = { apiVersion: 'v1', kind: 'Pod', ...pod };
        for (const round of [0, 1]) {
          const review = admissionReview(object, { namespace: 'golden' });
          const answered = reviewer.answer(review, bytes(review));
          if (round === 1 && answered.reused) reused++;
          if (round === 1 && bytes(review) > DEFAULT_REUSE_LIMITS.maxReviewBytes) tooLarge++;
          const expected = reviewAdmission(review, dependencies);
          assert.equal(answered.body.toString('utf8'), JSON.stringify(expected.review), `${file}, round ${round}`);
          assert.deepEqual(answered.outcome, expected, `${file}, round ${round}`);
        }
      }
    }
    assert.ok(pods > 30, `${pods} pods`);
    assert.ok(tooLarge > 0 && tooLarge < 3, `${tooLarge} too large`);
    assert.equal(reused, pods - tooLarge, 'every second review of a pod is answered from the first, unless too large');
  });

  it('answers each request with its own uid', () => {
    const reviewer = new Reviewer({ config: DEFAULT_CONFIG });
    const first = admissionReview(POD, { uid: 'first' });
    const second = admissionReview(POD, { uid: 'sécond "quoted"' });
    // The same size, as two uids of 36 characters make it.
    reviewer.answer(first, 1000);
    const answered = reviewer.answer(second, 1000);
    assert.equal(answered.reused, true);
    assert.ok(Object.isFrozen(answered.outcome.reasons), 'shared, so frozen');
    assert.equal(answered.outcome.review.response.uid, 'sécond "quoted"');
    assert.equal((JSON.parse(answered.body.toString('utf8')) as { response: { uid: string } }).response.uid, 'sécond "quoted"');
  });

  it('never answers from before a namespace changed', () => {
    const known = cluster();
    known.setNamespace('shop', ENROLLED);
    const dependencies = { config: DEFAULT_CONFIG, namespaces: known.namespaces, services: known.services };
    const reviewer = new Reviewer(dependencies);
    const ask = (): ReturnType<Reviewer['answer']> => {
      const review = admissionReview(POD, { namespace: 'shop' });
      return reviewer.answer(review, bytes(review));
    };
    assert.equal(ask().outcome.result, 'injected');
    assert.equal(ask().reused, true);
    known.setNamespace('shop', { labels: { 'envoy-injector.io/inject': 'disabled' }, annotations: {} });
    const after = ask();
    assert.equal(after.reused, false);
    assert.equal(after.outcome.result, 'skipped');
  });

  it("never answers one namespace from another namespace's answer to the same pod", () => {
    const known = cluster();
    known.setNamespace('shop', ENROLLED);
    known.setNamespace('mute', { labels: { 'envoy-injector.io/inject': 'disabled' }, annotations: {} });
    const reviewer = new Reviewer({ config: DEFAULT_CONFIG, namespaces: known.namespaces, services: known.services });
    const ask = (namespace: string): ReturnType<Reviewer['answer']> => {
      const review = admissionReview(POD, { namespace });
      return reviewer.answer(review, bytes(review));
    };
    assert.equal(ask('shop').outcome.result, 'injected');
    const mute = ask('mute'); // a name of the same length: the same review size
    assert.equal(mute.reused, false);
    assert.equal(mute.outcome.result, 'skipped');
    assert.equal(ask('shop').reused, true, 'each namespace keeps its own answer');
    assert.equal(ask('mute').outcome.result, 'skipped');
  });

  it('never answers from before a Service appeared: its warning goes', () => {
    const known = cluster();
    known.setNamespace('shop', ENROLLED);
    const dependencies = { config: DEFAULT_CONFIG, namespaces: known.namespaces, services: known.services };
    const reviewer = new Reviewer(dependencies);
    const pod = { ...POD, metadata: { ...POD.metadata, annotations: { 'envoy-injector.io/routes': ROUTES_TO_API } } };
    const ask = (): ReturnType<Reviewer['answer']> => {
      const review = admissionReview(pod, { namespace: 'shop' });
      return reviewer.answer(review, bytes(review));
    };
    const unknownTarget = (answer: ReturnType<Reviewer['answer']>): boolean =>
      (answer.outcome.review.response.warnings ?? []).some((w) => w.includes('service shop/api does not exist (yet)'));
    assert.equal(unknownTarget(ask()), true);
    assert.equal(ask().reused, true);
    known.addService('shop', 'api', 8080);
    const after = ask();
    assert.equal(after.reused, false);
    assert.equal(unknownTarget(after), false);
  });

  it('reuses nothing when a lookup cannot say whether it changed', () => {
    const reviewer = new Reviewer({ config: DEFAULT_CONFIG, namespaces: { namespace: () => ENROLLED } });
    for (let i = 0; i < 3; i++) {
      const review = admissionReview(POD);
      assert.equal(reviewer.answer(review, bytes(review)).reused, false);
    }
  });

  it('reuses only pod creations, and only those within the size bound', () => {
    const reviewer = new Reviewer({ config: DEFAULT_CONFIG }, { entries: 8, maxReviewBytes: 2000, maxBytes: 2 ** 20 });
    const twice = (review: Record<string, unknown>, size = bytes(review)): boolean => {
      reviewer.answer(review, size);
      return reviewer.answer(review, size).reused;
    };
    assert.equal(twice(admissionReview(POD)), true);
    assert.equal(twice(admissionReview(POD, { operation: 'UPDATE', oldObject: POD })), false);
    assert.equal(twice(admissionReview(POD, { operation: 'DELETE' })), false);
    assert.equal(twice(admissionReview(POD, { subResource: 'status' })), false);
    assert.equal(twice(admissionReview(POD), 2001), false, 'declared larger than the bound');
    const big = { ...POD, metadata: { ...POD.metadata, annotations: { note: 'y'.repeat(3000) } } };
    assert.equal(twice(admissionReview(big)), false, 'its size is larger than the bound');
  });

  it('tells apart pods that differ anywhere, in a value or in the order of keys, at the same size', () => {
    const reviewer = new Reviewer({ config: DEFAULT_CONFIG });
    const variants = [
      { ...POD, metadata: { ...POD.metadata, labels: { app: 'web', tier: 'a' } } },
      { ...POD, metadata: { ...POD.metadata, labels: { app: 'web', tier: 'b' } } },
      { ...POD, metadata: { ...POD.metadata, labels: { tier: 'a', app: 'web' } } },
      {
        ...POD,
        spec: { containers: [{ name: 'wex', image: 'nginx:1.27', ports: [{ containerPort: 8080 }] }] },
        metadata: { ...POD.metadata, labels: { app: 'web', tier: 'a' } },
      },
    ];
    for (const pod of variants) {
      const review = admissionReview(pod);
      const answered = reviewer.answer(review, 5000);
      assert.equal(answered.reused, false, JSON.stringify(pod));
      assert.equal(answered.body.toString('utf8'), JSON.stringify(reviewAdmission(review, { config: DEFAULT_CONFIG }).review));
    }
  });

  it('remembers a bounded number of pods, the least recently used going first', () => {
    const reviewer = new Reviewer({ config: DEFAULT_CONFIG }, { entries: 2, maxReviewBytes: 64 * 1024, maxBytes: 2 ** 20 });
    const podNamed = (app: string): unknown => ({ ...POD, metadata: { ...POD.metadata, labels: { app } } });
    const ask = (app: string): boolean => {
      const review = admissionReview(podNamed(app));
      return reviewer.answer(review, bytes(review)).reused;
    };
    assert.deepEqual(['a', 'b', 'a', 'c', 'a', 'b'].map(ask), [false, false, true, false, true, false]);
  });

  it('keeps the most recently used of a bucket first, and its other pod with it', () => {
    // Each pod charged 1 MB of heap: two fit in 2.5 MB, three would not.
    const reviewer = new Reviewer({ config: DEFAULT_CONFIG }, { entries: 2, maxReviewBytes: 64 * 1024, maxBytes: 2_500_000 });
    const ask = (app: string): boolean => {
      const review = admissionReview({ ...POD, metadata: { ...POD.metadata, labels: { app } } });
      return reviewer.answer(review, bytes(review), 1_000_000).reused;
    };
    assert.deepEqual(['a', 'b', 'a', 'b', 'a', 'b'].map(ask), [false, false, true, true, true, true]);
  });

  it('holds about `entries` pods in all, across buckets', () => {
    const reviewer = new Reviewer({ config: DEFAULT_CONFIG }, { entries: 2, maxReviewBytes: 64 * 1024, maxBytes: 2 ** 20 });
    // Labels of different lengths: reviews of different sizes, each its own bucket.
    const ask = (app: string): boolean => {
      const review = admissionReview({ ...POD, metadata: { ...POD.metadata, labels: { app } } });
      return reviewer.answer(review, bytes(review)).reused;
    };
    // Two pods a bucket, so one bucket: the second size pushes the first out.
    assert.deepEqual(['a', 'a', 'bb', 'a'].map(ask), [false, true, false, false]);
  });

  it("charges a remembered answer for its pod's heap and its bytes, and keeps none past the budget", () => {
    const limits = (maxBytes: number) => ({ entries: 8, maxReviewBytes: 64 * 1024, maxBytes });
    const twice = (reviewer: Reviewer, heapBytes?: number): boolean => {
      const review = admissionReview(POD);
      reviewer.answer(review, bytes(review), heapBytes);
      return reviewer.answer(review, bytes(review), heapBytes).reused;
    };
    const answerBytes = (() => {
      const review = admissionReview(POD);
      return new Reviewer({ config: DEFAULT_CONFIG }).answer(review, bytes(review)).body.length;
    })();
    assert.equal(twice(new Reviewer({ config: DEFAULT_CONFIG }, limits(1_000_000)), 1_000), true);
    assert.equal(twice(new Reviewer({ config: DEFAULT_CONFIG }, limits(50_000)), 100_000), false, 'its heap alone is past the budget');
    assert.equal(twice(new Reviewer({ config: DEFAULT_CONFIG }, limits(40_001)), 40_000), false, 'its heap and its answer are past the budget');
    assert.ok(answerBytes > 1_000);
    assert.equal(twice(new Reviewer({ config: DEFAULT_CONFIG }, limits(answerBytes - 1))), false, 'measured here when the server did not');
  });

  it('reuses a review of exactly the largest size', () => {
    const review = admissionReview(POD);
    const reviewer = new Reviewer({ config: DEFAULT_CONFIG }, { entries: 8, maxReviewBytes: bytes(review), maxBytes: 2 ** 20 });
    reviewer.answer(review, bytes(review));
    assert.equal(reviewer.answer(admissionReview(POD), bytes(review)).reused, true);
  });

  it('reuses nothing when the Service lookup cannot say whether it changed', () => {
    const reviewer = new Reviewer({ config: DEFAULT_CONFIG, services: { service: () => undefined } });
    for (let i = 0; i < 2; i++) {
      const review = admissionReview(POD);
      assert.equal(reviewer.answer(review, bytes(review)).reused, false);
    }
  });

  it("follows each lookup's own generation", () => {
    let namespaceChanges = 0;
    let serviceChanges = 0;
    const viaNamespaces = new Reviewer({ config: DEFAULT_CONFIG, namespaces: { namespace: () => ENROLLED, generation: () => namespaceChanges } });
    const viaServices = new Reviewer({ config: DEFAULT_CONFIG, services: { service: () => undefined, generation: () => serviceChanges } });
    for (const [reviewer, change] of [
      [viaNamespaces, () => namespaceChanges++],
      [viaServices, () => serviceChanges++],
    ] as const) {
      const ask = (): boolean => {
        const review = admissionReview(POD);
        return reviewer.answer(review, bytes(review)).reused;
      };
      assert.deepEqual([ask(), ask()], [false, true]);
      change();
      assert.equal(ask(), false);
    }
  });

  it("never answers one request name from another's answer", () => {
    const reviewer = new Reviewer({ config: DEFAULT_CONFIG });
    const unnamed = { ...POD, metadata: { labels: { app: 'web' } } };
    const ask = (name: string): ReturnType<Reviewer['answer']> => {
      const review = admissionReview(unnamed, { name });
      return reviewer.answer(review, 5000);
    };
    assert.equal(ask('aa').outcome.name, 'aa');
    const other = ask('bb');
    assert.equal(other.reused, false);
    assert.equal(other.outcome.name, 'bb');
  });

  it('refuses an unreadable review as reviewAdmission does, and does not remember it', () => {
    const reviewer = new Reviewer({ config: DEFAULT_CONFIG });
    const noUid = admissionReview(POD, { uid: '' });
    assert.throws(() => reviewer.answer(noUid, bytes(noUid)), BadReviewError);
    assert.throws(() => reviewer.answer(noUid, bytes(noUid)), BadReviewError);
    const wrongKind = { ...admissionReview(POD), kind: 'Other' };
    assert.throws(() => reviewer.answer(wrongKind, bytes(wrongKind)), BadReviewError);
  });

  it('answers a refused pod again with the same refusal', () => {
    const reviewer = new Reviewer({ config: DEFAULT_CONFIG });
    const refused = { ...POD, metadata: { ...POD.metadata, annotations: { 'envoy-injector.io/proxy-cpu': 'lots' } } };
    const first = admissionReview(refused);
    const second = admissionReview(refused);
    const a = reviewer.answer(first, bytes(first));
    const b = reviewer.answer(second, bytes(second));
    assert.equal(a.outcome.result, 'rejected');
    assert.equal(b.reused, true);
    assert.deepEqual(b.outcome.review.response.status, a.outcome.review.response.status);
  });
});
