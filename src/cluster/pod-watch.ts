// Every pod of the cluster, as a stream (list-watch.ts): for the fleet gauges
// and for the xDS server, each keeping what it needs of each pod.

import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { Pod } from '../model/kubernetes.js';
import type { ClusterLog } from './cluster.js';
import { listWatch, type Collection, type ListWatch, type ObjectSink } from './list-watch.js';

export type PodSink = ObjectSink<Pod>;
export type PodWatch = ListWatch;

export function podCollection(api: CoreV1Api): Collection<Pod> {
  return {
    what: 'pod',
    plural: 'pods',
    path: '/api/v1/pods',
    list: async (limit, continueToken) => {
      const page = await api.listPodForAllNamespaces({ limit, ...(continueToken ? { _continue: continueToken } : {}) });
      return { items: page.items as unknown as Pod[], ...(page.metadata ? { metadata: page.metadata } : {}) };
    },
  };
}

export function watchPods(kubeConfig: KubeConfig, sink: PodSink, log: ClusterLog, retryMs = 5000): PodWatch {
  return listWatch(kubeConfig, podCollection(kubeConfig.makeApiClient(CoreV1Api)), sink, log, retryMs);
}
