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
import { fallbackSizeProblem, renderedSizeProblem } from './limits.js';
import { readProxySettings } from './settings.js';
import { statusConfigSource, verifiedStatus } from './status.js';

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
  // Where the proxy reads its config was fixed at injection (its bootstrap and volumes): it is kept.
  const injectedSource = statusConfigSource(status.value);
  if (injectedSource === 'xds' && config.xds.caBundle === '')
    return refuse(`this pod's proxy reads its config over xDS, and this injector serves no xDS (serve --xds-port): its routes cannot change here`);
  const warnings = [...proxy.value.warnings];
  if (proxy.value.settings.configSource !== injectedSource && now[ANNOTATION.configSource] !== before[ANNOTATION.configSource])
    warnings.push(`${ANNOTATION.configSource} cannot change on a running pod (its proxy reads ${injectedSource}); recreate the pod to change it`);
  const settings = { ...proxy.value.settings, configSource: injectedSource };
  const fallbackTooLarge = fallbackSizeProblem(settings);
  if (fallbackTooLarge) return refuse(fallbackTooLarge);
  const rendered = renderForPod(pod, { namespace: namespace.name, config, settings });
  const annotations = injectorAnnotations(rendered, { ...status.value, configHash: rendered.hash });
  if (Object.entries(annotations).every(([key, value]) => now[key] === value)) return { kind: 'unchanged' };
  const updated = structuredClone(pod);
  const metadata = (updated.metadata ??= {});
  metadata.annotations = { ...metadata.annotations, ...annotations };
  const oversized = renderedSizeProblem(updated);
  if (oversized) return refuse(oversized);
  return { kind: 'updated', pod: updated, warnings };
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
