// The API server's word on a proxy's token (authentication.k8s.io/v1
// TokenReview), for the xDS server: the review's status as the API server
// wrote it, for envoy/proxy-identity.ts to read; an API server that cannot
// be asked is an error with context, never a token taken on trust.

import { AuthenticationV1Api, type KubeConfig } from '@kubernetes/client-node';
import { describeApiError } from './api-errors.js';

export function tokenReviewer(kubeConfig: KubeConfig, audience: string): (token: string) => Promise<unknown> {
  const api = kubeConfig.makeApiClient(AuthenticationV1Api);
  return async (token) => {
    try {
      const review = await api.createTokenReview({
        body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token, audiences: [audience] } },
      });
      // As the API server wrote it: the model classes may carry more than JSON.
      return JSON.parse(JSON.stringify(review.status ?? {})) as unknown;
    } catch (error) {
      throw new Error(`TokenReview: ${describeApiError(error)}`);
    }
  };
}
