// The data plane as a whole: which running pods should have the proxy and do
// not (their review never reached the webhook), and which carry a proxy the
// injector would no longer inject as it is. Pure: the cluster adapter lists
// the pods and namespaces, this decides with the same code as the webhook.

import type { InjectorConfig } from '../config/config.js';
import { isPlainObject, type Container, type NamespaceContext, type Pod } from '../model/kubernetes.js';
import type { NamespaceMetadata } from '../model/lookups.js';
import { ANNOTATION, DOMAIN, INJECTOR_ANNOTATIONS, INJECTOR_VERSION, VALIDATE_CONTAINER } from '../model/names.js';
import { MAX_ROUTES_ANNOTATION_BYTES } from '../routes/parse.js';
import { MAX_SETTING_ANNOTATION_BYTES } from './limits.js';
import { OTHER_MESH_ANNOTATIONS } from './other-mesh.js';
import { evaluatePod } from './evaluate.js';
import { formatReason } from './reasons.js';
import { parseStatus, statusCaptureMode, statusConfigSource, verifiedStatus, type InjectionStatus } from './status.js';
import { workloadName } from './workload.js';

/** The pods sharing an owner and a finding: one line of the report. */
export interface PodGroup {
  namespace: string;
  /** The workload (Deployment, StatefulSet, …) or the pod itself. */
  owner: string;
  pods: string[];
  reason: string;
}

export interface FleetStatus {
  /** Running or pending pods looked at. */
  checked: number;
  upToDate: number;
  missing: PodGroup[];
  stale: PodGroup[];
  /** cni mode, started where the node's plugin did not install the rules: envoy-validate fails, the app waits. */
  uncaptured: PodGroup[];
}

export function fleetStatus(pods: readonly Pod[], namespaces: ReadonlyMap<string, NamespaceMetadata>, config: InjectorConfig): FleetStatus {
  const groups = { missing: new Groups(), stale: new Groups(), uncaptured: new Groups() };
  let checked = 0;
  let upToDate = 0;
  for (const pod of pods) {
    const finding = classifyPod(pod, namespaces.get(pod.metadata?.namespace ?? ''), config);
    if (finding.kind === 'finished') continue;
    checked += 1;
    if (finding.kind === 'up-to-date') upToDate += 1;
    else if (finding.kind !== 'not-ours') groups[finding.kind].add(pod, finding.reason);
  }
  return { checked, upToDate, missing: groups.missing.list(), stale: groups.stale.list(), uncaptured: groups.uncaptured.list() };
}

export type PodFinding =
  | { kind: 'missing' | 'stale' | 'uncaptured'; reason: string }
  | { kind: 'up-to-date' }
  /** Neither injected nor meant to be. */
  | { kind: 'not-ours' }
  /** Succeeded or Failed: its proxy no longer matters. */
  | { kind: 'finished' };

/** One pod's place in the fleet, decided as the webhook decides. */
export function classifyPod(pod: Pod, namespaceMetadata: NamespaceMetadata | undefined, config: InjectorConfig): PodFinding {
  const phase = isPlainObject(pod.status) ? pod.status.phase : undefined;
  if (phase === 'Succeeded' || phase === 'Failed') return { kind: 'finished' };
  const name = pod.metadata?.namespace ?? '';
  const namespace: NamespaceContext = namespaceMetadata ? { name, metadata: namespaceMetadata } : { name };
  if (pod.metadata?.annotations?.[ANNOTATION.status] === undefined) {
    const why = whyMissing(pod, namespace, config);
    return why === undefined ? { kind: 'not-ours' } : { kind: 'missing', reason: why };
  }
  // A pod that claims the proxy and does not run it is missing it, as the
  // webhook would refuse to take such a status on trust.
  const annotations = pod.metadata.annotations;
  const status = verifiedStatus(pod, annotations[ANNOTATION.status] ?? '');
  if (!status.ok) return { kind: 'missing', reason: `its ${ANNOTATION.status} ${status.problems.join('; ')}` };
  const uncaptured = statusCaptureMode(status.value) === 'cni' ? whyUncaptured(pod) : undefined;
  if (uncaptured !== undefined) return { kind: 'uncaptured', reason: uncaptured };
  const why = whyStale(withoutInjection(pod, annotations, status.value), status.value, namespace, config);
  return why === undefined ? { kind: 'up-to-date' } : { kind: 'stale', reason: why };
}

/** A cni-mode pod whose envoy-validate has failed: the node's plugin did not
 * install its rules (it started before the plugin reached the node, or the
 * plugin failed). kubelet keeps retrying it; the app waits. */
