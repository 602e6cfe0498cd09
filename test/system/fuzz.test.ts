// Property-based fuzzing of the admission path (fast-check): random and
// mutated reviews, pods and annotations, in-process (20,000 cases) and over
// HTTPS. Invariants: no crash, a well-formed AdmissionReview with the right
// uid, every patch applies with an independent RFC 6902 implementation and
// yields a valid Pod, injection is idempotent, a refusal names its cause.
// fast-check prints the seed and the shrunk counterexample of a failure;
// FUZZ_SEED=<seed> replays it.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { applyPatch, type Operation } from 'rfc6902';
import { reviewAdmission } from '../../src/admission/review.js';
import { DEFAULT_CONFIG } from '../../src/config/config.js';
import type { Pod } from '../../src/model/kubernetes.js';
import { admissionReview, makeAgent, post } from '../support/apiserver.js';
import { podProblems } from '../support/pod-checks.js';
import { startTestWebhook, type TestWebhook } from '../support/webhook.js';

const seed = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const settings = (numRuns: number): fc.Parameters<unknown> => ({ numRuns, ...(seed === undefined ? {} : { seed }) });

const name = fc.stringMatching(/^[a-z]([a-z0-9-]{0,10}[a-z0-9])?$/);
const junk = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 20 }), fc.constant('-'.repeat(300)), fc.constant('['.repeat(200)));
const ANNOTATION_VALUES: Record<string, fc.Arbitrary<string>> = {
  'envoy-injector.io/inject': fc.constantFrom('true', 'false', 'yes', ''),
  'envoy-injector.io/proxy-cpu': fc.oneof(fc.constantFrom('100m', '0.5', '2', '1e3', '-1', '1.5.5'), junk),
  'envoy-injector.io/proxy-memory-limit': fc.oneof(fc.constantFrom('128Mi', '1Gi', '64M', 'x'), junk),
  'envoy-injector.io/log-level': fc.oneof(fc.constantFrom('debug', 'warn', 'loud'), junk),
  'envoy-injector.io/exclude-outbound-ports': fc.oneof(fc.constantFrom('5432', '80, 443', '0', '70000'), junk),
  'envoy-injector.io/exclude-outbound-ip-ranges': fc.oneof(fc.constantFrom('10.0.0.0/8', 'fd00::/8', '10.0.0.0/08', 'fe80::1%eth0/64'), junk),
  'envoy-injector.io/http-ports': fc.oneof(fc.constantFrom('9080', '15001', '9080,50051'), junk),
  'envoy-injector.io/native-sidecar': fc.constantFrom('true', 'false', 'maybe'),
  'envoy-injector.io/hold-application-until-proxy-starts': fc.constantFrom('true', 'false'),
  'envoy-injector.io/proxy-imag': fc.constant('typo'),
  'envoy-injector.io/routes': fc.oneof(
    fc.constantFrom(
      'virtual_hosts:\n- name: a\n  domains: ["a"]\n  routes:\n  - match: { prefix: "/" }\n    route: { cluster: "b:9090" }\n',
      'virtual_hosts:\n- name: a\n  domains: ["*.x.com", "y:81"]\n  routes:\n  - match: { path: "/p", headers: [{ name: "h" }] }\n    redirect: { path_redirect: "/q" }\n',
      '{"virtual_hosts":[{"name":"w","domains":["w"],"routes":[{"match":{"prefix":"/"},"route":{"weighted_clusters":{"clusters":[{"name":"w1","weight":1},{"name":"w2","weight":0}]}}}]}]}',
      'virtual_hosts: []',
      'virtual_hosts: [{name: a, domains: [a], routes: [{match: {prefix: /, toString: 1}, route: {cluster: b}}]}]',
    ),
    junk,
  ),
};
const annotations = fc
  .dictionary(fc.constantFrom(...Object.keys(ANNOTATION_VALUES), 'note', 'prometheus.io/scrape'), fc.constant(''), { maxKeys: 5 })
  .chain((keys) => fc.record(Object.fromEntries(Object.keys(keys).map((key) => [key, ANNOTATION_VALUES[key] ?? fc.string({ maxLength: 20 })]))));
const container = fc.record({
  name: name.filter((n) => n !== 'envoy' && n !== 'envoy-init'),
  image: fc.constantFrom('nginx:1.27', 'app:1'),
  ports: fc.option(fc.array(fc.record({ containerPort: fc.integer({ min: 1, max: 65535 }) }), { maxLength: 2 }), { nil: undefined }),
});
const podArbitrary: fc.Arbitrary<Pod> = fc
  .record({
    metadata: fc.record(
      {
        name: name,
        generateName: fc.constantFrom('web-', 'job-29000000-', 'a---'),
        labels: fc.dictionary(fc.constantFrom('app', 'envoy-injector.io/inject'), fc.constantFrom('true', 'false', 'web', 'x')),
        annotations,
      },
      { requiredKeys: ['annotations'] },
    ),
    spec: fc.record(
      {
        containers: fc.uniqueArray(container, { minLength: 1, maxLength: 3, selector: (c) => c.name }),
        initContainers: fc.uniqueArray(container, { maxLength: 2, selector: (c) => c.name }),
        hostNetwork: fc.boolean(),
        volumes: fc.uniqueArray(fc.record({ name, emptyDir: fc.constant({}) }), { maxLength: 2, selector: (v) => v.name }),
      },
      { requiredKeys: ['containers'] },
    ),
  })
  .map((pod) => {
    const init = pod.spec.initContainers ?? [];
    const names = new Set(pod.spec.containers.map((c) => c.name));
    const whole = { apiVersion: 'v1', kind: 'Pod', ...pod, spec: { ...pod.spec, initContainers: init.filter((c) => !names.has(c.name)) } };
    // As it travels: JSON has no undefined.
    return JSON.parse(JSON.stringify(whole)) as Pod;
  });

