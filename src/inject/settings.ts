// Everything a pod's annotations (and its namespace's defaults) say about its
// proxy, read and checked in one step: injection and the live route update
// share it, so both accept and refuse exactly the same annotations. Every
// problem names the annotation, its owner and what to write instead.

import {
  ACCESS_LOG_FORMATS,
  CAPTURE_MODES,
  CONFIG_SOURCES,
  MAX_DRAIN_SECONDS,
  MAX_PROXY_CONCURRENCY,
  type AccessLogFormat,
  type CaptureMode,
  type CaptureSettings,
  type ConfigSource,
  type InjectorConfig,
  type Resources,
} from '../config/config.js';
import { NO_ROUTE_OVERRIDES, type RouteOverrides } from '../envoy/render.js';
import { captureMode, POD_SECURITY_ENFORCE } from './capture-mode.js';
import { formatAnnotationProblem, type AnnotationProblem, type AnnotationSources, type AnnotationValue } from '../model/annotations.js';
import type { NamespaceContext, Pod } from '../model/kubernetes.js';
import type { ServiceLookup } from '../model/lookups.js';
import { ANNOTATION, DOMAIN, INJECTOR_ANNOTATIONS, PROXY_PORT } from '../model/names.js';
import { failed, ok, ProblemList, type Result } from '../model/result.js';
import type { HttpPort } from '../routes/http-ports.js';
import { resolveRouting } from '../routes/routing.js';
import { didYouMean } from '../syntax/did-you-mean.js';
import { parseBoolean, parseChoice, parseCidrList, parseImage, parseLogLevel, parsePortList, parseQuantity, parseWholeNumber } from '../syntax/values.js';
import { BoundedCache, deepFreeze, heapBytesOf, identity } from '../model/memo.js';
import { MEMO_BYTES } from '../model/limits.js';

/** The proxy of one pod: the injector's config overlaid by the annotations. */
export interface ProxySettings {
  image: string;
  logLevel: string;
  resources: Resources;
  nativeSidecar: boolean;
  holdApplicationUntilProxyStarts: boolean;
  capture: CaptureSettings;
  /** The pod's and its namespace's route overrides, merged and resolved. */
  routes: RouteOverrides;
  /** Destination ports whose outbound connections are routed as HTTP. */
  httpPorts: HttpPort[];
  /** Envoy's worker threads, and where the number came from. */
  concurrency: { workers: number; source: string };
  drainSeconds: number;
  accessLog: AccessLogFormat;
  /** Where the proxy reads its listeners, routes and clusters: xds only when this injector serves it. */
  configSource: ConfigSource;
  /** Where that choice came from, for `explain`. */
  configSourceFrom: string;
  /** Who installs the capture rules: envoy-init, or the node's CNI plugin. */
  captureMode: CaptureMode;
  captureModeFrom: string;
}

export interface PodProxySettings {
  settings: ProxySettings;
  /** Admitted, but said back: e.g. a route target Service that does not exist yet. */
  warnings: string[];
}

const KNOWN_KEYS: readonly string[] = Object.values(ANNOTATION);
const SUGGESTED_KEYS: readonly string[] = KNOWN_KEYS.filter((key) => !INJECTOR_ANNOTATIONS.includes(key));
const MAX_NAMED_UNKNOWN_KEYS = 10;
/** Longer than any real key; did-you-mean is quadratic in the key's length. */
const MAX_SUGGESTED_KEY_LENGTH = 100;

/** A namespace annotation is a default for many pods: when it is invalid, its
 * pods are still injected, without that default and with a warning that names
 * it. A pod's own invalid annotation refuses the pod. */
export function readProxySettings(pod: Pod, namespace: NamespaceContext, config: InjectorConfig, services?: ServiceLookup): Result<PodProxySettings> {
  const key = settingsKey(pod, namespace, config, services);
  if (key === undefined) return readUncached(pod, namespace, config, services);
  const found = READ.get(key);
  if (found) return found;
  const read = deepFreeze(readUncached(pod, namespace, config, services));
  return READ.set(key, read, heapBytesOf(read));
}

/** The pods of a workload carry the same annotations: their settings are read
 * once. The key holds all that a read depends on — the pod's annotations and
 * grace period, its namespace's name, annotations and Pod Security level, the config, and the
 * Service lookup with its generation; a lookup without a generation cannot
 * say it changed, so nothing read through it is remembered. */
const READ = new BoundedCache<Result<PodProxySettings>>(256, MEMO_BYTES.settings);

