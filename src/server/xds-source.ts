// What the ADS server serves, kept from the cluster: the rendered documents of
// each pod whose proxy reads its config over xDS (their envoy-lds, -rds and
// -cds annotations, parsed once per change), the EndpointSlices of every
// Service, and the Services' ports (the webhook's own cache). A change is
// told to the streams it concerns — a pod's own annotations to its stream, a
// Service's slices or ports to the streams that route to it — after a short
// debounce, so a rollout's burst of slice updates is one push.

import { performance } from 'node:perf_hooks';
import type { TypeSnapshot } from '../envoy/ads-stream.js';
import { endpointSnapshot, serviceClusters, serviceKey, type ServiceCluster } from '../envoy/endpoint-snapshot.js';
import { XDS_TYPE_URLS } from '../envoy/xds.js';
import { SERVICE_NAME_LABEL } from '../envoy/endpoints.js';
import { podSnapshots } from '../envoy/pod-snapshots.js';
import type { ProxyPod } from '../envoy/proxy-identity.js';
import { parseStatus, statusConfigSource } from '../inject/status.js';
import { isPlainObject, type Pod } from '../model/kubernetes.js';
import type { ServiceLookup } from '../model/lookups.js';
import { ANNOTATION } from '../model/names.js';
import type { ObjectSink } from '../cluster/list-watch.js';
import type { XdsSource } from './xds-server.js';

/** What the pod and EndpointSlice watches feed (cluster/list-watch.ts; a type, no client loaded). */
export type Sink<T> = ObjectSink<T>;

interface ServedPod {
  uid: string;
  snapshots: Record<string, TypeSnapshot>;
  services: ServiceCluster[];
  /** Its EDS clusters' names, joined: pods with the same ones share their EDS snapshot. */
  endpointsKey: string;
}

/** A burst of changes within this long is one push (a rollout replaces slices endpoint by endpoint). */
const DEFAULT_DEBOUNCE_MS = 100;

const KEPT_ANNOTATIONS = [ANNOTATION.envoyLds, ANNOTATION.envoyRds, ANNOTATION.envoyCds];

