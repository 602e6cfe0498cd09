// envoy-injector.io/routes of a pod and of its namespace, merged, and their
// targets resolved to Envoy clusters: the plan that routing.ts renders.
//
// Merge rule: the pod's virtual hosts come first; a namespace virtual host is
// kept only if neither its name nor any of its domains is used by the pod's.

import type { InjectorConfig } from '../config/config.js';
import { FAULT_FILTER_NAME } from '../envoy/listeners.js';
import type { AnnotationProblem, AnnotationSources, AnnotationValue } from '../model/annotations.js';
import type { JsonObject } from '../model/json.js';
import { isPlainObject } from '../model/kubernetes.js';
import type { ServiceLookup } from '../model/lookups.js';
import { failed, ok, ProblemList, type Result } from '../model/result.js';
import { speaksHttp2, withClusterSettings, type ClusterSettingsInput } from './cluster-settings.js';
import { parseRoutesAnnotation, type VirtualHostInput } from './parse.js';
import { durationText, join } from './schema.js';
import { quote } from '../syntax/quote.js';
import { clusterName, parseRouteTarget, renderCluster, targetWarning, type RouteTarget } from './targets.js';

export interface RouteContext {
  namespace: string;
  config: InjectorConfig;
  services?: ServiceLookup;
}

/** A virtual host as it will be rendered: routes with their clusters
 * resolved, domains still as written (routing.ts adds the ports and names). */
export interface PlannedHost {
  name: string;
  domains: string[];
  routes: JsonObject[];
  /** Where it was written, for warnings: e.g. "envoy-injector.io/routes virtual_hosts[0]". */
  origin: string;
  /** The host's other fields, rendered as written: require_tls, virtual_clusters. */
  settings?: JsonObject;
}

export interface RoutePlan {
  hosts: PlannedHost[];
  clusters: JsonObject[];
  targets: RouteTarget[];
  /** Admitted, but said back: targets the Service cache does not know. */
  warnings: string[];
}

interface SourcedHost {
  host: VirtualHostInput;
  /** Its index in the annotation it came from, for error paths. */
  index: number;
  source: AnnotationValue;
}

interface SourcedSettings {
  settings: ClusterSettingsInput;
  index: number;
  source: AnnotationValue;
}

export function planRouteOverrides(sources: AnnotationSources, context: RouteContext): Result<RoutePlan, AnnotationProblem> {
  const problems = new ProblemList<AnnotationProblem>();
  const parse = (source: AnnotationValue | undefined): { hosts: SourcedHost[]; settings: SourcedSettings[] } => {
    if (!source) return { hosts: [], settings: [] };
    const parsed = parseRoutesAnnotation(source.value);
    if (parsed.ok) {
      return {
        hosts: parsed.value.hosts.map((host, index) => ({ host, index, source })),
        settings: parsed.value.clusters.map((settings, index) => ({ settings, index, source })),
      };
    }
    problems.add(...parsed.problems.map((p) => ({ annotation: source.annotation, from: source.from, ...p })));
    // Stryker disable next-line ObjectLiteral,ArrayDeclaration: equivalent, the problems just added refuse the plan before any host is read
    return { hosts: [], settings: [] };
  };
  const own = parse(sources.pod);
  const inherited = parse(sources.namespace);
  if (!problems.isEmpty()) return failed(...problems.all());

  const warnings: string[] = [];
  const settingsByCluster = clusterSettingsByName([...own.settings, ...inherited.settings], context, problems);
  const clusters = new Map<string, JsonObject>();
  const targets: RouteTarget[] = [];
  const hosts = merge(own.hosts, inherited.hosts).map(({ host, index, source }): PlannedHost => {
    const resolved: Resolved[] = [];
    const fail = (field: string, message: string): void => problems.add({ annotation: source.annotation, from: source.from, field, message });
    const routes = resolveRoutes(host, `virtual_hosts[${index}]`, context, resolved, fail);
    for (const { target, field } of resolved) {
      const name = clusterName(target);
      const written = settingsByCluster.get(name);
      if (written) written.used = true;
      clusters.set(name, withClusterSettings(renderCluster(target, context.config.clusterDomain), written?.settings, http2ByService(target, context)));
      targets.push(target);
      const warning = targetWarning(target, context.services);
      if (warning) warnings.push(`${source.annotation} at ${field}: ${warning}`);
    }
    const owner = source.from === 'namespace' ? 'namespace annotation ' : '';
    return { name: host.name, domains: host.domains, routes, origin: `${owner}${source.annotation} virtual_hosts[${index}]`, settings: hostSettings(host) };
  });
  if (!problems.isEmpty()) return failed(...problems.all());
  warnings.push(...idleHashPolicies(hosts, clusters));
  // A namespace's settings are defaults for many pods; the pod's own are meant for its routes.
  for (const { used, where, from } of settingsByCluster.values())
    if (!used && from === 'pod') warnings.push(`${where}: no route of this pod goes to this target, so these settings apply to nothing`);
  return ok({ hosts, clusters: [...clusters.values()], targets, warnings });
}

