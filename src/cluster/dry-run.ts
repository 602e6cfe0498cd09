// A server-side dry-run create of a pod: the API server runs every admission
// step (mutating webhooks included) and persists nothing. For the self-test.

import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { Pod } from '../model/kubernetes.js';
import { describeApiError } from './api-errors.js';

export function podDryRunner(kubeConfig: KubeConfig): (pod: Pod) => Promise<Pod> {
  const api = kubeConfig.makeApiClient(CoreV1Api);
  return async (pod) => {
    const namespace = pod.metadata?.namespace ?? 'default';
    try {
      const created = await api.createNamespacedPod({ namespace, body: pod, dryRun: 'All' });
      // As the API server wrote it: the model classes carry Dates.
      return JSON.parse(JSON.stringify(created)) as Pod;
    } catch (error) {
      throw new Error(`dry-run create of a pod in namespace ${namespace}: ${describeApiError(error)}`);
    }
  };
}
