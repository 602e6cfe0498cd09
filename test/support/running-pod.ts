// A pod as the API server lists it once it runs: a namespace, the ReplicaSet
// that owns it (workload "web"), and a phase. For the fleet tests.

import type { Pod } from '../../src/model/kubernetes.js';

export function runningPod(name: string, namespace = 'shop', extra: Partial<Pod> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace,
      labels: { app: 'web', 'pod-template-hash': '5d4f8' },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-5d4f8', uid: `uid-${name}`, controller: true }],
    },
    spec: { containers: [{ name: 'web', image: 'nginx' }] },
    status: { phase: 'Running' },
    ...extra,
  };
}
