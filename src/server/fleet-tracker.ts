// The fleet gauges' state: for each pod of the cluster, its trimmed self and
// its finding (missing the proxy, stale, up to date, not ours), counted by
// namespace when /metrics is scraped. Pod events classify one pod; every
// refresh interval all are classified again in small batches, since a
// namespace's enrolment or the injector's config can change under them.

import type { InjectorConfig } from '../config/config.js';
import { classifyPod, trimForFleet, type PodFinding } from '../inject/fleet.js';
import type { Pod } from '../model/kubernetes.js';
import type { NamespaceLookup } from '../model/lookups.js';
import type { WebhookMetrics } from './metrics.js';

export interface FleetCounts {
  missing: number;
  stale: number;
}

const BATCH = 200;

export class FleetTracker {
  private readonly pods = new Map<string, { pod: Pod; finding: PodFinding['kind'] }>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly namespaces: NamespaceLookup,
    private readonly config: InjectorConfig,
  ) {}

  keep(pod: Pod): Pod {
    return trimForFleet(pod);
  }

  /** Pods as `keep` returned them, while listing. */
  replaceAll(kept: Pod[]): void {
    this.pods.clear();
    for (const pod of kept) this.store(pod);
  }

  upsert(pod: Pod): void {
    this.store(trimForFleet(pod));
  }

  remove(pod: Pod): void {
    this.pods.delete(keyOf(pod));
  }

  /** Pods missing the proxy and with a stale proxy, by namespace. */
  counts(): Map<string, FleetCounts> {
    const counts = new Map<string, FleetCounts>();
    for (const { pod, finding } of this.pods.values()) {
      if (finding !== 'missing' && finding !== 'stale') continue;
      const namespace = pod.metadata?.namespace ?? '';
      const entry = counts.get(namespace) ?? { missing: 0, stale: 0 };
      entry[finding] += 1;
      counts.set(namespace, entry);
    }
    return counts;
  }

  /** Classifies every pod again, BATCH at a time, yielding between batches
   * so that admission reviews never wait behind thousands of pods. */
  async refresh(): Promise<void> {
    const keys = [...this.pods.keys()];
    for (let start = 0; start < keys.length; start += BATCH) {
      for (const key of keys.slice(start, start + BATCH)) {
        const entry = this.pods.get(key);
        if (entry) entry.finding = this.classify(entry.pod);
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  refreshEvery(intervalMs: number): void {
    const next = (): void => {
      this.timer = setTimeout(() => void this.refresh().finally(next), intervalMs);
      this.timer.unref();
    };
    next();
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  private store(trimmed: Pod): void {
    this.pods.set(keyOf(trimmed), { pod: trimmed, finding: this.classify(trimmed) });
  }

  private classify(pod: Pod): PodFinding['kind'] {
    // Unknown means the namespace cache has not synced yet (a running pod's
    // namespace exists): not counted until the next refresh, rather than
    // counted as enrolled the way the webhook must treat it.
    const namespace = this.namespaces.namespace(pod.metadata?.namespace ?? '');
    return namespace === undefined ? 'not-ours' : classifyPod(pod, namespace, this.config).kind;
  }
}

const keyOf = (pod: Pod): string => `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;

export interface FleetGaugeOptions {
  /** Namespaces as the webhook knows them, and whether that cache is synced. */
  namespaces: NamespaceLookup & { synced(): boolean };
  /** Starts feeding every pod of the cluster to the sink (cluster/pod-watch.ts). */
  watch: (sink: FleetTracker) => { stop: () => void; synced: () => boolean };
  config: InjectorConfig;
  metrics: WebhookMetrics;
  refreshMs: number;
}

/** The gauges envoy_injector_pods_{missing,stale}_proxy{namespace}, kept by a
 * pod watch; absent until the watch and the namespace cache have synced. */
export function startFleetGauges(options: FleetGaugeOptions): { tracker: FleetTracker; stop: () => void } {
  const tracker = new FleetTracker(options.namespaces, options.config);
  const watch = options.watch(tracker);
  tracker.refreshEvery(options.refreshMs);
  options.metrics.trackFleet(() => (options.namespaces.synced() && watch.synced() ? tracker.counts() : undefined));
  return {
    tracker,
    stop: () => {
      watch.stop();
      tracker.stop();
    },
  };
}
