// One AdmissionReview in, one out (admission/review.ts), in process: what is
// refused before it is read, which requests are ours, what each operation
// gets back, and the exact shape of each kind of answer.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyPatch } from 'rfc6902';
import { BadReviewError, errored, isPodRequest, readRequest, reviewAdmission } from '../../src/admission/review.js';
import type { AdmissionRequest } from '../../src/admission/types.js';
import { DEFAULT_CONFIG } from '../../src/config/config.js';
import { evaluatePod } from '../../src/inject/evaluate.js';
import type { Pod } from '../../src/model/kubernetes.js';
import { admissionReview } from '../support/apiserver.js';

const deps = { config: DEFAULT_CONFIG };
const POD: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'shop' }, spec: { containers: [{ name: 'app', image: 'app:1' }] } };

function requestOf(review: Record<string, unknown>): Record<string, unknown> {
  return review.request as Record<string, unknown>;
}

function patchOf(outcome: ReturnType<typeof reviewAdmission>): unknown[] {
  const { patch, patchType } = outcome.review.response;
  assert.equal(patchType, 'JSONPatch');
  return JSON.parse(Buffer.from(patch ?? '', 'base64').toString('utf8')) as unknown[];
}

describe('readRequest', () => {
  const REFUSED: Array<[string, unknown, string]> = [
    ['a list', [], 'the body is not a JSON object'],
    [
      'another API version',
      { ...admissionReview(POD), apiVersion: 'admission.k8s.io/v1beta1' },
      'expected apiVersion admission.k8s.io/v1 and kind AdmissionReview, got "admission.k8s.io/v1beta1" and "AdmissionReview"',
    ],
    [
      'another kind',
      { ...admissionReview(POD), kind: 'Pod' },
      'expected apiVersion admission.k8s.io/v1 and kind AdmissionReview, got "admission.k8s.io/v1" and "Pod"',
    ],
    ['no request', { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }, 'the AdmissionReview has no request'],
    ['a list request', { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: [] }, 'the AdmissionReview has no request'],
    ['no uid', admissionReview(POD, { uid: undefined }), 'the AdmissionReview request has no uid'],
    ['an empty uid', admissionReview(POD, { uid: '' }), 'the AdmissionReview request has no uid'],
    ['a numeric uid', admissionReview(POD, { uid: 7 }), 'the AdmissionReview request has no uid'],
    ['a uid one past the longest', admissionReview(POD, { uid: 'u'.repeat(129) }), "the AdmissionReview request's uid is 129 characters: not a Kubernetes uid"],
    ['a numeric name', admissionReview(POD, { name: 3 }), "the AdmissionReview request's name is not a string"],
    ['an object namespace', admissionReview(POD, { namespace: {} }), "the AdmissionReview request's namespace is not a string"],
  ];
  for (const [name, body, message] of REFUSED) {
    it(`refuses ${name}`, () => {
      assert.throws(
        () => readRequest(body),
        (error: unknown) => error instanceof BadReviewError && error.message === message,
      );
    });
  }

  it('reads a uid of the longest length and null name and namespace', () => {
    const body = admissionReview(POD, { uid: 'u'.repeat(128), name: null, namespace: null });
    assert.equal(readRequest(body).uid, 'u'.repeat(128));
  });
});

describe('isPodRequest', () => {
  const pod = { kind: { group: '', version: 'v1', kind: 'Pod' }, resource: { group: '', version: 'v1', resource: 'pods' } };
  const CASES: Array<[string, Partial<AdmissionRequest>, boolean]> = [
    ['a pod by kind and resource', pod, true],
    ['a pod by kind alone', { kind: pod.kind }, true],
    ['a pod by resource alone', { resource: pod.resource }, true],
    ['a Pod kind of another group', { kind: { ...pod.kind, group: 'example.io' } }, false],
    ['a pods resource of another group', { resource: { ...pod.resource, group: 'example.io' } }, false],
    ['another kind', { kind: { ...pod.kind, kind: 'Deployment' }, resource: { ...pod.resource, resource: 'deployments' } }, false],
    ['a subresource of a pod', { ...pod, subResource: 'status' }, false],
    ['nothing said', {}, false],
  ];
  for (const [name, request, expected] of CASES) {
    it(`${expected ? 'takes' : 'leaves'} ${name}`, () => assert.equal(isPodRequest({ uid: 'u', ...request }), expected));
  }
});