function whyUncaptured(pod: Pod): string | undefined {
  const statuses = isPlainObject(pod.status) && Array.isArray(pod.status.initContainerStatuses) ? pod.status.initContainerStatuses : [];
  const validate = statuses.find((s) => isPlainObject(s) && s.name === VALIDATE_CONTAINER) as Record<string, unknown> | undefined;
  if (validate === undefined || validate.ready === true) return undefined;
  const exitCode = (state: unknown): unknown => (isPlainObject(state) && isPlainObject(state.terminated) ? state.terminated.exitCode : undefined);
  const failed = [exitCode(validate.state), exitCode(validate.lastState)].some((code) => typeof code === 'number' && code !== 0);
  if (!failed) return undefined;
  const node = typeof pod.spec.nodeName === 'string' ? ` on node ${pod.spec.nodeName}` : '';
  return `its ${VALIDATE_CONTAINER} init container fails: the envoy-injector CNI plugin did not install its capture rules${node}; with envoy-injector-cni ready there, delete the pod`;
}

/** The part of a pod its classification reads, for a watcher that keeps
 * thousands: without the rendered Envoy config (most of an injected pod's
 * bytes), with only the annotations the injector reads (its own and other
 * meshes'), each cut to one byte past its limit (over it, the verdict is the
 * same), at most MAX_KEPT_ANNOTATIONS of them, and the containers cut to what
 * the injector checks. A pod costs at most ~100 KiB here, a typical one ~1. */
export function trimForFleet(pod: Pod): Pod {
  const container = ({ name, ports, securityContext, restartPolicy }: Container): Container => ({
    name,
    ...(ports === undefined ? {} : { ports }),
    ...(securityContext === undefined ? {} : { securityContext }),
    ...(restartPolicy === undefined ? {} : { restartPolicy }),
  });
  const { containers, initContainers, volumes } = pod.spec;
  return {
    metadata: {
      ...pick(pod.metadata ?? {}, ['name', 'generateName', 'namespace', 'labels', 'ownerReferences']),
      annotations: classifiedAnnotations(pod.metadata?.annotations ?? {}),
    },
    spec: {
      // The pod-level fields are few and small (grace period, security context, host network).
      ...pod.spec,
      containers: containers.map(container),
      ...(initContainers === undefined ? {} : { initContainers: initContainers.map(container) }),
      ...(volumes === undefined ? {} : { volumes: volumes.map(({ name }) => ({ name })) }),
    },
    ...(isPlainObject(pod.status) ? { status: { phase: pod.status.phase, ...validateStatus(pod.status) } } : {}),
  };
}

/** Of the init containers' statuses, envoy-validate's alone (cni mode): what whyUncaptured reads. */
function validateStatus(status: Record<string, unknown>): { initContainerStatuses?: unknown[] } {
  const found: unknown = Array.isArray(status.initContainerStatuses)
    ? (status.initContainerStatuses as unknown[]).find((s) => isPlainObject(s) && s.name === VALIDATE_CONTAINER)
    : undefined;
  if (!isPlainObject(found)) return {};
  const { name, ready, state, lastState } = found;
  return { initContainerStatuses: [{ name, ready, state, lastState }] };
}

/** More of our keys than any valid pod has (unknown ones are refused anyway). */
const MAX_KEPT_ANNOTATIONS = 40;
const RENDERED = new Set<string>([ANNOTATION.envoyBootstrap, ANNOTATION.envoyLds, ANNOTATION.envoyRds, ANNOTATION.envoyCds]);

function classifiedAnnotations(annotations: Readonly<Record<string, string>>): Record<string, string> {
  const kept: Record<string, string> = {};
  let count = 0;
  for (const [key, value] of Object.entries(annotations)) {
    const ours = key.startsWith(`${DOMAIN}/`) && !RENDERED.has(key);
    if (!ours && !OTHER_MESH_ANNOTATIONS.includes(key)) continue;
    if (++count > MAX_KEPT_ANNOTATIONS && key !== ANNOTATION.status) continue;
    const limit = key === ANNOTATION.routes ? MAX_ROUTES_ANNOTATION_BYTES : MAX_SETTING_ANNOTATION_BYTES;
    kept[key] = value.length > limit ? value.slice(0, limit + 1) : value;
  }
  return kept;
}

function pick<T extends object, K extends keyof T>(object: T, keys: readonly K[]): Pick<T, K> {
  return Object.fromEntries(keys.filter((key) => object[key] !== undefined).map((key) => [key, object[key]])) as Pick<T, K>;
}

