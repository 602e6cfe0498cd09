// Every EndpointSlice of the cluster (discovery.k8s.io/v1), as a stream for
// the xDS server's endpoints (list-watch.ts): the sink keeps what EDS needs.

import { DiscoveryV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { ClusterLog } from './cluster.js';
import { listWatch, type ListWatch, type ObjectSink } from './list-watch.js';

export function watchEndpointSlices(kubeConfig: KubeConfig, sink: ObjectSink<unknown>, log: ClusterLog, retryMs = 5000): ListWatch {
  const api = kubeConfig.makeApiClient(DiscoveryV1Api);
  return listWatch<unknown>(
    kubeConfig,
    {
      what: 'EndpointSlice',
      plural: 'EndpointSlices',
      path: '/apis/discovery.k8s.io/v1/endpointslices',
      list: async (limit, continueToken) => {
        const page = await api.listEndpointSliceForAllNamespaces({ limit, ...(continueToken ? { _continue: continueToken } : {}) });
        return { items: page.items, ...(page.metadata ? { metadata: page.metadata } : {}) };
      },
    },
    sink,
    log,
    retryMs,
  );
}
