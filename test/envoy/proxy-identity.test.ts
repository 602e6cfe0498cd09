// Who may have a proxy's config on the xDS port (envoy/proxy-identity.ts):
// the bearer token of the stream's metadata, its TokenReview status as the
// API server returns it for a bound service-account token
// (authentication.k8s.io/v1 TokenReviewStatus: authenticated, user.username
// system:serviceaccount:NS:SA, user.extra authentication.kubernetes.io/pod-name
// and pod-uid, audiences), and the node.id the proxy gives.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bearerToken, MAX_TOKEN_BYTES, parseNodeId, proxyIdentity } from '../../src/envoy/proxy-identity.js';

const review = (overrides: Record<string, unknown> = {}, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  authenticated: true,
  user: {
    username: 'system:serviceaccount:shop:web',
    uid: 'sa-uid',
    groups: ['system:serviceaccounts', 'system:serviceaccounts:shop', 'system:authenticated'],
    extra: {
      'authentication.kubernetes.io/pod-name': ['web-7d9f-x2'],
      'authentication.kubernetes.io/pod-uid': ['6f1c2a'],
      'authentication.kubernetes.io/credential-id': ['JTI=abc'],
      ...extra,
    },
  },
  audiences: ['envoy-injector'],
  ...overrides,
});

describe('the bearer token of a stream', () => {
  it('is the one "Bearer <token>" authorization value', () => {
    assert.deepEqual(bearerToken(['Bearer eyJhbGciOi.eyJpc3Mi.c2lnbmF0dXJl']), { ok: true, token: 'eyJhbGciOi.eyJpc3Mi.c2lnbmF0dXJl' });
  });
  for (const [values, message] of [
    [[], 'no authorization metadata'],
    [['Bearer a', 'Bearer b'], 'more than one authorization metadata'],
    [['bearer abc'], 'the authorization metadata is not "Bearer <token>"'],
    [['Basic dXNlcg=='], 'the authorization metadata is not "Bearer <token>"'],
    [['Bearer '], 'the authorization metadata is not "Bearer <token>"'],
    [['Bearer a b'], 'the authorization metadata is not "Bearer <token>"'],
    [[`Bearer ${'a'.repeat(MAX_TOKEN_BYTES + 1)}`], 'the authorization metadata is over 8192 bytes'],
  ] as Array<[string[], string]>) {
    it(`refuses ${JSON.stringify(values).slice(0, 40)}: ${message}`, () => assert.deepEqual(bearerToken(values), { ok: false, message }));
  }
  it('takes a token of exactly the limit', () => assert.equal(bearerToken([`Bearer ${'a'.repeat(MAX_TOKEN_BYTES)}`]).ok, true));
});

describe('node.id', () => {
  for (const [id, want] of [
    ['web-1.shop', { name: 'web-1', namespace: 'shop' }],
    ['web.v2.shop', { name: 'web.v2', namespace: 'shop' }],
    ['web', undefined],
    ['.shop', undefined],
    ['web.', undefined],
    ['web.Shop', undefined],
    ['web.shop_1', undefined],
    [`${'a'.repeat(254)}.shop`, undefined],
    [`${'a'.repeat(253)}.shop`, { name: 'a'.repeat(253), namespace: 'shop' }],
    [`web.${'n'.repeat(64)}`, undefined],
  ] as Array<[string, { name: string; namespace: string } | undefined]>) {
    it(`${JSON.stringify(id.slice(0, 30))} → ${JSON.stringify(want)}`, () => assert.deepEqual(parseNodeId(id), want));
  }
});

describe('a proxy identified by its token', () => {
  it('is its pod: name, namespace, uid and service account', () => {
    assert.deepEqual(proxyIdentity('web-7d9f-x2.shop', review()), {
      ok: true,
      pod: { name: 'web-7d9f-x2', namespace: 'shop', uid: '6f1c2a', serviceAccount: 'web' },
    });
  });

  const REFUSED: Array<[string, string, unknown, string, string]> = [
    [
      'a token the API server refused',
      'web-7d9f-x2.shop',
      { authenticated: false, error: '[invalid bearer token, token lookup failed]' },
      'UNAUTHENTICATED',
      'the token was not accepted by the API server: "[invalid bearer token, token lookup failed]"',
    ],
    ['no review', 'web-7d9f-x2.shop', undefined, 'UNAUTHENTICATED', 'the token was not accepted by the API server'],
    [
      'a review without authenticated: true',
      'web-7d9f-x2.shop',
      review({ authenticated: 'true' }),
      'UNAUTHENTICATED',
      'the token was not accepted by the API server',
    ],
    [
      'a token for the API server, not for the injector',
      'web-7d9f-x2.shop',
      review({ audiences: ['https://kubernetes.default.svc'] }),
      'UNAUTHENTICATED',
      'the token is not for the audience envoy-injector',
    ],
    ['a review without audiences', 'web-7d9f-x2.shop', review({ audiences: undefined }), 'UNAUTHENTICATED', 'the token is not for the audience envoy-injector'],
    [
      'a user that is no service account',
      'web-7d9f-x2.shop',
      review({ user: { username: 'alice', extra: {} } }),
      'PERMISSION_DENIED',
      "the token is not a pod's service-account token",
    ],
    [
      'a service-account token bound to no pod',
      'web-7d9f-x2.shop',
      review({}, { 'authentication.kubernetes.io/pod-name': undefined }),
      'PERMISSION_DENIED',
      "the token is not a pod's service-account token",
    ],
    [
      'a token naming two pods',
      'web-7d9f-x2.shop',
      review({}, { 'authentication.kubernetes.io/pod-name': ['a', 'b'] }),
      'PERMISSION_DENIED',
      "the token is not a pod's service-account token",
    ],
    [
      'a token without the pod uid',
      'web-7d9f-x2.shop',
      review({}, { 'authentication.kubernetes.io/pod-uid': [] }),
      'PERMISSION_DENIED',
      "the token is not a pod's service-account token",
    ],
    [
      'another pod of the namespace',
      'web-other.shop',
      review(),
      'PERMISSION_DENIED',
      'node.id "web-other.shop" is not the pod of its token (pod web-7d9f-x2 in namespace shop)',
    ],
    [
      'the same pod name in another namespace',
      'web-7d9f-x2.payments',
      review(),
      'PERMISSION_DENIED',
      'node.id "web-7d9f-x2.payments" is not the pod of its token (pod web-7d9f-x2 in namespace shop)',
    ],
    [
      'a node id that is not <pod>.<namespace>',
      'sidecar~10.0.0.1~web',
      review(),
      'PERMISSION_DENIED',
      'node.id "sidecar~10.0.0.1~web" is not <pod>.<namespace>',
    ],
  ];
  for (const [what, nodeId, status, code, message] of REFUSED) {
    it(`refuses ${what}: ${code}`, () => assert.deepEqual(proxyIdentity(nodeId, status), { ok: false, code, message }));
  }
});