function settingsKey(pod: Pod, namespace: NamespaceContext, config: InjectorConfig, services: ServiceLookup | undefined): string | undefined {
  if (services && !services.generation) return undefined;
  const key = JSON.stringify([
    identity(config),
    // Stryker disable next-line OptionalChaining: equivalent, a lookup without a generation returned above
    services ? [identity(services), services.generation?.()] : null,
    namespace.name,
    namespace.metadata?.annotations ?? null,
    // The Pod Security level can choose the capture mode.
    namespace.metadata?.labels?.[POD_SECURITY_ENFORCE] ?? null,
    pod.metadata?.annotations ?? null,
    pod.spec.terminationGracePeriodSeconds ?? null,
  ]);
  // Annotations may be large (256 KiB in all): such pods are read afresh, so
  // the cache holds at most 256 keys of this size.
  // Stryker disable next-line EqualityOperator: equivalent, a key at the limit read afresh or remembered gives the same settings
  return key.length <= MAX_KEY_LENGTH ? key : undefined;
}

const MAX_KEY_LENGTH = 64 * 1024;

function readUncached(pod: Pod, namespace: NamespaceContext, config: InjectorConfig, services?: ServiceLookup): Result<PodProxySettings> {
  // A bad namespace default is ignored, with a warning, and the pod read
  // again without it. Ignoring one can make another fail (with the
  // namespace's CPU request ignored, the default request can exceed the
  // namespace's CPU limit), so the pod is read until no default it still
  // uses fails. Each round ignores at least one more of the namespace's
  // known keys (unknown keys are found in the first round, and again under
  // the same names), so there are at most as many rounds as known keys.
  const ignoredKeys = new Set<string>();
  const badDefaults: AnnotationProblem[] = [];
  let read = readOnce(pod, namespace, config, services, ignoredKeys);
  for (;;) {
    const found = read.problems.filter((p) => p.from === 'namespace' && !ignoredKeys.has(p.annotation));
    if (found.length === 0) break;
    badDefaults.push(...found);
    for (const problem of found) ignoredKeys.add(problem.annotation);
    read = readOnce(pod, namespace, config, services, ignoredKeys);
  }
  const refusals = read.problems.filter((p) => p.from === 'pod');
  if (refusals.length > 0) return failed(...refusals.map(formatAnnotationProblem));
  const ignored = badDefaults.map(
    (p) => `envoy-injector: ${formatAnnotationProblem(p)} (namespace ${namespace.name}): ignored, its pods use the injector's default`,
  );
  return ok({ settings: read.settings, warnings: [...ignored, ...read.warnings] });
}

interface SingleRead {
  settings: ProxySettings;
  warnings: string[];
  problems: readonly AnnotationProblem[];
}