/** Why a pod without the proxy should have it, if it should. */
function whyMissing(pod: Pod, namespace: NamespaceContext, config: InjectorConfig): string | undefined {
  const outcome = evaluatePod({ pod, namespace, config });
  if (outcome.kind === 'skipped') return undefined;
  return outcome.kind === 'injected'
    ? `never reviewed by the webhook: created while it was unreachable (fail-open), or before namespace ${namespace.name} was enrolled; restart the workload`
    : `the webhook would refuse it today: ${outcome.problems.join('; ')}`;
}

/** Stale: injected by another injector version, or the injector would now add
 * other containers or volume (config, proxy image, template changed).
 * `submitted` is the pod as it was before injection. */
function whyStale(submitted: Pod, status: InjectionStatus, namespace: NamespaceContext, config: InjectorConfig): string | undefined {
  if (status.version === 1) return 'injected before versions were recorded (status version 1)';
  const today = evaluatePod({ pod: submitted, namespace, config: statusConfigSource(status) === 'xds' ? servingXds(config) : config });
  // A proxy the injector would not put there today is as stale as an old one.
  if (today.kind === 'skipped') return `the injector would not inject it today: ${today.reasons.map(formatReason).join('; ')}`;
  if (today.kind === 'rejected') return `the injector would refuse it today: ${today.problems.join('; ')}`;
  // Stryker disable next-line OptionalChaining: equivalent, an injected pod always has the status annotation
  const now = parseStatus(today.pod.metadata?.annotations?.[ANNOTATION.status] ?? '');
  // Always version 2 when this injector wrote it; anything else is a bug, not a finding.
  // Stryker disable next-line ConditionalExpression,LogicalOperator: equivalent, this injector only writes valid version 2
  if (!now.ok || now.value.version !== 2) return undefined;
  const was = status;
  if (was.injectorVersion !== INJECTOR_VERSION) return `injected by envoy-injector ${was.injectorVersion}, now ${INJECTOR_VERSION}`;
  if (was.proxyImage !== now.value.proxyImage) return `runs ${was.proxyImage}, the injector now injects ${now.value.proxyImage}`;
  if (was.templateHash !== now.value.templateHash) return 'the injector now injects other containers or volume (its config changed)';
  return undefined;
}

/** A checker that does not know the ADS server's CA (`status` on an
 * operator's machine) judges an xds-mode pod as the serving injector would:
 * the CA is in the bootstrap (the config hash), not in the template. One
 * stand-in config per config, so the injector's caches keep working. */
const AS_IF_SERVING_XDS = new WeakMap<InjectorConfig, InjectorConfig>();
const UNKNOWN_CA = '-----BEGIN CERTIFICATE-----\n(the ADS server CA, not known to this checker)\n-----END CERTIFICATE-----\n';

function servingXds(config: InjectorConfig): InjectorConfig {
  if (config.xds.caBundle !== '') return config;
  let found = AS_IF_SERVING_XDS.get(config);
  if (found === undefined) {
    found = { ...config, xds: { ...config.xds, caBundle: UNKNOWN_CA } };
    AS_IF_SERVING_XDS.set(config, found);
  }
  return found;
}

/** The pod as it was submitted, as far as the template is concerned: what
 * the status lists removed, and the injector's own annotations (with its
 * status the pod would be skipped as injected already). */
function withoutInjection(pod: Pod, annotations: Readonly<Record<string, string>>, status: InjectionStatus): Pod {
  const added = new Set([...status.containers, ...status.initContainers, ...status.volumes]);
  // A verified status lists one container or volume of each list the pod therefore has.
  // Stryker disable next-line ArrayDeclaration,LogicalOperator: equivalent, each list is present (verifiedStatus)
  const keep = <T extends { name: string }>(list: readonly T[] | undefined): T[] => (list ?? []).filter((item) => !added.has(item.name));
  return {
    ...pod,
    metadata: { ...pod.metadata, annotations: Object.fromEntries(Object.entries(annotations).filter(([key]) => !INJECTOR_ANNOTATIONS.includes(key))) },
    spec: { ...pod.spec, containers: keep(pod.spec.containers), initContainers: keep(pod.spec.initContainers), volumes: keep(pod.spec.volumes) },
  };
}

class Groups {
  private readonly groups = new Map<string, PodGroup>();

  add(pod: Pod, reason: string): void {
    const namespace = pod.metadata?.namespace ?? '';
    const owner = workloadName(pod);
    const key = JSON.stringify([namespace, owner, reason]);
    const group = this.groups.get(key) ?? { namespace, owner, pods: [], reason };
    group.pods.push(pod.metadata?.name ?? '');
    this.groups.set(key, group);
  }

  list(): PodGroup[] {
    return [...this.groups.values()].sort((a, b) => a.namespace.localeCompare(b.namespace) || a.owner.localeCompare(b.owner));
  }
}
