// Every object of one collection of the cluster (pods, EndpointSlices), as a
// stream: listed in pages, then watched from the list's resourceVersion;
// relisted after any watch error (410 Gone included). It keeps nothing
// itself: the sink decides what of each object to hold — applied per page
// while listing — so memory is the sink's choice, not a full informer cache
// (an injected pod is about 14 KB, an EndpointSlice of 100 endpoints 20 KB).

import { Watch, type KubeConfig } from '@kubernetes/client-node';
import { describeApiError } from './api-errors.js';
import type { ClusterLog } from './cluster.js';

export interface ObjectSink<T> {
  /** What the sink keeps of an object, or undefined to keep nothing: applied
   * page by page while listing. */
  keep(object: T): T | undefined;
  /** The full set after a (re)list, as kept: whatever the sink held before is replaced. */
  replaceAll(objects: T[]): void;
  upsert(object: T): void;
  remove(object: T): void;
}

export interface ListPage<T> {
  items: readonly T[];
  metadata?: { _continue?: string; resourceVersion?: string };
}

export interface Collection<T> {
  /** For logs: "pod", "EndpointSlice". */
  what: string;
  plural: string;
  /** The watch path, e.g. /api/v1/pods. */
  path: string;
  /** One page of the list. */
  list(limit: number, continueToken: string | undefined): Promise<ListPage<T>>;
}

export interface ListWatch {
  stop(): void;
  synced(): boolean;
  /** Lists again (the sink may now keep objects it dropped), then watches on;
   * false when it cannot now (listing or waiting to retry): ask again later. */
  relist(): boolean;
}

/** Objects a page in the webhook's process: a page is held whole, several
 * times over, while it is read (text, parsed JSON, client-node's models), and
 * pod annotations reach 256 KiB. Listing 300 pods of 200 KiB peaked at 147 MiB
 * RSS in pages of 20 (216 in pages of 50) with the Deployment's heap; 10,000
 * pods are 500 requests, once at start and at each relist. */
const WATCH_PAGE = 20;

/** Every object, in pages, and the resourceVersion to watch from. Throws the
 * client's error. `keep` maps each object as its page arrives (or drops it),
 * so a caller that keeps little of each never holds all of them whole. */
export async function listAll<T>(
  collection: Pick<Collection<T>, 'list'>,
  pageSize: number,
  keep: (object: T) => T | undefined = (object) => object,
): Promise<{ items: T[]; resourceVersion: string | undefined }> {
  const items: T[] = [];
  let next: string | undefined;
  let resourceVersion: string | undefined;
  do {
    const page = await collection.list(pageSize, next);
    // What is kept, as the API server wrote it: client-node's model classes
    // carry Dates and the core reads plain JSON. `keep` reads only fields the
    // models spell as JSON does, so a dropped object is never copied.
    for (const object of page.items) {
      const kept = keep(object);
      if (kept) items.push(JSON.parse(JSON.stringify(kept)) as T);
    }
    next = page.metadata?._continue || undefined;
    resourceVersion = page.metadata?.resourceVersion;
  } while (next);
  return { items, resourceVersion };
}

export function listWatch<T>(kubeConfig: KubeConfig, collection: Collection<T>, sink: ObjectSink<T>, log: ClusterLog, retryMs = 5000): ListWatch {
  const watch = new Watch(kubeConfig);
  let stopped = false;
  const isStopped = (): boolean => stopped;
  let synced = false;
  let abort: AbortController | undefined;
  let relisting = false;
  let timer: NodeJS.Timeout | undefined;

  const retry = (problem: string): void => {
    if (stopped || timer) return;
    log.warn(`${collection.what} watch: ${problem}; relisting in ${retryMs / 1000}s`);
    timer = setTimeout(() => {
      timer = undefined;
      void run();
    }, retryMs);
    timer.unref();
  };

  const run = async (): Promise<void> => {
    let resourceVersion: string | undefined;
    try {
      const listed = await listAll(collection, WATCH_PAGE, (object) => sink.keep(object));
      resourceVersion = listed.resourceVersion;
      sink.replaceAll(listed.items);
      if (!synced) log.info(`${collection.what} watch synced: ${listed.items.length} ${collection.plural}`);
      synced = true;
    } catch (error) {
      retry(`listing: ${describeApiError(error)}`);
      return;
    }
    if (stopped) return;
    try {
      abort = await watch.watch(
        collection.path,
        { resourceVersion, allowWatchBookmarks: true },
        (phase, object: T) => {
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
      retry(`watching: ${describeApiError(error)}`);
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