function readOnce(
  pod: Pod,
  namespace: NamespaceContext,
  config: InjectorConfig,
  services: ServiceLookup | undefined,
  ignoredDefaults: ReadonlySet<string>,
): SingleRead {
  const annotations = new AnnotationReader(pod, namespace, ignoredDefaults);
  const problems = new ProblemList<AnnotationProblem>();
  problems.add(...annotations.unknownKeys());
  const read = <T>(annotation: string, parse: (text: string) => Result<T>, fallback: T): T => {
    const found = annotations.lookup(annotation);
    if (!found) return fallback;
    const parsed = parse(found.value.trim());
    return problems.take(blame(parsed, found), fallback);
  };

  const resources = readResources(config.proxy.resources, read);
  // A request or limit that did not parse stood in for by its default is not
  // compared: its own problem says what is wrong.
  const unread = new Set(problems.all().map((p) => p.annotation));
  problems.add(...requestsWithinLimits(resources, (key) => annotations.lookup(key), unread));
  const capture = {
    excludeInboundPorts: read(ANNOTATION.excludeInboundPorts, parsePortList, config.capture.excludeInboundPorts),
    excludeOutboundPorts: read(ANNOTATION.excludeOutboundPorts, parsePortList, config.capture.excludeOutboundPorts),
    excludeOutboundIpRanges: read(ANNOTATION.excludeOutboundIpRanges, (t) => parseCidrList(t, false), config.capture.excludeOutboundIpRanges),
    includeOutboundIpRanges: read(ANNOTATION.includeOutboundIpRanges, (t) => parseCidrList(t, true), config.capture.includeOutboundIpRanges),
  };
  const httpPortsAnnotation = annotations.lookup(ANNOTATION.httpPorts);
  const routing = resolveRouting(
    annotations.sources(ANNOTATION.routes),
    { namespace: namespace.name, config, ...(services ? { services } : {}) },
    {
      annotated: httpPortsAnnotation && {
        // Stryker disable next-line ArrayDeclaration: equivalent, a failed read refuses the pod or is read again without it
        ports: read(ANNOTATION.httpPorts, parseRoutablePorts, []),
        origin: annotationOrigin(httpPortsAnnotation),
      },
      excluded: capture.excludeOutboundPorts,
    },
  );
  // Stryker disable next-line ObjectLiteral,ArrayDeclaration: equivalent, a failed read refuses the pod or is read again without it
  const resolved = problems.take(routing, { overrides: NO_ROUTE_OVERRIDES, httpPorts: [], warnings: [] });
  // Read with no fallback: absent and invalid (reported) both leave the default to decide.
  const drain = fitDrainInGrace(
    pod,
    read<number | undefined>(ANNOTATION.drainSeconds, (t) => parseWholeNumber(t, 0, MAX_DRAIN_SECONDS), undefined),
    config.proxy.drainSeconds,
    annotations.lookup(ANNOTATION.drainSeconds),
  );
  problems.add(...drain.problems);
  const settings: ProxySettings = {
    image: read(ANNOTATION.proxyImage, parseImage, config.proxy.image),
    logLevel: read(ANNOTATION.logLevel, parseLogLevel, config.proxy.logLevel),
    resources,
    nativeSidecar: read(ANNOTATION.nativeSidecar, parseBoolean, config.proxy.nativeSidecar),
    holdApplicationUntilProxyStarts: read(ANNOTATION.holdApplicationUntilProxyStarts, parseBoolean, config.proxy.holdApplicationUntilProxyStarts),
    capture,
    routes: resolved.overrides,
    httpPorts: resolved.httpPorts,
    concurrency: readConcurrency(
      read<number | undefined>(ANNOTATION.proxyConcurrency, (t) => parseWholeNumber(t, 1, MAX_PROXY_CONCURRENCY), undefined),
      annotations.lookup(ANNOTATION.proxyConcurrency),
      resources,
      config.proxy.concurrency,
    ),
    drainSeconds: drain.seconds,
    accessLog: read(ANNOTATION.accessLog, parseChoice(ACCESS_LOG_FORMATS), config.proxy.accessLog),
    configSource: read(ANNOTATION.configSource, parseChoice(CONFIG_SOURCES), config.proxy.configSource),
    configSourceFrom: configSourceOrigin(annotations.lookup(ANNOTATION.configSource)),
    captureMode: 'init',
    captureModeFrom: '',
  };
  // Read for its syntax (an invalid value is refused, or dropped from a namespace); chosen below.
  read(ANNOTATION.capture, parseChoice(CAPTURE_MODES), config.capture.mode);
  const capturedBy = captureMode(pod, namespace, config);
  settings.captureMode = capturedBy.mode;
  settings.captureModeFrom = capturedBy.from;
  if (capturedBy.mode === 'cni' && !config.capture.cniInstalled)
    problems.add({
      annotation: ANNOTATION.capture,
      from: 'pod',
      message:
        'cni, but the cluster has no envoy-injector CNI plugin (config capture.cniInstalled): the pod would wait forever for rules nobody installs; write init, or install manifests/cni',
    });
  const warnings = [...resolved.warnings, ...(capturedBy.warning === undefined ? [] : [capturedBy.warning])];
  if (settings.configSource === 'xds' && config.xds.caBundle === '') {
    // Not a refusal: the pod still gets a working proxy, and is told.
    settings.configSource = 'file';
    settings.configSourceFrom = `${settings.configSourceFrom}, but this injector serves no xDS`;
    warnings.push(`${ANNOTATION.configSource}: xds, but this injector serves no xDS (serve --xds-port): the proxy reads its config from files`);
  }
  return { settings, warnings, problems: problems.all() };
}

/** Envoy runs one worker per hardware thread of the node unless told: 64 on
 * a 64-core node, for a proxy limited to a fraction of one. The default is
 * the CPU request rounded up, at least 1 and at most the CPU limit. */
function readConcurrency(
  annotated: number | undefined,
  annotation: AnnotationValue | undefined,
  resources: Resources,
  configured: number,
): ProxySettings['concurrency'] {
  // An annotation that did not parse (annotated undefined) refuses the pod or is read again without it.
  // Stryker disable next-line ConditionalExpression,LogicalOperator: equivalent, see above
  if (annotated !== undefined && annotation) return { workers: annotated, source: annotationOrigin(annotation) };
  if (configured > 0) return { workers: configured, source: 'config proxy.concurrency' };
  const cores = (quantity: string | undefined): number | undefined => {
    const parsed = quantity === undefined ? undefined : parseQuantity(quantity);
    return parsed?.ok ? parsed.value : undefined;
  };
  const request = cores(resources.requests.cpu) ?? 1;
  const limit = cores(resources.limits.cpu);
  const workers = Math.min(
    Math.max(1, Math.ceil(request)),
    limit === undefined ? MAX_PROXY_CONCURRENCY : Math.max(1, Math.floor(limit)),
    MAX_PROXY_CONCURRENCY,
  );
  return { workers, source: `the CPU request ${resources.requests.cpu ?? '(none)'}, rounded up` };
}

