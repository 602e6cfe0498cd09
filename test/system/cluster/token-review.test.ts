// A proxy's token reviewed by the API server (cluster/token-review.ts) through
// the real client-node against the stand-in API server, then read by
// envoy/proxy-identity.ts as the xDS server reads it.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { tokenReviewer } from '../../../src/cluster/token-review.js';
import { proxyIdentity, XDS_TOKEN_AUDIENCE } from '../../../src/envoy/proxy-identity.js';
import { FakeKubeApi } from '../../support/kube-api.js';

describe('TokenReview of a proxy token', () => {
  const api = new FakeKubeApi();
  before(async () => {
    await api.start();
    const pod = { 'authentication.kubernetes.io/pod-name': ['web-1'], 'authentication.kubernetes.io/pod-uid': ['u-1'] };
    api.tokens.set('for-the-injector', { username: 'system:serviceaccount:shop:web', audiences: [XDS_TOKEN_AUDIENCE], extra: pod });
    api.tokens.set('for-the-api-server', { username: 'system:serviceaccount:shop:web', audiences: ['https://kubernetes.default.svc'], extra: pod });
  });
  after(() => api.stop());

  it('identifies the pod of a token issued for envoy-injector, asking for that audience', async () => {
    const review = tokenReviewer(api.kubeConfig(), XDS_TOKEN_AUDIENCE);
    assert.deepEqual(proxyIdentity('web-1.shop', await review('for-the-injector')), {
      ok: true,
      pod: { name: 'web-1', namespace: 'shop', uid: 'u-1', serviceAccount: 'web' },
    });
    assert.ok(api.requests.some((r) => r.method === 'POST' && r.path === '/apis/authentication.k8s.io/v1/tokenreviews'));
  });

  it('refuses a token for another audience, and one the API server does not know', async () => {
    const review = tokenReviewer(api.kubeConfig(), XDS_TOKEN_AUDIENCE);
    assert.deepEqual(proxyIdentity('web-1.shop', await review('for-the-api-server')), {
      ok: false,
      code: 'UNAUTHENTICATED',
      message: 'the token was not accepted by the API server: "[invalid bearer token, token audiences are invalid for the target audiences]"',
    });
    assert.deepEqual(proxyIdentity('web-1.shop', await review('forged')), {
      ok: false,
      code: 'UNAUTHENTICATED',
      message: 'the token was not accepted by the API server: "[invalid bearer token, token lookup failed]"',
    });
  });

  it('fails, saying so, when the API server cannot answer', async () => {
    api.failWith = 503;
    try {
      await assert.rejects(tokenReviewer(api.kubeConfig(), XDS_TOKEN_AUDIENCE)('for-the-injector'), /^Error: TokenReview: /);
    } finally {
      api.failWith = undefined;
    }
  });
});