/** A random value anywhere in the review: what a hostile or broken client sends. */
const mutation = fc.tuple(
  fc.constantFrom(
    'request.operation',
    'request.object.metadata',
    'request.object.spec.containers',
    'request.object.metadata.annotations',
    'request.kind',
    'request.namespace',
    'request.oldObject',
  ),
  fc.anything(),
);

function mutate(review: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let target: Record<string, unknown> = review;
  for (const key of keys.slice(0, -1)) {
    const next = target[key];
    if (typeof next !== 'object' || next === null) return;
    target = next as Record<string, unknown>;
  }
  target[keys.at(-1) ?? ''] = value;
}

interface Answer {
  apiVersion: string;
  kind: string;
  response: { uid: string; allowed: boolean; patch?: string; patchType?: string; status?: { message: string } };
}

function checkAnswer(review: Record<string, unknown>, answer: Answer, pod: Pod | undefined, validate: boolean): void {
  const uid = (review.request as { uid: string }).uid;
  assert.equal(answer.apiVersion, 'admission.k8s.io/v1');
  assert.equal(answer.kind, 'AdmissionReview');
  assert.equal(answer.response.uid, uid);
  if (!answer.response.allowed) {
    assert.match(answer.response.status?.message ?? '', /^envoy-injector: .{10,}/, 'a refusal names its cause');
    return;
  }
  if (answer.response.patch === undefined || !pod) return;
  assert.equal(answer.response.patchType, 'JSONPatch');
  const patched = structuredClone(pod);
  const results = applyPatch(patched, JSON.parse(Buffer.from(answer.response.patch, 'base64').toString('utf8')) as Operation[]);
  assert.deepEqual(
    results.filter((r) => r !== null),
    [],
    'the patch applies with rfc6902',
  );
  if (validate) assert.deepEqual(podProblems(patched), [], 'the patched pod is a valid Pod');
  // Idempotent: the injected pod, reviewed again, is left as it is.
  const again = reviewAdmission(admissionReview(patched), { config: DEFAULT_CONFIG });
  assert.equal(again.review.response.patch, undefined, 'a second pass changes nothing');
}

describe('fuzzing the admission path', () => {
  it('in-process: 20,000 random pods, every invariant holds', () => {
    let validated = 0;
    fc.assert(
      fc.property(podArbitrary, (pod) => {
        const review = admissionReview(pod);
        const outcome = reviewAdmission(review, { config: DEFAULT_CONFIG });
        // Schema validation is the slow part: every tenth pod is enough to catch a shape.
        checkAnswer(review, outcome.review, pod, validated++ % 10 === 0);
      }),
      settings(20_000),
    );
  });

  it('in-process: 5,000 mutated reviews never throw anything but a clear "bad review"', () => {
    fc.assert(
      fc.property(podArbitrary, mutation, (pod, [path, value]) => {
        const review = admissionReview(pod);
        mutate(review, path, value);
        try {
          checkAnswer(review, reviewAdmission(review, { config: DEFAULT_CONFIG }).review, undefined, false);
        } catch (error) {
          assert.equal((error as Error).constructor.name, 'BadReviewError', (error as Error).stack);
        }
      }),
      settings(5_000),
    );
  });

  describe('over HTTPS', () => {
    let webhook: TestWebhook;
    let agent: ReturnType<typeof makeAgent>;
    before(async () => {
      webhook = await startTestWebhook();
      agent = makeAgent(webhook.certificates.caCert, 8);
    });
    after(async () => {
      agent.destroy();
      await webhook.server.close();
    });

    it('1,000 random and mutated reviews: always an answer, the server stays up', async () => {
      await fc.assert(
        fc.asyncProperty(podArbitrary, fc.option(mutation, { nil: undefined }), async (pod, change) => {
          const review = admissionReview(pod);
          if (change) mutate(review, change[0], change[1]);
          const result = await post(agent, webhook.server.port, '/mutate', JSON.stringify(review));
          if (result.status === 400) {
            assert.match(result.body, /"error":/);
            return;
          }
          assert.equal(result.status, 200, result.body.slice(0, 300));
          checkAnswer(review, JSON.parse(result.body) as Answer, change ? undefined : pod, false);
        }),
        settings(1_000),
      );
    });
  });
});
