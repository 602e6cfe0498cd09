// One read-only snapshot of the cluster's namespaces and pods, for `status`.
// Listed in pages so that a large cluster is never held twice in memory as
// one response and its parsed copy.

import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { Pod } from '../model/kubernetes.js';
import type { NamespaceMetadata } from '../model/lookups.js';
import { describeApiError } from './api-errors.js';
import { listAll } from './list-watch.js';
import { podCollection } from './pod-watch.js';

export interface ClusterSnapshot {
  namespaces: Map<string, NamespaceMetadata>;
  pods: Pod[];
}

/** Pods a page for `status` (a command on an operator's machine). */
const STATUS_PAGE = 500;

export async function listNamespacesAndPods(kubeConfig: KubeConfig): Promise<ClusterSnapshot> {
  const api = kubeConfig.makeApiClient(CoreV1Api);
  const namespaces = new Map<string, NamespaceMetadata>();
  try {
    for (const namespace of (await api.listNamespace()).items) {
      const name = namespace.metadata?.name;
      if (name) namespaces.set(name, { labels: namespace.metadata?.labels ?? {}, annotations: namespace.metadata?.annotations ?? {} });
    }
    return { namespaces, pods: (await listAll(podCollection(api), STATUS_PAGE)).items };
  } catch (error) {
    throw new Error(`listing namespaces and pods: ${describeApiError(error)}`);
  }
}
