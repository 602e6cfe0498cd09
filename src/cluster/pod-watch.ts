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
  /** What the sink keeps of a pod, or undefined to keep nothing: applied
   * page by page while listing. */
  keep(pod: Pod): Pod | undefined;
  /** The full set after a (re)list, as kept: whatever the sink held before is replaced. */
  replaceAll(pods: Pod[]): void;
  upsert(pod: Pod): void;
  remove(pod: Pod): void;
}

/** Pods a page in the webhook's process: a page is held whole, several times
 * over, while it is read (text, parsed JSON, client-node's models), and pod
 * annotations reach 256 KiB. Listing 300 pods of 200 KiB peaked at 147 MiB
 * RSS in pages of 20 (216 in pages of 50) with the Deployment's heap; 10,000
 * pods are 500 requests, once at start and at each relist. */
const WATCH_PAGE = 20;

export interface PodWatch {
  stop(): void;
  synced(): boolean;
  /** Lists again (the sink may now keep pods it dropped), then watches on;
   * false when it cannot now (listing or waiting to retry): ask again later. */
  relist(): boolean;
}

export function watchPods(kubeConfig: KubeConfig, sink: PodSink, log: ClusterLog, retryMs = 5000): PodWatch {
  const api = kubeConfig.makeApiClient(CoreV1Api);
  const watch = new Watch(kubeConfig);
  let stopped = false;
  const isStopped = (): boolean => stopped;
  let synced = false;
  let abort: AbortController | undefined;
  let relisting = false;
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
      const listed = await listAllPods(api, WATCH_PAGE, (pod) => sink.keep(pod));
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
          if (stopped) return;
          if (relisting) {
            relisting = false;
            void run();
          } else retry(error ? `watch ended: ${describeApiError(error)}` : 'watch ended');
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
    relist: () => {
      // Ending the watch lists again at once (its done callback).
      if (stopped || !abort) return false;
      relisting = true;
      abort.abort();
      return true;
    },
    stop: () => {
      stopped = true;
      clearTimeout(timer);
      abort?.abort();
    },
  };
}