/** Envoy hashes a request (route hash_policy) only for a hashing balancer:
 * with any other, the policy is silently unused. */
function idleHashPolicies(hosts: readonly PlannedHost[], clusters: ReadonlyMap<string, JsonObject>): string[] {
  const warnings: string[] = [];
  for (const host of hosts) {
    host.routes.forEach((route, index) => {
      const action = isPlainObject(route.route) ? route.route : undefined;
      if (action === undefined || !Array.isArray(action.hash_policy)) return;
      const weighted = isPlainObject(action.weighted_clusters) && Array.isArray(action.weighted_clusters.clusters) ? action.weighted_clusters.clusters : [];
      const names = [action.cluster, ...weighted.map((c) => (isPlainObject(c) ? c.name : undefined))].filter((n): n is string => typeof n === 'string');
      const idle = names.filter((name) => {
        const policy = clusters.get(name)?.lb_policy;
        return policy !== 'RING_HASH' && policy !== 'MAGLEV';
      });
      if (idle.length > 0)
        warnings.push(
          `${host.origin} routes[${index}]: hash_policy is used only by lb_policy RING_HASH or MAGLEV, which ${idle.join(', ')} does not have (set it under clusters:)`,
        );
    });
  }
  return warnings;
}

interface PlacedSettings {
  settings: ClusterSettingsInput;
  /** e.g. "envoy-injector.io/routes at clusters[0]". */
  where: string;
  from: AnnotationValue['from'];
  used: boolean;
}

/** Each target's settings by its cluster name: the pod's own, else its
 * namespace's. One target written twice in one annotation (even as svc and
 * svc.ns) is refused: which one was meant? */
function clusterSettingsByName(
  written: readonly SourcedSettings[],
  context: RouteContext,
  problems: ProblemList<AnnotationProblem>,
): Map<string, PlacedSettings> {
  const options = { podNamespace: context.namespace, allowExternalHosts: context.config.routes.allowExternalHosts, services: context.services };
  const byName = new Map<string, PlacedSettings>();
  for (const { settings, index, source } of written) {
    const field = `clusters[${index}].target`;
    const target = parseRouteTarget(settings.target, options);
    if (!target.ok) {
      problems.add(...target.problems.map((message) => ({ annotation: source.annotation, from: source.from, field, message })));
      continue;
    }
    const name = clusterName(target.value);
    const earlier = byName.get(name);
    if (earlier?.from === source.from) {
      problems.add({ annotation: source.annotation, from: source.from, field, message: `${quote(settings.target)} is the target of ${earlier.where} already` });
    } else if (earlier === undefined) {
      byName.set(name, { settings, where: `${source.annotation} at clusters[${index}]`, from: source.from, used: false });
    }
  }
  return byName;
}

function http2ByService(target: RouteTarget, context: RouteContext): boolean {
  if (target.kind !== 'service') return false;
  return speaksHttp2(context.services?.service(target.namespace, target.name)?.ports.find((port) => port.port === target.port));
}

function merge(own: readonly SourcedHost[], inherited: readonly SourcedHost[]): SourcedHost[] {
  const usedNames = new Set(own.map(({ host }) => host.name));
  const usedDomains = new Set(own.flatMap(({ host }) => host.domains.map((d) => d.toLowerCase())));
  const kept = inherited.filter(({ host }) => !usedNames.has(host.name) && !host.domains.some((d) => usedDomains.has(d.toLowerCase())));
  return [...own, ...kept];
}

/** What a virtual host says besides its name, domains and routes, as written. */
const HOST_SETTINGS = [
  'require_tls',
  'virtual_clusters',
  'request_headers_to_add',
  'request_headers_to_remove',
  'response_headers_to_add',
  'response_headers_to_remove',
];

function hostSettings(host: VirtualHostInput): JsonObject {
  const written = host as unknown as JsonObject;
  return withCurrentAppend(
    Object.fromEntries(HOST_SETTINGS.filter((key) => written[key] !== undefined).map((key) => [key, withoutRegexEngine(written[key]) as JsonObject])),
  );
}

/** The deprecated `append` of a header to add, written as the append_action
 * it means (HeaderValueOption: true appends, false overwrites), so the
 * rendered config holds no deprecated field. */
