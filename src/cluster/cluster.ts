// Namespaces and Services from the Kubernetes API, kept in informer caches so
// that no admission request ever waits on the API server.

import { CoreV1Api, KubeConfig, makeInformer, type Informer, type KubernetesObject, type V1Namespace, type V1Service } from '@kubernetes/client-node';
import { describeApiError } from './api-errors.js';
import type { NamespaceLookup, ServiceInfo, ServiceLookup } from '../model/lookups.js';

export interface ClusterCaches extends NamespaceLookup, ServiceLookup {
  synced(): boolean;
  /** One count of changes for both lookups. */
  generation(): number;
  /** Tells `changed` of every Service added, changed or deleted (its namespace and name); returns the unsubscribe. */
  onServiceChange(changed: (namespace: string, name: string) => void): () => void;
  stop(): Promise<void>;
}

export interface ClusterLog {
  info(message: string): void;
  warn(message: string): void;
}

const RETRY_MS = 5000;

// client-node's informer reports a failed list through its 'error' event and
// still resolves start(), and rejects start() when the watch cannot connect:
// both mean "not synced, try again later".
function keepRunning<T extends KubernetesObject>(
  informer: Informer<T>,
  what: string,
  log: ClusterLog,
  retryMs: number,
  onSynced: () => void,
): { stop: () => Promise<void> } {
  let stopped = false;
  let failedThisRound = false;
  let timer: NodeJS.Timeout | undefined;
  const retry = (problem: string): void => {
    if (stopped || timer) return;
    log.warn(`${what} cache: ${problem}; retrying in ${retryMs / 1000}s`);
    timer = setTimeout(() => {
      timer = undefined;
      start();
    }, retryMs);
    timer.unref();
  };
  const start = (): void => {
    failedThisRound = false;
    informer.start().then(
      () => {
        if (!failedThisRound && !stopped) onSynced();
      },
      (error: unknown) => retry(`cannot reach the API server (${describeApiError(error)})`),
    );
  };
  informer.on('error', (error: unknown) => {
    failedThisRound = true;
    retry(`list or watch failed (${describeApiError(error)})`);
  });
  start();
  return {
    stop: async () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      await informer.stop();
    },
  };
}

/** In-cluster service account, else KUBECONFIG, else ~/.kube/config. */
export function defaultKubeConfig(): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromDefault();
  return kubeConfig;
}

export function startClusterCaches(kubeConfig: KubeConfig, log: ClusterLog, retryMs = RETRY_MS): ClusterCaches {
  const api = kubeConfig.makeApiClient(CoreV1Api);
  const namespaces = makeInformer<V1Namespace>(kubeConfig, '/api/v1/namespaces', () => api.listNamespace());
  const services = makeInformer<V1Service>(kubeConfig, '/api/v1/services', () => api.listServiceForAllNamespaces());
  const synced = { namespaces: false, services: false };
  // Every change a lookup could see, counted: answers computed from the
  // caches are reused only while these stay the same (admission/answer.ts).
  // One count serves both lookups, which are this one object.
  let changes = 0;
  namespaces.on('change', () => changes++);
  const serviceListeners = new Set<(namespace: string, name: string) => void>();
  services.on('change', (service: V1Service) => {
    changes++;
    const { namespace, name } = service.metadata ?? {};
    if (namespace !== undefined && name !== undefined) for (const listener of serviceListeners) listener(namespace, name);
  });
  const runs = [
    keepRunning(namespaces, 'namespace', log, retryMs, () => {
      if (!synced.namespaces) log.info('namespace cache synced');
      synced.namespaces = true;
      changes++;
    }),
    keepRunning(services, 'service', log, retryMs, () => {
      if (!synced.services) log.info('service cache synced');
      synced.services = true;
      changes++;
    }),
  ];
  return {
    synced: () => synced.namespaces && synced.services,
    generation: () => changes,
    onServiceChange: (changed) => {
      serviceListeners.add(changed);
      return () => serviceListeners.delete(changed);
    },
    namespace(name: string) {
      if (!synced.namespaces) return undefined;
      const found = namespaces.get(name);
      return found ? { labels: found.metadata?.labels ?? {}, annotations: found.metadata?.annotations ?? {} } : undefined;
    },
    service(namespace: string, name: string): ServiceInfo | undefined {
      if (!synced.services) return undefined;
      const found = services.get(name, namespace);
      return found
        ? {
            ports: (found.spec?.ports ?? []).map((p) => ({
              port: p.port,
              ...(p.name ? { name: p.name } : {}),
              ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}),
            })),
          }
        : undefined;
    },
    stop: async () => {
      await Promise.all(runs.map((run) => run.stop()));
    },
  };
}
