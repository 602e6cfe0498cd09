// UPDATE of an injected pod. The rendered config belongs to the injector:
// whenever one of our annotations changes (the routes, the HTTP ports, or the
// rendered files themselves), the config annotations are rendered again from
// the pod's inputs, so a new route takes effect live (kubelet rewrites the
// files, Envoy reloads them) and a hand edit of envoy-cds is overwritten. The
// status cannot be edited or forged. An invalid change is refused, so the
// running configuration stays as it was.

import type { InjectorConfig } from '../config/config.js';
import { isPlainObject, type NamespaceContext, type Pod, type StringMap } from '../model/kubernetes.js';
import type { ServiceLookup } from '../model/lookups.js';
import { ANNOTATION, CONFIG_FILES, CONFIG_VOLUME, DOMAIN } from '../model/names.js';
import { injectorAnnotations, renderForPod } from './inject.js';
import { renderedSizeProblem } from './limits.js';
import { readProxySettings } from './settings.js';
import { verifiedStatus } from './status.js';

export type RerouteOutcome = { kind: 'unchanged' } | { kind: 'rejected'; problems: string[] } | { kind: 'updated'; pod: Pod; warnings: string[] };

export interface RerouteInput {
  pod: Pod;
  oldObject: unknown;
  namespace: NamespaceContext;
  config: InjectorConfig;
  services?: ServiceLookup;
}

const STATUS = ANNOTATION.status;

export function reroutePod(input: RerouteInput): RerouteOutcome {
  const { pod, namespace, config } = input;
  const now = pod.metadata?.annotations ?? {};
  const before = isPlainObject(input.oldObject) ? ((input.oldObject as Pod).metadata?.annotations ?? {}) : {};
  if (!oursChanged(before, now)) return { kind: 'unchanged' };
  if (before[STATUS] === undefined) {
    return now[STATUS] === undefined
      ? { kind: 'unchanged' }
      : refuse(`${STATUS} is written by the injector only: a pod that was not injected cannot be given one`);
  }
  if (now[STATUS] !== before[STATUS]) return refuse(`${STATUS} is written by the injector only and cannot be changed or removed`);
  const status = verifiedStatus(pod, now[STATUS]);
  if (!status.ok) return refuse(`${STATUS} ${status.problems.join('; ')}`);
  if (!projectsListeners(pod)) {
    return refuse(
      `${ANNOTATION.routes} cannot change on this running pod: it was injected by an earlier envoy-injector whose listeners are fixed at start; recreate the pod (e.g. kubectl rollout restart) to change its routes`,
    );
  }
  const proxy = readProxySettings(pod, namespace, config, input.services);
  if (!proxy.ok) return { kind: 'rejected', problems: proxy.problems };
  const rendered = renderForPod(pod, { namespace: namespace.name, config, settings: proxy.value.settings });
  const annotations = injectorAnnotations(rendered, { ...status.value, configHash: rendered.hash });
  if (Object.entries(annotations).every(([key, value]) => now[key] === value)) return { kind: 'unchanged' };
  const updated = structuredClone(pod);
  const metadata = (updated.metadata ??= {});
  metadata.annotations = { ...metadata.annotations, ...annotations };
  const oversized = renderedSizeProblem(updated);
  if (oversized) return refuse(oversized);
  return { kind: 'updated', pod: updated, warnings: proxy.value.warnings };
}

function refuse(problem: string): RerouteOutcome {
  return { kind: 'rejected', problems: [problem] };
}

/** Any envoy-injector.io annotation: its inputs, its outputs, the status. */
function oursChanged(before: StringMap, now: StringMap): boolean {
  const keys = new Set([...Object.keys(before), ...Object.keys(now)].filter((key) => key.startsWith(`${DOMAIN}/`)));
  return [...keys].some((key) => before[key] !== now[key]);
}

/** Pods injected before the outbound listener moved to LDS cannot follow a
 * change of their HTTP ports: their volume does not project lds.json. */
function projectsListeners(pod: Pod): boolean {
  const volume = (pod.spec.volumes ?? []).find((v) => v.name === CONFIG_VOLUME);
  const items = isPlainObject(volume?.downwardAPI) && Array.isArray(volume.downwardAPI.items) ? volume.downwardAPI.items : [];
  return items.some((item) => isPlainObject(item) && item.path === CONFIG_FILES.lds.file);
}