/** kubelet kills the pod when its grace period ends, drained or not. A drain
 * the pod author asked for that cannot fit is refused, so they learn it now
 * rather than from cut connections; the configured default is shortened to
 * fit instead, since a pod with a short grace period chose to stop fast. */
function fitDrainInGrace(
  pod: Pod,
  annotated: number | undefined,
  configured: number,
  annotation: AnnotationValue | undefined,
): { seconds: number; problems: AnnotationProblem[] } {
  const grace = typeof pod.spec.terminationGracePeriodSeconds === 'number' ? pod.spec.terminationGracePeriodSeconds : DEFAULT_GRACE_SECONDS;
  // Stryker disable next-line ArrayDeclaration: equivalent, a problem without a source (pod or namespace) is never read
  if (annotated === undefined || !annotation) return { seconds: configured < grace ? configured : Math.max(0, grace - 1), problems: [] };
  const drainSeconds = annotated;
  // Stryker disable next-line ArrayDeclaration: equivalent, a problem without a source (pod or namespace) is never read
  if (drainSeconds < grace || drainSeconds === 0) return { seconds: drainSeconds, problems: [] };
  const problem: AnnotationProblem = {
    annotation: annotation.annotation,
    from: annotation.from,
    message: `${drainSeconds} s of draining does not fit in the pod's terminationGracePeriodSeconds (${grace} s): lower it below ${grace}, or raise terminationGracePeriodSeconds above it`,
  };
  return { seconds: drainSeconds, problems: [problem] };
}

/** Where a setting came from, as explain says it. */
function configSourceOrigin(found: AnnotationValue | undefined): string {
  // An invalid value refuses the pod (or, from a namespace, is dropped with a warning): the default then decides.
  return found !== undefined && (CONFIG_SOURCES as readonly string[]).includes(found.value.trim()) ? annotationOrigin(found) : 'config proxy.configSource';
}

function annotationOrigin(found: AnnotationValue): string {
  return `${found.from === 'namespace' ? 'namespace annotation' : 'annotation'} ${found.annotation}`;
}

/** Kubernetes' default terminationGracePeriodSeconds. */
const DEFAULT_GRACE_SECONDS = 30;

/** Ports the proxy listens on itself cannot be routed: they would loop. */
function parseRoutablePorts(text: string): Result<number[]> {
  const parsed = parsePortList(text);
  if (!parsed.ok) return parsed;
  const own = parsed.value.filter((port) => (Object.values(PROXY_PORT) as number[]).includes(port));
  return own.length === 0
    ? parsed
    : failed(`${own.join(', ')} ${own.length === 1 ? 'is one of' : 'are'} the proxy's own ports (${Object.values(PROXY_PORT).join(', ')})`);
}

/** The pod's annotations over its namespace's: the pod's own wins. */
class AnnotationReader {
  private readonly own: Readonly<Record<string, string>>;
  private readonly inherited: Readonly<Record<string, string>>;
  /** All the namespace's annotations, the ignored ones too: a key is unknown whether ignored or not. */
  private readonly defaults: Readonly<Record<string, string>>;

  constructor(pod: Pod, namespace: NamespaceContext, ignoredDefaults: ReadonlySet<string>) {
    this.own = pod.metadata?.annotations ?? {};
    const defaults = namespace.metadata?.annotations ?? {};
    this.defaults = defaults;
    // Stryker disable next-line ConditionalExpression: equivalent, filtering by an empty set keeps all
    this.inherited = ignoredDefaults.size === 0 ? defaults : Object.fromEntries(Object.entries(defaults).filter(([key]) => !ignoredDefaults.has(key)));
  }

  sources(annotation: string): AnnotationSources {
    const own = this.own[annotation];
    const inherited = this.inherited[annotation];
    return {
      ...(own === undefined ? {} : { pod: { annotation, value: own, from: 'pod' as const } }),
      ...(inherited === undefined ? {} : { namespace: { annotation, value: inherited, from: 'namespace' as const } }),
    };
  }

