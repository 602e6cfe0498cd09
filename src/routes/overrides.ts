// envoy-injector.io/routes: YAML or JSON in Envoy's virtual_hosts shape,
// checked strictly, merged with the namespace default, and rendered into the
// virtual hosts and clusters of the pod's RDS and CDS files.
//
// Merge rule: the pod's virtual hosts come first; a namespace virtual host is
// kept only if neither its name nor any of its domains is used by the pod's.

import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { InjectorConfig } from '../config/config.js';
import type { AnnotationError, AnnotationSources, AnnotationValue } from '../inject/settings.js';
import { isPlainObject } from '../model/kubernetes.js';
import type { Json, JsonObject } from '../model/json.js';
import type { RouteOverrides } from '../envoy/render.js';
import { PASSTHROUGH_VIRTUAL_HOST } from '../envoy/route-config.js';
import { ROUTE_OVERRIDES_SPEC } from './language.js';
import { check, join, type SchemaError } from './schema.js';
import { clusterName, parseRouteTarget, renderCluster, targetWarning, type RouteTarget, type ServiceLookup } from './targets.js';

export type { ServiceLookup } from './targets.js';

/** Bigger than any hand-written routing table; small enough that the rendered
 * files stay far below the 256 KiB the API server allows for all annotations. */
export const MAX_ROUTES_ANNOTATION_BYTES = 32 * 1024;

export interface RouteContext {
  namespace: string;
  config: InjectorConfig;
  services?: ServiceLookup;
}

export type RouteOverridesResult =
  | { ok: true; overrides: RouteOverrides; warnings: string[] }
  | { ok: false; errors: AnnotationError[] };

interface VirtualHostInput {
  name: string;
  domains: string[];
  routes: JsonObject[];
}

interface ParsedSource {
  source: AnnotationValue;
  virtualHosts: Array<{ host: VirtualHostInput; index: number }>;
}

type Resolved = { target: RouteTarget; field: string };

export function parseRouteOverrides(sources: AnnotationSources | undefined, context: RouteContext): RouteOverridesResult {
  const errors: AnnotationError[] = [];
  const parseOrCollect = (source: AnnotationValue | undefined): ParsedSource | undefined => {
    if (!source) return undefined;
    const result = parseSource(source);
    if ('source' in result) return result;
    errors.push(...result.errors.map((e) => ({ annotation: source.annotation, from: source.from, ...e })));
    return undefined;
  };
  const own = parseOrCollect(sources?.pod);
  const inherited = parseOrCollect(sources?.namespace);
  if (errors.length > 0) return { ok: false, errors };

  const selected = own ? own.virtualHosts.map((entry) => ({ ...entry, source: own.source })) : [];
  const usedNames = new Set(selected.map(({ host }) => host.name));
  const usedDomains = new Set(selected.flatMap(({ host }) => host.domains.map((d) => d.toLowerCase())));
  for (const entry of inherited?.virtualHosts ?? []) {
    const collides = usedNames.has(entry.host.name) || entry.host.domains.some((d) => usedDomains.has(d.toLowerCase()));
    if (!collides) selected.push({ ...entry, source: inherited!.source });
  }

  const warnings: string[] = [];
  const clusters = new Map<string, JsonObject>();
  const virtualHosts: JsonObject[] = [];
  for (const { host, index, source } of selected) {
    const path = `virtual_hosts[${index}]`;
    const resolved: Resolved[] = [];
    const rendered = renderVirtualHost(host, path, context, resolved, (field, message) => errors.push({ annotation: source.annotation, from: source.from, field, message }));
    for (const { target, field } of resolved) {
      clusters.set(clusterName(target), renderCluster(target, context.config.clusterDomain));
      const warning = targetWarning(target, context.services);
      if (warning) warnings.push(`${source.annotation} at ${field}: ${warning}`);
    }
    virtualHosts.push(rendered);
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, overrides: { virtualHosts, clusters: [...clusters.values()] }, warnings };
}

