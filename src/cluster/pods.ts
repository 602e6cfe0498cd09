// One read-only snapshot of the cluster's namespaces and pods, for `status`.
// Listed in pages so that a large cluster is never held twice in memory as
// one response and its parsed copy.

import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { Pod } from '../model/kubernetes.js';
import type { NamespaceMetadata } from '../model/lookups.js';
import { describeApiError } from './api-errors.js';

export interface ClusterSnapshot {
  namespaces: Map<string, NamespaceMetadata>;
  pods: Pod[];
}

const PAGE = 500;

export async function listNamespacesAndPods(kubeConfig: KubeConfig): Promise<ClusterSnapshot> {
  const api = kubeConfig.makeApiClient(CoreV1Api);
  const namespaces = new Map<string, NamespaceMetadata>();
  try {
    for (const namespace of (await api.listNamespace()).items) {
      const name = namespace.metadata?.name;
      if (name) namespaces.set(name, { labels: namespace.metadata?.labels ?? {}, annotations: namespace.metadata?.annotations ?? {} });
    }
    return { namespaces, pods: (await listAllPods(api)).pods };
  } catch (error) {
    throw new Error(`listing namespaces and pods: ${describeApiError(error)}`);
  }
}

/** Every pod, in pages, and the resourceVersion to watch from. Throws the
 * client's error. `keep` maps each pod as its page arrives, so a caller that
 * keeps little of each pod never holds all of them whole. */
export async function listAllPods(api: CoreV1Api, keep: (pod: Pod) => Pod = (pod) => pod): Promise<{ pods: Pod[]; resourceVersion: string | undefined }> {
  const pods: Pod[] = [];
  let next: string | undefined;
  let resourceVersion: string | undefined;
  do {
    const page = await api.listPodForAllNamespaces({ limit: PAGE, ...(next ? { _continue: next } : {}) });
    // As the API server wrote them: client-node's model classes carry Dates
    // and the core reads plain JSON.
    for (const pod of page.items) pods.push(keep(JSON.parse(JSON.stringify(pod)) as Pod));
    next = page.metadata?._continue || undefined;
    resourceVersion = page.metadata?.resourceVersion;
  } while (next);
  return { pods, resourceVersion };
}
