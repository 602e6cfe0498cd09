// Live route updates: on UPDATE of an injected pod whose routes annotation
// changed, re-render the projected config annotations (kubelet then rewrites
// the files and Envoy reloads them). An invalid change is refused, so the
// running configuration stays as it was.

import { formatAnnotationError, readProxySettings } from '../inject/annotations.js';
import { configAnnotations, renderForPod } from '../inject/inject.js';
import { isPlainObject, type NamespaceContext, type Pod } from '../inject/k8s.js';
import { ANNOTATION } from '../inject/names.js';
import { parseRouteOverrides } from '../envoy/overrides.js';
import type { InjectionStatus } from '../inject/status.js';
import { formatStatus } from '../inject/status.js';
import type { ReviewDependencies } from './review.js';

export type RouteUpdate =
  | { kind: 'unchanged' }
  | { kind: 'rejected'; problems: string[] }
  | { kind: 'updated'; pod: Pod; warnings: string[] };

function readStatus(pod: Pod): InjectionStatus | undefined {
  const text = pod.metadata?.annotations?.[ANNOTATION.status];
  if (text === undefined) return undefined;
  try {
    const status: unknown = JSON.parse(text);
    return isPlainObject(status) && status.version === 1 ? (status as unknown as InjectionStatus) : undefined;
  } catch {
    return undefined;
  }
}

export function rerenderRoutes(pod: Pod, oldObject: unknown, namespace: NamespaceContext, deps: ReviewDependencies): RouteUpdate {
  const status = readStatus(pod);
  if (!status) return { kind: 'unchanged' };
  const oldRoutes = isPlainObject(oldObject) ? (oldObject as Pod).metadata?.annotations?.[ANNOTATION.routes] : undefined;
  const newRoutes = pod.metadata?.annotations?.[ANNOTATION.routes];
  if (oldRoutes === newRoutes) return { kind: 'unchanged' };

  const settings = readProxySettings(pod, namespace, deps.config);
  if (!settings.ok) return { kind: 'rejected', problems: settings.errors.map(formatAnnotationError) };
  const routes = parseRouteOverrides(settings.settings.routes, { namespace: namespace.name, config: deps.config, ...(deps.services ? { services: deps.services } : {}) });
  if (!routes.ok) return { kind: 'rejected', problems: routes.errors.map(formatAnnotationError) };
  const { rendered } = renderForPod(pod, { namespace: namespace.name, config: deps.config, settings: settings.settings, routeOverrides: routes.overrides });
  const updated = structuredClone(pod);
  const metadata = (updated.metadata ??= {});
  metadata.annotations = {
    ...metadata.annotations,
    ...configAnnotations(rendered),
    [ANNOTATION.status]: formatStatus({ ...status, configHash: rendered.hash }),
  };
  return { kind: 'updated', pod: updated, warnings: routes.warnings };
}
