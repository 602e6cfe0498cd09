// Each injector replica's connected proxies, read as `kubectl get --raw` would:
// GET /proxy-status on its webhook port through the API server's pod proxy
// (needs `get pods/proxy` in the injector's namespace), for `status`.

import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { ProxySync } from '../model/proxy-sync.js';
import { isPlainObject } from '../model/kubernetes.js';
import { apiStatus, describeApiError } from './api-errors.js';

export interface ReplicaReports {
  reports: Array<{ replica: string; proxies: ProxySync[] }>;
  /** Replicas that could not be read, each with why. */
  problems: string[];
}

const SELECTOR = 'app.kubernetes.io/name=envoy-injector';

function isProxySync(value: unknown): value is ProxySync {
  return isPlainObject(value) && typeof value.pod === 'string' && Array.isArray(value.types) && value.types.every(isPlainObject);
}

export async function readReplicaReports(kubeConfig: KubeConfig, namespace: string, port: number): Promise<ReplicaReports> {
  const api = kubeConfig.makeApiClient(CoreV1Api);
  let replicas: string[];
  try {
    const listed = await api.listNamespacedPod({ namespace, labelSelector: SELECTOR });
    replicas = listed.items.filter((pod) => pod.status?.phase === 'Running').map((pod) => pod.metadata?.name ?? '');
  } catch (error) {
    return { reports: [], problems: [`cannot list the injector's pods in ${namespace}: ${describeApiError(error)}`] };
  }
  const result: ReplicaReports = { reports: [], problems: [] };
  await Promise.all(
    replicas.map(async (replica) => {
      try {
        const text = await api.connectGetNamespacedPodProxyWithPath({ name: `https:${replica}:${port}`, namespace, path: 'proxy-status' });
        const body: unknown = typeof text === 'string' ? JSON.parse(text) : text;
        const proxies = isPlainObject(body) && Array.isArray(body.proxies) ? body.proxies.filter(isProxySync) : undefined;
        if (proxies === undefined) result.problems.push(`replica ${replica}: /proxy-status is not a list of proxies`);
        else result.reports.push({ replica, proxies });
      } catch (error) {
        // 404: a replica started without --xds-port serves no proxies.
        if (apiStatus(error) !== 404) result.problems.push(`replica ${replica}: cannot read /proxy-status: ${describeApiError(error)}`);
      }
    }),
  );
  result.reports.sort((a, b) => a.replica.localeCompare(b.replica));
  return result;
}
