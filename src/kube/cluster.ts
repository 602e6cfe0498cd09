// Namespaces and Services from the Kubernetes API, kept in informer caches so
// that no admission request ever waits on the API server.

import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig, makeInformer, type Informer, type KubernetesObject, type V1Namespace, type V1Service } from '@kubernetes/client-node';
import type { NamespaceLookup } from '../admission/review.js';
import type { ServiceInfo, ServiceLookup } from '../envoy/services.js';

export interface ClusterCaches extends NamespaceLookup, ServiceLookup {
  synced(): boolean;
  stop(): Promise<void>;
}

export interface ClusterLog {
  info(message: string): void;
  warn(message: string): void;
}

/** A cluster is configured when running in one, or when a kubeconfig exists. */
export function clusterConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.KUBERNETES_SERVICE_HOST) || Boolean(env.KUBECONFIG) || existsSync(join(homedir(), '.kube', 'config'));
}

const RETRY_MS = 5000;

function keepRunning<T extends KubernetesObject>(informer: Informer<T>, what: string, log: ClusterLog, onSynced: () => void): { stop: () => Promise<void> } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const start = (): void => {
    informer.start().then(onSynced, (error: Error) => {
      log.warn(`${what} cache: cannot list from the API server (${error.message}); retrying in ${RETRY_MS / 1000}s`);
    });
  };
  informer.on('error', (error: unknown) => {
    if (stopped) return;
    log.warn(`${what} cache: watch failed (${(error as Error)?.message ?? String(error)}); restarting in ${RETRY_MS / 1000}s`);
    timer = setTimeout(start, RETRY_MS);
    timer.unref();
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

export function startClusterCaches(log: ClusterLog): ClusterCaches {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromDefault();
  const api = kubeConfig.makeApiClient(CoreV1Api);
  const namespaces = makeInformer<V1Namespace>(kubeConfig, '/api/v1/namespaces', () => api.listNamespace());
  const services = makeInformer<V1Service>(kubeConfig, '/api/v1/services', () => api.listServiceForAllNamespaces());
  const synced = { namespaces: false, services: false };
  const runs = [
    keepRunning(namespaces, 'namespace', log, () => { synced.namespaces = true; log.info('namespace cache synced'); }),
    keepRunning(services, 'service', log, () => { synced.services = true; log.info('service cache synced'); }),
  ];
  return {
    synced: () => synced.namespaces && synced.services,
    namespace(name: string) {
      if (!synced.namespaces) return undefined;
      const found = namespaces.get(name);
      return found ? { labels: found.metadata?.labels ?? {}, annotations: found.metadata?.annotations ?? {} } : undefined;
    },
    service(namespace: string, name: string): ServiceInfo | undefined {
      if (!synced.services) return undefined;
      const found = services.get(name, namespace);
      return found ? { ports: (found.spec?.ports ?? []).map((p) => p.port) } : undefined;
    },
    stop: async () => {
      await Promise.all(runs.map((run) => run.stop()));
    },
  };
}
