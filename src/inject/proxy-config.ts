// Everything a pod's annotations (and its namespace's defaults) say about its
// proxy, read and checked in one step: shared by injection and by the live
// route update, so both accept and refuse exactly the same annotations.

import type { InjectorConfig } from '../config/config.js';
import { parseRouteOverrides } from '../routes/overrides.js';
import type { RouteOverrides } from '../envoy/render.js';
import type { ServiceLookup } from '../routes/targets.js';
import { formatAnnotationError, readProxySettings, type ProxySettings } from './settings.js';
import type { NamespaceContext, Pod } from '../model/kubernetes.js';

export type ProxyConfigResult =
  | { ok: true; settings: ProxySettings; routeOverrides: RouteOverrides; warnings: string[] }
  | { ok: false; problems: string[] };

export function readProxyConfig(pod: Pod, namespace: NamespaceContext, config: InjectorConfig, services?: ServiceLookup): ProxyConfigResult {
  const settings = readProxySettings(pod, namespace, config);
  if (!settings.ok) return { ok: false, problems: settings.errors.map(formatAnnotationError) };
  const routes = parseRouteOverrides(settings.settings.routes, { namespace: namespace.name, config, ...(services ? { services } : {}) });
  if (!routes.ok) return { ok: false, problems: routes.errors.map(formatAnnotationError) };
  return { ok: true, settings: settings.settings, routeOverrides: routes.overrides, warnings: routes.warnings };
}