  lookup(annotation: string): AnnotationValue | undefined {
    const { pod, namespace } = this.sources(annotation);
    return pod ?? namespace;
  }

  /** A misspelt key must not silently become a default. The first few are
   * named with a suggestion; a flood of them costs no more than that. */
  unknownKeys(): AnnotationProblem[] {
    // Stryker disable next-line ArrayDeclaration: equivalent, a problem without a source (pod or namespace) is never read
    const problems: AnnotationProblem[] = [];
    for (const [annotations, from] of [
      [this.own, 'pod'],
      [this.defaults, 'namespace'],
    ] as const) {
      const unknown = Object.keys(annotations).filter((key) => key.startsWith(`${DOMAIN}/`) && !KNOWN_KEYS.includes(key));
      for (const key of unknown.slice(0, MAX_NAMED_UNKNOWN_KEYS)) {
        // The bound is on cost (edit distance is quadratic): no known key is near one this long.
        // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent, see above
        const suggestion = key.length <= MAX_SUGGESTED_KEY_LENGTH ? didYouMean(key, SUGGESTED_KEYS) : '';
        problems.push({ annotation: key.slice(0, MAX_SUGGESTED_KEY_LENGTH), from, message: `unknown annotation${suggestion}` });
      }
      if (unknown.length > MAX_NAMED_UNKNOWN_KEYS) {
        problems.push({ annotation: `${DOMAIN}/*`, from, message: `and ${unknown.length - MAX_NAMED_UNKNOWN_KEYS} more unknown annotations` });
      }
    }
    return problems;
  }
}

function blame<T>(result: Result<T>, found: AnnotationValue): Result<T, AnnotationProblem> {
  return result.ok ? result : failed(...result.problems.map((message) => ({ annotation: found.annotation, from: found.from, message })));
}

type Read = <T>(annotation: string, parse: (text: string) => Result<T>, fallback: T) => T;

function readResources(defaults: Resources, read: Read): Resources {
  // The annotation keeps the user's spelling ("500m"); parsing only checks it.
  const quantity = (text: string): Result<string | undefined> => {
    const parsed = parseQuantity(text);
    return parsed.ok ? ok(text) : parsed;
  };
  const optional = (key: 'cpu' | 'memory', annotation: string): Partial<Record<'cpu' | 'memory', string>> => {
    const value = read(annotation, quantity, undefined);
    return value === undefined ? {} : { [key]: value };
  };
  return {
    requests: { ...defaults.requests, ...optional('cpu', ANNOTATION.proxyCpu), ...optional('memory', ANNOTATION.proxyMemory) },
    limits: { ...defaults.limits, ...optional('cpu', ANNOTATION.proxyCpuLimit), ...optional('memory', ANNOTATION.proxyMemoryLimit) },
  };
}

/** A request above its limit is refused by the API server with a message that
 * names neither the annotation nor the proxy: say it here, precisely. */
function requestsWithinLimits(
  resources: Resources,
  lookup: (annotation: string) => AnnotationValue | undefined,
  unread: ReadonlySet<string>,
): AnnotationProblem[] {
  // Stryker disable next-line ArrayDeclaration: equivalent, a problem without a source (pod or namespace) is never read
  const problems: AnnotationProblem[] = [];
  const pairs = [
    ['cpu', ANNOTATION.proxyCpu, ANNOTATION.proxyCpuLimit],
    ['memory', ANNOTATION.proxyMemory, ANNOTATION.proxyMemoryLimit],
  ] as const;
  for (const [resource, requestKey, limitKey] of pairs) {
    const request = resources.requests[resource];
    const limit = resources.limits[resource];
    if (request === undefined || limit === undefined || unread.has(requestKey) || unread.has(limitKey)) continue;
    const requestValue = parseQuantity(request);
    const limitValue = parseQuantity(limit);
    // Both parse: each is an annotation read without a problem, or the config's, checked when loaded.
    // Stryker disable next-line ConditionalExpression,LogicalOperator: equivalent, both parse here
    if (!requestValue.ok || !limitValue.ok || requestValue.value <= limitValue.value) continue;
    // The config's own request and limit fit (config.ts): one of them is annotated.
    const blamed = lookup(requestKey) ?? lookup(limitKey);
    if (!blamed) continue;
    const limitSource = lookup(limitKey) ? limitKey : 'the default limit';
    problems.push({
      annotation: blamed.annotation,
      from: blamed.from,
      message: `the proxy's ${resource} request ${request} is above its limit ${limit} (from ${limitSource}): raise ${limitKey} or lower ${requestKey}`,
    });
  }
  return problems;
}