describe('reviewAdmission answers', () => {
  it('lets every other operation and object through untouched, labelled for metrics', () => {
    for (const [overrides, operation] of [
      [{ operation: 'DELETE' }, 'DELETE'],
      [{ operation: 'CONNECT' }, 'CONNECT'],
      [{ operation: 'PATCH' }, 'other'],
      [{ subResource: 'ephemeralcontainers' }, 'CREATE'],
      [{ kind: { group: 'apps', version: 'v1', kind: 'Deployment' }, resource: { group: 'apps', version: 'v1', resource: 'deployments' } }, 'CREATE'],
    ] as const) {
      const review = admissionReview(POD, overrides);
      const outcome = reviewAdmission(review, deps);
      assert.deepEqual(
        { result: outcome.result, operation: outcome.operation, review: outcome.review },
        {
          result: 'ignored',
          operation,
          review: { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: requestOf(review).uid, allowed: true } },
        },
        JSON.stringify(overrides),
      );
    }
  });

  it('refuses an object that is not a pod, saying so', () => {
    const review = admissionReview({ spec: {} });
    const outcome = reviewAdmission(review, deps);
    assert.equal(outcome.result, 'invalid');
    assert.deepEqual(outcome.problems, ['the request object spec.containers must be a non-empty list: it is not a Pod']);
    assert.deepEqual(outcome.review.response, {
      uid: requestOf(review).uid,
      allowed: false,
      status: { code: 400, reason: 'BadRequest', message: 'envoy-injector: the request object spec.containers must be a non-empty list: it is not a Pod' },
    });
  });

  it('injects with a patch that turns the submitted pod into the injected one', () => {
    const outcome = reviewAdmission(admissionReview(POD), deps);
    assert.equal(outcome.result, 'injected');
    assert.deepEqual([outcome.namespace, outcome.name], ['shop', 'web']);
    const patched = structuredClone(POD);
    applyPatch(patched, patchOf(outcome) as Parameters<typeof applyPatch>[1]);
    const expected = evaluatePod({ pod: POD, namespace: { name: 'shop' }, config: DEFAULT_CONFIG });
    assert.equal(expected.kind, 'injected');
    if (expected.kind === 'injected') assert.deepEqual(patched, expected.pod);
    assert.equal(outcome.review.response.warnings, undefined);
  });

  it('names the pod from its metadata first, then the request, then its generateName', () => {
    const nameOf = (metadata: Record<string, unknown>, requestName: string) =>
      reviewAdmission(admissionReview({ ...POD, metadata }, { name: requestName }), deps).name;
    assert.equal(nameOf({ name: 'own', generateName: 'gen-' }, 'asked'), 'own');
    assert.equal(nameOf({ generateName: 'gen-' }, 'asked'), 'asked');
    assert.equal(nameOf({ generateName: 'gen-' }, ''), 'gen-*');
    assert.equal(nameOf({}, ''), undefined);
    assert.equal(nameOf({ name: 'n'.repeat(300) }, '')?.length, 253);
  });

  it('takes the namespace from the request, then the pod, then "default"', () => {
    const namespaceOf = (requestNamespace: string, podNamespace?: string) =>
      reviewAdmission(
        admissionReview({ ...POD, metadata: { name: 'p', ...(podNamespace ? { namespace: podNamespace } : {}) } }, { namespace: requestNamespace }),
        deps,
      ).namespace;
    assert.equal(namespaceOf('asked', 'own'), 'asked');
    assert.equal(namespaceOf('', 'own'), 'own');
    assert.equal(namespaceOf(''), 'default');
  });

  it('skips with the reasons, and no patch', () => {
    const off = { ...POD, metadata: { name: 'web', annotations: { 'envoy-injector.io/inject': 'false' } } };
    const outcome = reviewAdmission(admissionReview(off), deps);
    assert.equal(outcome.result, 'skipped');
    assert.ok(outcome.reasons.length > 0);
    assert.equal(outcome.review.response.patch, undefined);
    assert.equal(outcome.review.response.patchType, undefined);
    assert.equal(outcome.review.response.allowed, true);
  });
});

describe('reviewAdmission of an UPDATE', () => {
  const injected = ((): Pod => {
    const outcome = evaluatePod({ pod: POD, namespace: { name: 'shop' }, config: DEFAULT_CONFIG });
    assert.equal(outcome.kind, 'injected');
    return outcome.kind === 'injected' ? outcome.pod : POD;
  })();
  const withRoutes = (routes: string): Pod => {
    const pod = structuredClone(injected);
    pod.metadata!.annotations = { ...pod.metadata!.annotations, 'envoy-injector.io/routes': routes };
    return pod;
  };
  const updateOf = (pod: Pod) => reviewAdmission(admissionReview(pod, { operation: 'UPDATE', oldObject: injected }), deps);

  it('re-renders the config when the routes change, patching only the annotations', () => {
    const routes = 'virtual_hosts:\n- name: a\n  domains: ["a"]\n  routes:\n  - match: { prefix: "/" }\n    route: { cluster: "a-v2:9000" }\n';
    const outcome = updateOf(withRoutes(routes));
    assert.equal(outcome.result, 'routes-updated');
    assert.equal(outcome.operation, 'UPDATE');
    const patch = patchOf(outcome) as Array<{ path: string }>;
    assert.ok(patch.length > 0);
    assert.ok(
      patch.every((op) => op.path.startsWith('/metadata/annotations/')),
      JSON.stringify(patch.map((op) => op.path)),
    );
  });

  it('refuses an invalid routes change with a 400 naming the problem', () => {
    const outcome = updateOf(withRoutes('virtual_hosts: 7'));
    assert.equal(outcome.result, 'rejected');
    assert.equal(outcome.review.response.allowed, false);
    assert.equal(outcome.review.response.status?.code, 400);
    assert.ok(outcome.problems.length > 0);
    assert.equal(outcome.review.response.status?.message, `envoy-injector: ${outcome.problems.join('; ')}`);
  });

  it('lets an update that changes nothing of ours through untouched', () => {
    const relabelled = structuredClone(injected);
    relabelled.metadata!.labels = { version: '2' };
    const outcome = updateOf(relabelled);
    assert.equal(outcome.result, 'ignored');
    assert.equal(outcome.name, 'web');
    assert.equal(outcome.review.response.patch, undefined);
    assert.equal(outcome.review.response.allowed, true);
  });
});

describe('errored', () => {
  it('answers a 500 that says what went wrong', () => {
    assert.deepEqual(errored('uid-1', new Error('boom')), {
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: { uid: 'uid-1', allowed: false, status: { code: 500, reason: 'InternalError', message: 'envoy-injector: internal error: boom' } },
    });
  });
});
