// Every pod of the cluster, as a stream for the fleet gauges: listed in pages,
// then watched from the list's resourceVersion; relisted after any watch
// error (410 Gone included). It keeps nothing itself: the sink decides what
// of each pod to hold — applied per page while listing — so memory is the
// sink's choice, not a full informer cache of every pod (about 14 KB each
// once injected).

import { CoreV1Api, Watch, type KubeConfig } from '@kubernetes/client-node';
import type { Pod } from '../model/kubernetes.js';
import { describeApiError } from './api-errors.js';
import type { ClusterLog } from './cluster.js';
import { listAllPods } from './pods.js';

export interface PodSink {
  /** What the sink keeps of a pod: applied page by page while listing. */
  keep(pod: Pod): Pod;
  /** The full set after a (re)list, as kept: whatever the sink held before is replaced. */
  replaceAll(pods: Pod[]): void;
  upsert(pod: Pod): void;
  remove(pod: Pod): void;
}

export function watchPods(kubeConfig: KubeConfig, sink: PodSink, log: ClusterLog, retryMs = 5000): { stop: () => void; synced: () => boolean } {
  const api = kubeConfig.makeApiClient(CoreV1Api);
  const watch = new Watch(kubeConfig);
  let stopped = false;
  const isStopped = (): boolean => stopped;
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
      const listed = await listAllPods(api, (pod) => sink.keep(pod));
      const pods = listed.pods;
      resourceVersion = listed.resourceVersion;
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
      // Stopped while the watch was connecting: nothing else would end it,
      // and an open watch keeps the process from exiting on SIGTERM.
      // (Read through a call: the type checker cannot see stop() run during the await.)
      if (isStopped()) abort.abort();
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