function podKey(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/** A pod whose proxy reads xDS, as its (injector-written) status says. */
function readsXds(pod: Pod): boolean {
  const status = pod.metadata?.annotations?.[ANNOTATION.status];
  if (status === undefined) return false;
  const parsed = parseStatus(status);
  return parsed.ok && statusConfigSource(parsed.value) === 'xds';
}

/** What is kept of a slice: its Service, addresses, conditions, zones and ports — not its metadata's bulk. */
function trimSlice(slice: unknown): unknown {
  const identity = sliceIdentity(slice);
  if (identity === undefined || !isPlainObject(slice)) return undefined;
  const endpoints = (Array.isArray(slice.endpoints) ? slice.endpoints : []).map((endpoint: unknown) =>
    isPlainObject(endpoint) ? { addresses: endpoint.addresses, conditions: endpoint.conditions, zone: endpoint.zone } : {},
  );
  const { name, namespace, service } = identity;
  return { metadata: { name, namespace, labels: { [SERVICE_NAME_LABEL]: service } }, addressType: slice.addressType, ports: slice.ports, endpoints };
}

/** A slice's name and its Service: undefined for a slice of no Service. */
function sliceIdentity(slice: unknown): { key: string; name: string; namespace: string; service: string } | undefined {
  if (!isPlainObject(slice) || !isPlainObject(slice.metadata)) return undefined;
  const { name, namespace, labels } = slice.metadata;
  const service = isPlainObject(labels) ? labels[SERVICE_NAME_LABEL] : undefined;
  if (typeof name !== 'string' || typeof namespace !== 'string' || typeof service !== 'string') return undefined;
  return { key: serviceKey(namespace, service), name, namespace, service };
}

export class ClusterXdsSource implements XdsSource {
  private readonly pods = new Map<string, ServedPod>();
  /** Slices by Service, then by slice name. */
  private readonly slices = new Map<string, Map<string, unknown>>();
  /** Which served pods route to each Service. */
  private readonly routedBy = new Map<string, Set<string>>();
  private readonly watchers = new Map<string, Set<(since: number) => void>>();
  /** Pods with a change not yet told, and when their first one arrived. */
  private readonly pending = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  /** One copy of each document however many pods hold it (a workload's pods
   * hold the same ones), by type and version, with how many pods do. */
  private readonly interned = new Map<string, { snapshot: TypeSnapshot; pods: number }>();
  /** EDS snapshots by the clusters they cover, until the next slice or Service change. */
  private readonly endpoints = new Map<string, TypeSnapshot>();

  constructor(
    private readonly services: ServiceLookup,
    private readonly debounceMs = DEFAULT_DEBOUNCE_MS,
  ) {}

  snapshot(pod: ProxyPod, typeUrl: string): TypeSnapshot | undefined {
    const served = this.pods.get(podKey(pod.namespace, pod.name));
    // A pod recreated under the same name is another pod: the token names its uid.
    if (served === undefined || served.uid !== pod.uid) return undefined;
    if (typeUrl !== XDS_TYPE_URLS.EDS) return served.snapshots[typeUrl];
    const cached = this.endpoints.get(served.endpointsKey);
    if (cached !== undefined) return cached;
    const snapshot = endpointSnapshot(served.services, {
      slicesOf: (namespace, service) => [...(this.slices.get(serviceKey(namespace, service))?.values() ?? [])],
      services: this.services,
    });
    this.endpoints.set(served.endpointsKey, snapshot);
    return snapshot;
  }

  watch(pod: ProxyPod, changed: (since: number) => void): () => void {
    const key = podKey(pod.namespace, pod.name);
    const set = this.watchers.get(key) ?? new Set();
    set.add(changed);
    this.watchers.set(key, set);
    return () => {
      set.delete(changed);
      if (set.size === 0) this.watchers.delete(key);
    };
  }

  /** Proxies connected now. */
  connected(): number {
    let count = 0;
    for (const set of this.watchers.values()) count += set.size;
    return count;
  }

  /** The pod watch's sink: xds-mode pods only, their rendered documents only. */
  podSink(): Sink<Pod> {
    return {
      keep: (pod) => {
        if (!readsXds(pod)) return undefined;
        const annotations = pod.metadata?.annotations ?? {};
        const kept = Object.fromEntries(KEPT_ANNOTATIONS.filter((key) => annotations[key] !== undefined).map((key) => [key, annotations[key]]));
        return {
          metadata: { name: pod.metadata?.name, namespace: pod.metadata?.namespace, uid: pod.metadata?.uid, annotations: kept },
          spec: { containers: [] },
        } as Pod;
      },
      replaceAll: (pods) => {
        const before = [...this.pods.keys()];
        this.pods.clear();
        this.routedBy.clear();
        this.interned.clear();
        for (const pod of pods) this.store(pod);
        for (const key of new Set([...before, ...this.pods.keys()])) this.changed(key);
      },
      upsert: (pod) => {
        const name = pod.metadata?.name;
        const namespace = pod.metadata?.namespace;
        if (name === undefined || namespace === undefined) return;
        const kept = readsXds(pod) ? pod : undefined;
        this.forget(podKey(namespace, name));
        if (kept) this.store(kept);
        this.changed(podKey(namespace, name));
      },
      remove: (pod) => {
        const key = podKey(pod.metadata?.namespace ?? '', pod.metadata?.name ?? '');
        this.forget(key);
        this.changed(key);
      },
    };
  }

  /** The EndpointSlice watch's sink. */
  sliceSink(): Sink<unknown> {
    return {
      keep: trimSlice,
      replaceAll: (slices) => {
        const before = [...this.slices.keys()];
        this.slices.clear();
        this.endpoints.clear();
        for (const slice of slices) this.storeSlice(slice);
        for (const key of new Set([...before, ...this.slices.keys()])) this.serviceChanged(key);
      },
      upsert: (slice) => {
        const trimmed = trimSlice(slice);
        const identity = sliceIdentity(trimmed);
        if (identity === undefined) return;
        this.storeSlice(trimmed);
        this.serviceChanged(identity.key);
      },
      remove: (slice) => {
        const identity = sliceIdentity(slice);
        if (identity === undefined) return;
        const bySlice = this.slices.get(identity.key);
        bySlice?.delete(identity.name);
        if (bySlice?.size === 0) this.slices.delete(identity.key);
        this.serviceChanged(identity.key);
      },
    };
  }

  /** A Service's ports or slices may have changed (the webhook's Service cache, or the slice watch, saw it). */
  serviceChanged(key: string): void {
    this.endpoints.clear();
    for (const pod of this.routedBy.get(key) ?? []) this.changed(pod);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private store(pod: Pod): void {
    const name = pod.metadata?.name;
    const namespace = pod.metadata?.namespace;
    if (name === undefined || namespace === undefined) return;
    const key = podKey(namespace, name);
    // Parsed once per change of the pod, not per stream or per push.
    const snapshots = Object.fromEntries(Object.entries(podSnapshots(pod).snapshots).map(([type, snapshot]) => [type, this.intern(type, snapshot)]));
    const services = serviceClusters(snapshots[XDS_TYPE_URLS.CDS]);
    const uid = pod.metadata?.uid;
    this.pods.set(key, { uid: typeof uid === 'string' ? uid : '', snapshots, services, endpointsKey: services.map((s) => s.cluster).join(',') });
    for (const service of services) {
      const routed = serviceKey(service.namespace, service.service);
      const set = this.routedBy.get(routed) ?? new Set();
      set.add(key);
      this.routedBy.set(routed, set);
    }
  }

  private forget(key: string): void {
    const served = this.pods.get(key);
    if (served === undefined) return;
    this.pods.delete(key);
    for (const [type, snapshot] of Object.entries(served.snapshots)) this.release(type, snapshot);
    for (const service of served.services) {
      const routed = serviceKey(service.namespace, service.service);
      this.routedBy.get(routed)?.delete(key);
      if (this.routedBy.get(routed)?.size === 0) this.routedBy.delete(routed);
    }
  }

  private intern(type: string, snapshot: TypeSnapshot): TypeSnapshot {
    const key = `${type}\n${snapshot.version}`;
    const found = this.interned.get(key) ?? { snapshot, pods: 0 };
    found.pods++;
    this.interned.set(key, found);
    return found.snapshot;
  }

  private release(type: string, snapshot: TypeSnapshot): void {
    const key = `${type}\n${snapshot.version}`;
    const found = this.interned.get(key);
    if (found === undefined) return;
    found.pods--;
    if (found.pods <= 0) this.interned.delete(key);
  }

  private storeSlice(slice: unknown): void {
    const identity = sliceIdentity(slice);
    if (identity === undefined) return;
    const bySlice = this.slices.get(identity.key) ?? new Map<string, unknown>();
    bySlice.set(identity.name, slice);
    this.slices.set(identity.key, bySlice);
  }

  /** Only pods with a stream are told; the rest have nothing to push to. */
  private changed(pod: string): void {
    if (!this.watchers.has(pod)) return;
    if (!this.pending.has(pod)) this.pending.set(pod, performance.now());
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => this.flush(), this.debounceMs);
    this.timer.unref();
  }

  private flush(): void {
    this.timer = undefined;
    const due = [...this.pending];
    this.pending.clear();
    for (const [pod, since] of due) for (const changed of this.watchers.get(pod) ?? []) changed(since);
  }
}
