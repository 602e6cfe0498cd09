// Live route updates: on UPDATE of an injected pod whose routes annotation
// changed, re-render the projected config annotations (kubelet then rewrites
// the files and Envoy reloads them). An invalid change is refused, so the
// running configuration stays as it was.

import type { InjectorConfig } from '../config/config.js';
import { isPlainObject, type NamespaceContext, type Pod } from '../model/kubernetes.js';
import type { ServiceLookup } from '../model/lookups.js';
import { ANNOTATION, CONFIG_FILES, CONFIG_VOLUME } from '../model/names.js';
import { injectorAnnotations, renderForPod } from './inject.js';
import { readProxySettings } from './settings.js';
import { parseStatus } from './status.js';

export type RerouteOutcome = { kind: 'unchanged' } | { kind: 'rejected'; problems: string[] } | { kind: 'updated'; pod: Pod; warnings: string[] };

export interface RerouteInput {
  pod: Pod;
  oldObject: unknown;
  namespace: NamespaceContext;
  config: InjectorConfig;
  services?: ServiceLookup;
}

/** Pods injected before the outbound listener moved to LDS cannot follow a
 * change of their HTTP ports: their volume does not project lds.json. */
function projectsListeners(pod: Pod): boolean {
  const volume = (pod.spec.volumes ?? []).find((v) => v.name === CONFIG_VOLUME);
  const items = isPlainObject(volume?.downwardAPI) && Array.isArray(volume.downwardAPI.items) ? volume.downwardAPI.items : [];
  return items.some((item) => isPlainObject(item) && item.path === CONFIG_FILES.lds.file);
}

export function reroutePod(input: RerouteInput): RerouteOutcome {
  const { pod, namespace, config } = input;
  const status = parseStatus(pod.metadata?.annotations?.[ANNOTATION.status]);
  if (!status) return { kind: 'unchanged' };
  const oldRoutes = isPlainObject(input.oldObject) ? (input.oldObject as Pod).metadata?.annotations?.[ANNOTATION.routes] : undefined;
  const newRoutes = pod.metadata?.annotations?.[ANNOTATION.routes];
  if (oldRoutes === newRoutes) return { kind: 'unchanged' };

  if (!projectsListeners(pod)) {
    return {
      kind: 'rejected',
      problems: [
        `${ANNOTATION.routes} cannot change on this running pod: it was injected by an earlier envoy-injector whose listeners are fixed at start; recreate the pod (e.g. kubectl rollout restart) to change its routes`,
      ],
    };
  }
  const proxy = readProxySettings(pod, namespace, config, input.services);
  if (!proxy.ok) return { kind: 'rejected', problems: proxy.problems };
  const { rendered } = renderForPod(pod, { namespace: namespace.name, config, settings: proxy.value.settings });
  const updated = structuredClone(pod);
  const metadata = (updated.metadata ??= {});
  metadata.annotations = { ...metadata.annotations, ...injectorAnnotations(rendered, { ...status, configHash: rendered.hash }) };
  return { kind: 'updated', pod: updated, warnings: proxy.value.warnings };
}
