// Every pod of the cluster, as a stream for the fleet gauges: listed in pages,
// then watched from the list's resourceVersion; relisted after any watch
// error (410 Gone included). It keeps nothing itself: the sink decides what
// of each pod to hold, so memory is the sink's choice, not a full informer
// cache of every pod (about 14 KB each once injected).

import { CoreV1Api, Watch, type KubeConfig } from '@kubernetes/client-node';
import type { Pod } from '../model/kubernetes.js';
import { describeApiError } from './api-errors.js';
import type { ClusterLog } from './cluster.js';

export interface PodSink {
  /** The full set after a (re)list: whatever the sink held before is replaced. */
  replaceAll(pods: Pod[]): void;
  upsert(pod: Pod): void;
  remove(pod: Pod): void;
}

const PAGE = 500;

export function watchPods(kubeConfig: KubeConfig, sink: PodSink, log: ClusterLog, retryMs = 5000): { stop: () => void; synced: () => boolean } {
  const api = kubeConfig.makeApiClient(CoreV1Api);
  const watch = new Watch(kubeConfig);
  let stopped = false;
  let synced = false;
  let abort: AbortController | undefined;
  let timer: NodeJS.Timeout | undefined;

  const retry = (problem: string): void => {
    if (stopped || timer) return;
    log.warn(`pod watch: ${problem}; relisting in ${retryMs / 1000}s`);
    timer = setTimeout(() => {
      timer = undefined;
      void run();
    }, retryMs);
    timer.unref();
  };

  const run = async (): Promise<void> => {
    let resourceVersion: string | undefined;
    try {
      const pods: Pod[] = [];
      let next: string | undefined;
      do {
        const page = await api.listPodForAllNamespaces({ limit: PAGE, ...(next ? { _continue: next } : {}) });
        for (const pod of page.items) pods.push(JSON.parse(JSON.stringify(pod)) as Pod);
        next = page.metadata?._continue || undefined;
        resourceVersion = page.metadata?.resourceVersion;
      } while (next);
      sink.replaceAll(pods);
      if (!synced) log.info(`pod watch synced: ${pods.length} pods`);
      synced = true;
    } catch (error) {
      retry(`listing pods: ${describeApiError(error)}`);
      return;
    }
    if (stopped) return;
    try {
      abort = await watch.watch(
        '/api/v1/pods',
        { resourceVersion, allowWatchBookmarks: true },
        (phase, object: Pod) => {
          if (phase === 'ADDED' || phase === 'MODIFIED') sink.upsert(object);
          else if (phase === 'DELETED') sink.remove(object);
        },
        (error: unknown) => {
          abort = undefined;
          if (!stopped) retry(error ? `watch ended: ${describeApiError(error)}` : 'watch ended');
        },
      );
    } catch (error) {
      retry(`watching pods: ${describeApiError(error)}`);
    }
  };

  void run();
  return {
    synced: () => synced,
    stop: () => {
      stopped = true;
      clearTimeout(timer);
      abort?.abort();
    },
  };
}