function withCurrentAppend(level: JsonObject): JsonObject {
  const current = (options: unknown): unknown =>
    Array.isArray(options)
      ? options.map((option: unknown) => {
          if (!isPlainObject(option) || typeof option.append !== 'boolean') return option;
          const { append, ...rest } = option;
          return { ...rest, append_action: append ? 'APPEND_IF_EXISTS_OR_ADD' : 'OVERWRITE_IF_EXISTS_OR_ADD' };
        })
      : options;
  const result: JsonObject = { ...level };
  for (const key of ['request_headers_to_add', 'response_headers_to_add']) if (result[key] !== undefined) result[key] = current(result[key]) as JsonObject[];
  return result;
}

/** A fault's fixed_delay in the string form, as every rendered duration. */
function withFaultDurations(route: JsonObject): JsonObject {
  const perFilter = route.typed_per_filter_config;
  const fault = isPlainObject(perFilter) ? perFilter[FAULT_FILTER_NAME] : undefined;
  const delay = isPlainObject(fault) ? fault.delay : undefined;
  if (!isPlainObject(perFilter) || !isPlainObject(fault) || !isPlainObject(delay) || delay.fixed_delay === undefined) return route;
  const fixedDelay = durationText(delay.fixed_delay as Parameters<typeof durationText>[0]);
  return { ...route, typed_per_filter_config: { ...perFilter, [FAULT_FILTER_NAME]: { ...fault, delay: { ...delay, fixed_delay: fixedDelay } } } };
}

type Resolved = { target: RouteTarget; field: string };

/** Copies the routes, replacing each service name by its cluster. */
function resolveRoutes(
  host: VirtualHostInput,
  path: string,
  context: RouteContext,
  resolved: Resolved[],
  fail: (field: string, message: string) => void,
): JsonObject[] {
  const options = { podNamespace: context.namespace, allowExternalHosts: context.config.routes.allowExternalHosts, services: context.services };
  const resolve = (name: string, field: string): string => {
    const result = parseRouteTarget(name, options);
    if (!result.ok) {
      for (const problem of result.problems) fail(field, problem);
      return name;
    }
    resolved.push({ target: result.value, field });
    return clusterName(result.value);
  };
  return host.routes.map((written, routeIndex): JsonObject => {
    const route = withFaultDurations(withCurrentAppend(withoutRegexEngine(written) as JsonObject));
    const action = route.route;
    if (!isPlainObject(action)) return route;
    const actionPath = join(join(join(path, 'routes'), routeIndex), 'route');
    const copy: JsonObject = { ...action };
    if (typeof action.cluster === 'string') copy.cluster = resolve(action.cluster, `${actionPath}.cluster`);
    // Durations in the message form ({ seconds, nanos }) are written in the string form.
    if (action.timeout !== undefined) copy.timeout = durationText(action.timeout as Parameters<typeof durationText>[0]);
    if (isPlainObject(action.retry_policy) && action.retry_policy.per_try_timeout !== undefined) {
      copy.retry_policy = { ...action.retry_policy, per_try_timeout: durationText(action.retry_policy.per_try_timeout as Parameters<typeof durationText>[0]) };
    }
    const weighted = action.weighted_clusters as { clusters: Array<{ name: string; weight: number }>; runtime_key_prefix?: string } | undefined;
    // Their sum was checked with the language (language.ts, weightsProblem).
    if (weighted) {
      copy.weighted_clusters = {
        ...(weighted.runtime_key_prefix === undefined ? {} : { runtime_key_prefix: weighted.runtime_key_prefix }),
        clusters: weighted.clusters.map((c, i) => ({ name: resolve(c.name, `${actionPath}.weighted_clusters.clusters[${i}].name`), weight: c.weight })),
      };
    }
    // Shadow traffic goes to Services the pod names, by the same rules as its routes.
    if (Array.isArray(action.request_mirror_policies)) {
      copy.request_mirror_policies = action.request_mirror_policies.map((policy, i) =>
        isPlainObject(policy) && typeof policy.cluster === 'string'
          ? { ...policy, cluster: resolve(policy.cluster, `${actionPath}.request_mirror_policies[${i}].cluster`) }
          : policy,
      );
    }
    return { ...route, route: copy };
  });
}

/** The route without `google_re2` in its regexes: deprecated and without
 * effect, Envoy loads it with a warning; the rendered config leaves it out. */
function withoutRegexEngine(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutRegexEngine);
  if (!isPlainObject(value)) return value;
  const entries = Object.entries(value).filter(([key]) => !(key === 'google_re2' && typeof value.regex === 'string'));
  return Object.fromEntries(entries.map(([key, item]) => [key, withoutRegexEngine(item)]));
}