function parseSource(source: AnnotationValue): ParsedSource | { errors: SchemaError[] } {
  const bytes = Buffer.byteLength(source.value, 'utf8');
  if (bytes > MAX_ROUTES_ANNOTATION_BYTES) {
    return { errors: [{ field: '', message: `is ${bytes} bytes, above the limit of ${MAX_ROUTES_ANNOTATION_BYTES}: split the routes between the namespace default and the pod, or simplify them` }] };
  }
  let document: unknown;
  try {
    document = parseYaml(source.value, { prettyErrors: true, uniqueKeys: true });
  } catch (error) {
    const message = error instanceof YAMLParseError ? error.message.split('\n')[0] ?? error.message : String(error);
    return { errors: [{ field: '', message: `is neither valid YAML nor JSON: ${message}` }] };
  }
  const errors: SchemaError[] = [];
  check(document, ROUTE_OVERRIDES_SPEC, '', errors);
  if (errors.length > 0) return { errors };
  const hosts = (document as { virtual_hosts: VirtualHostInput[] }).virtual_hosts;
  const seenNames = new Map<string, number>();
  const seenDomains = new Map<string, number>();
  hosts.forEach((host, index) => {
    const path = `virtual_hosts[${index}]`;
    if (host.name === PASSTHROUGH_VIRTUAL_HOST.name) errors.push({ field: `${path}.name`, message: `"${host.name}" is reserved for the injector's default virtual host: choose another name` });
    const sameName = seenNames.get(host.name);
    if (sameName !== undefined) errors.push({ field: `${path}.name`, message: `"${host.name}" is already the name of virtual_hosts[${sameName}]: names must be unique` });
    seenNames.set(host.name, index);
    host.domains.forEach((domain, domainIndex) => {
      const key = domain.toLowerCase();
      const owner = seenDomains.get(key);
      if (owner !== undefined) {
        errors.push({ field: `${path}.domains[${domainIndex}]`, message: `"${domain}" is already a domain of virtual_hosts[${owner}]: each domain may appear once across all virtual hosts` });
      }
      seenDomains.set(key, index);
    });
  });
  if (errors.length > 0) return { errors };
  return { source, virtualHosts: hosts.map((host, index) => ({ host, index })) };
}

/** Copies the virtual host, replacing each service name by its cluster. */
function renderVirtualHost(
  host: VirtualHostInput,
  path: string,
  context: RouteContext,
  resolved: Resolved[],
  fail: (field: string, message: string) => void,
): JsonObject {
  const options = { podNamespace: context.namespace, allowExternalHosts: context.config.routes.allowExternalHosts, services: context.services };
  const resolve = (name: string, field: string): string => {
    const result = parseRouteTarget(name, options);
    if (!result.ok) {
      fail(field, result.problem);
      return name;
    }
    resolved.push({ target: result.target, field });
    return clusterName(result.target);
  };
  const routes = host.routes.map((route, routeIndex): JsonObject => {
    const action = route.route;
    if (!isPlainObject(action)) return route;
    const actionPath = join(join(join(path, 'routes'), routeIndex), 'route');
    const copy: JsonObject = { ...(action as JsonObject) };
    if (typeof action.cluster === 'string') copy.cluster = resolve(action.cluster, `${actionPath}.cluster`);
    const weighted = action.weighted_clusters as { clusters: Array<{ name: string; weight: number }> } | undefined;
    if (weighted) {
      const total = weighted.clusters.reduce((sum, c) => sum + c.weight, 0);
      if (total === 0) fail(`${actionPath}.weighted_clusters`, 'the weights add up to 0: give at least one cluster a positive weight, e.g. 90 and 10');
      copy.weighted_clusters = {
        clusters: weighted.clusters.map((c, i) => ({ name: resolve(c.name, `${actionPath}.weighted_clusters.clusters[${i}].name`), weight: c.weight })),
      };
    }
    return { ...route, route: copy };
  });
  return { name: host.name, domains: host.domains as Json[], routes: routes as Json[] };
}
