// Live route updates: on UPDATE of an injected pod whose routes annotation
// changed, re-render the projected config annotations (kubelet then rewrites
// the files and Envoy reloads them). An invalid change is refused, so the
// running configuration stays as it was.

import { configAnnotations, renderForPod } from './inject.js';
import { isPlainObject, type NamespaceContext, type Pod } from '../model/kubernetes.js';
import { ANNOTATION } from '../model/names.js';
import { readProxyConfig } from './proxy-config.js';
import { formatStatus, parseStatus } from './status.js';
import type { ReviewDependencies } from '../admission/review.js';

export type RouteUpdate =
  | { kind: 'unchanged' }
  | { kind: 'rejected'; problems: string[] }
  | { kind: 'updated'; pod: Pod; warnings: string[] };

export function rerenderRoutes(pod: Pod, oldObject: unknown, namespace: NamespaceContext, deps: ReviewDependencies): RouteUpdate {
  const status = parseStatus(pod.metadata?.annotations?.[ANNOTATION.status]);
  if (!status) return { kind: 'unchanged' };
  const oldRoutes = isPlainObject(oldObject) ? (oldObject as Pod).metadata?.annotations?.[ANNOTATION.routes] : undefined;
  const newRoutes = pod.metadata?.annotations?.[ANNOTATION.routes];
  if (oldRoutes === newRoutes) return { kind: 'unchanged' };

  const proxy = readProxyConfig(pod, namespace, deps.config, deps.services);
  if (!proxy.ok) return { kind: 'rejected', problems: proxy.problems };
  const { rendered } = renderForPod(pod, { namespace: namespace.name, config: deps.config, settings: proxy.settings, routeOverrides: proxy.routeOverrides });
  const updated = structuredClone(pod);
  const metadata = (updated.metadata ??= {});
  metadata.annotations = {
    ...metadata.annotations,
    ...configAnnotations(rendered),
    [ANNOTATION.status]: formatStatus({ ...status, configHash: rendered.hash }),
  };
  return { kind: 'updated', pod: updated, warnings: proxy.warnings };
}
