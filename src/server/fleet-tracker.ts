// The fleet gauges' state: for each pod of the cluster, its trimmed self and
// its finding (missing the proxy, stale, up to date, not ours), counted by
// namespace when /metrics is scraped. Pod events classify one pod; every
// refresh interval all are classified again in small batches, since a
// namespace's enrolment or the injector's config can change under them.

import type { InjectorConfig } from '../config/config.js';
import { classifyPod, trimForFleet, type PodFinding } from '../inject/fleet.js';
import type { Pod } from '../model/kubernetes.js';
import { ANNOTATION, LABEL_INJECT } from '../model/names.js';
import type { NamespaceLookup } from '../model/lookups.js';
import type { WebhookMetrics } from './metrics.js';

export interface FleetCounts {
  missing: number;
  stale: number;
  uncaptured: number;
}

const BATCH = 200;

export class FleetTracker {
  private readonly pods = new Map<string, { pod: Pod; finding: PodFinding['kind'] }>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly namespaces: NamespaceLookup,
    private readonly config: InjectorConfig,
  ) {}

  /** Namespaces some pod was dropped from: when one of them is enrolled
   * later, its pods are listed again. */
  private readonly dropped = new Set<string>();
  /** Set by startFleetGauges: lists every pod again; false when it could not yet. */
  relist: () => boolean = () => false;

  /** Nothing of pods the injector has no say over (a namespace known and not
   * enrolled, the pod not opted in and not injected): someone else's
   * namespace costs no memory here, however large its pods. */
  keep(pod: Pod): Pod | undefined {
    if (this.relevant(pod)) return trimForFleet(pod);
    this.dropped.add(pod.metadata?.namespace ?? '');
    return undefined;
  }

  /** Pods as `keep` returned them, while listing. */
  replaceAll(kept: Pod[]): void {
    this.pods.clear();
    for (const pod of kept) this.store(pod);
  }

  upsert(pod: Pod): void {
    const kept = this.keep(pod);
    if (kept) this.store(kept);
    else this.remove(pod);
  }

  remove(pod: Pod): void {
    this.pods.delete(keyOf(pod));
  }

  /** Pods missing the proxy, with a stale proxy, and waiting for capture, by namespace. */
  counts(): Map<string, FleetCounts> {
    const counts = new Map<string, FleetCounts>();
    for (const { pod, finding } of this.pods.values()) {
      if (finding !== 'missing' && finding !== 'stale' && finding !== 'uncaptured') continue;
      const namespace = pod.metadata?.namespace ?? '';
      const entry = counts.get(namespace) ?? { missing: 0, stale: 0, uncaptured: 0 };
      entry[finding] += 1;
      counts.set(namespace, entry);
    }
    return counts;
  }

  /** Classifies every pod again, BATCH at a time, yielding between batches
   * so that admission reviews never wait behind thousands of pods. */
  async refresh(): Promise<void> {
    const enrolledSince = [...this.dropped].filter((name) => this.enrolled(name) !== false);
    // Forgotten only once a relist is under way; otherwise the next refresh asks again.
    if (enrolledSince.length > 0 && this.relist()) for (const name of enrolledSince) this.dropped.delete(name);
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

  /** False when the namespace is known and not enrolled; undefined when unknown. */
  private enrolled(name: string): boolean | undefined {
    const namespace = this.namespaces.namespace(name);
    return namespace === undefined ? undefined : namespace.labels[LABEL_INJECT] === 'enabled';
  }

  private relevant(pod: Pod): boolean {
    if (this.enrolled(pod.metadata?.namespace ?? '') !== false) return true;
    return pod.metadata?.labels?.[LABEL_INJECT] === 'true' || pod.metadata?.annotations?.[ANNOTATION.status] !== undefined;
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
  watch: (sink: FleetTracker) => { stop: () => void; synced: () => boolean; relist?: () => boolean };
  config: InjectorConfig;
  metrics: WebhookMetrics;
  refreshMs: number;
}

/** The gauges envoy_injector_pods_{missing,stale}_proxy{namespace}, kept by a
 * pod watch; absent until the watch and the namespace cache have synced. */
export function startFleetGauges(options: FleetGaugeOptions): { tracker: FleetTracker; stop: () => void } {
  const tracker = new FleetTracker(options.namespaces, options.config);
  const watch = options.watch(tracker);
  if (watch.relist) tracker.relist = watch.relist;
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
