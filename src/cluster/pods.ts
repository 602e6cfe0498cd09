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
    return { namespaces, pods: (await listAllPods(api, STATUS_PAGE)).pods };
  } catch (error) {
    throw new Error(`listing namespaces and pods: ${describeApiError(error)}`);
  }
}

/** Every pod, in pages, and the resourceVersion to watch from. Throws the
 * client's error. `keep` maps each pod as its page arrives (or drops it, with
 * undefined), so a caller that keeps little of each pod never holds all of
 * them whole. */
export async function listAllPods(
  api: CoreV1Api,
  pageSize: number,
  keep: (pod: Pod) => Pod | undefined = (pod) => pod,
): Promise<{ pods: Pod[]; resourceVersion: string | undefined }> {
  const pods: Pod[] = [];
  let next: string | undefined;
  let resourceVersion: string | undefined;
  do {
    const page = await api.listPodForAllNamespaces({ limit: pageSize, ...(next ? { _continue: next } : {}) });
    // What is kept, as the API server wrote it: client-node's model classes
    // carry Dates and the core reads plain JSON. `keep` reads only fields the
    // models spell as JSON does, so a dropped pod is never copied.
    for (const pod of page.items) {
      const kept = keep(pod as unknown as Pod);
      if (kept) pods.push(JSON.parse(JSON.stringify(kept)) as Pod);
    }
    next = page.metadata?._continue || undefined;
    resourceVersion = page.metadata?.resourceVersion;
  } while (next);
  return { pods, resourceVersion };
}
