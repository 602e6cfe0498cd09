// Reads every envoy-injector.io/* annotation into typed overrides, or into
// errors that name the annotation, its value and what to write instead.
// A namespace annotation with the same key is the default for its pods.

import type { InjectorConfig, Resources } from '../config/config.js';
import type { NamespaceContext, Pod } from '../model/kubernetes.js';
import { ANNOTATION, DOMAIN } from '../model/names.js';
import { didYouMean } from '../syntax/did-you-mean.js';
import { ENVOY_LOG_LEVELS, parseBoolean, parseCidrList, parseImage, parsePortList, parseQuantity, type Parsed } from '../syntax/values.js';

export interface CaptureSettings {
  excludeInboundPorts: number[];
  excludeOutboundPorts: number[];
  excludeOutboundIpRanges: string[];
  includeOutboundIpRanges: string[];
}

export interface ProxySettings {
  image: string;
  logLevel: string;
  resources: Resources;
  nativeSidecar: boolean;
  holdApplication: boolean;
  capture: CaptureSettings;
  /** The raw route overrides of the pod and of its namespace (merged by envoy/overrides). */
  routes: AnnotationSources;
}

export interface AnnotationValue {
  annotation: string;
  value: string;
  from: 'pod' | 'namespace';
}

/** One annotation as the pod and as its namespace set it. */
export interface AnnotationSources {
  pod?: AnnotationValue;
  namespace?: AnnotationValue;
}

export interface AnnotationError {
  annotation: string;
  from: 'pod' | 'namespace';
  /** Path inside a structured value, e.g. virtual_hosts[0].routes[1].route.timeout. */
  field?: string;
  message: string;
}

export function formatAnnotationError(error: AnnotationError): string {
  const owner = error.from === 'namespace' ? 'namespace annotation' : 'annotation';
  return `${owner} ${error.annotation}${error.field ? ` at ${error.field}` : ''}: ${error.message}`;
}

export type SettingsResult = { ok: true; settings: ProxySettings } | { ok: false; errors: AnnotationError[] };

/** Keys the webhook itself writes: users may see them but never need to set them. */
const WRITTEN_BY_INJECTOR: readonly string[] = [ANNOTATION.status, ANNOTATION.envoyBootstrap, ANNOTATION.envoyRoutes, ANNOTATION.envoyClusters];
const KNOWN_KEYS: readonly string[] = Object.values(ANNOTATION);

export function readProxySettings(pod: Pod, namespace: NamespaceContext, config: InjectorConfig): SettingsResult {
  const errors: AnnotationError[] = [];
  const podAnnotations = pod.metadata?.annotations ?? {};
  const namespaceAnnotations = namespace.metadata?.annotations ?? {};

  for (const [annotations, from] of [[podAnnotations, 'pod'], [namespaceAnnotations, 'namespace']] as const) {
    for (const key of Object.keys(annotations)) {
      if (key.startsWith(`${DOMAIN}/`) && !KNOWN_KEYS.includes(key)) {
        errors.push({ annotation: key, from, message: `unknown annotation${didYouMean(key, KNOWN_KEYS.filter((k) => !WRITTEN_BY_INJECTOR.includes(k)))}` });
      }
    }
  }

  const sourcesOf = (annotation: string): AnnotationSources => {
    const own = podAnnotations[annotation];
    const inherited = namespaceAnnotations[annotation];
    return {
      ...(own === undefined ? {} : { pod: { annotation, value: own, from: 'pod' as const } }),
      ...(inherited === undefined ? {} : { namespace: { annotation, value: inherited, from: 'namespace' as const } }),
    };
  };
  // The pod's own annotation wins over its namespace's default.
  const lookup = (annotation: string): AnnotationValue | undefined => {
    const { pod, namespace: inherited } = sourcesOf(annotation);
    return pod ?? inherited;
  };
  function read<T>(annotation: string, parse: (text: string) => Parsed<T>, fallback: T): T {
    const found = lookup(annotation);
    if (!found) return fallback;
    const parsed = parse(found.value.trim());
    if (parsed.ok) return parsed.value;
    errors.push({ annotation, from: found.from, message: parsed.problem });
    return fallback;
  }

  const defaults = config.proxy;
  const quantity = (text: string): Parsed<string> => {
    const parsed = parseQuantity(text);
    return parsed.ok ? { ok: true, value: text } : parsed;
  };
  const resources: Resources = {
    requests: {
      ...defaults.resources.requests,
      ...optional('cpu', read(ANNOTATION.proxyCpu, quantity, undefined)),
      ...optional('memory', read(ANNOTATION.proxyMemory, quantity, undefined)),
    },
    limits: {
      ...defaults.resources.limits,
      ...optional('cpu', read(ANNOTATION.proxyCpuLimit, quantity, undefined)),
      ...optional('memory', read(ANNOTATION.proxyMemoryLimit, quantity, undefined)),
    },
  };
  errors.push(...requestsWithinLimits(resources, lookup));

  const settings: ProxySettings = {
    image: read(ANNOTATION.proxyImage, parseImage, defaults.image),
    logLevel: read(ANNOTATION.logLevel, parseLogLevel, defaults.logLevel),
    resources,
    nativeSidecar: read(ANNOTATION.nativeSidecar, parseBoolean, defaults.nativeSidecar),
    holdApplication: read(ANNOTATION.holdApplication, parseBoolean, defaults.holdApplicationUntilProxyStarts),
    capture: {
      excludeInboundPorts: read(ANNOTATION.excludeInboundPorts, parsePortList, config.capture.excludeInboundPorts),
      excludeOutboundPorts: read(ANNOTATION.excludeOutboundPorts, parsePortList, config.capture.excludeOutboundPorts),
      excludeOutboundIpRanges: read(ANNOTATION.excludeOutboundIpRanges, (t) => parseCidrList(t, false), config.capture.excludeOutboundIpRanges),
      includeOutboundIpRanges: read(ANNOTATION.includeOutboundIpRanges, (t) => parseCidrList(t, true), config.capture.includeOutboundIpRanges),
    },
    routes: sourcesOf(ANNOTATION.routes),
  };
  return errors.length > 0 ? { ok: false, errors } : { ok: true, settings };
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, string>);
}

function parseLogLevel(text: string): Parsed<string> {
  const level = text === 'warn' ? 'warning' : text;
  return (ENVOY_LOG_LEVELS as readonly string[]).includes(level)
    ? { ok: true, value: level }
    : { ok: false, problem: `"${text}" is not an Envoy log level (one of ${ENVOY_LOG_LEVELS.join(', ')})` };
}

/** A request above its limit is refused by the API server with a message that
 * names neither the annotation nor the proxy: say it here, precisely. */
function requestsWithinLimits(resources: Resources, lookup: (a: string) => AnnotationValue | undefined): AnnotationError[] {
  const errors: AnnotationError[] = [];
  const pairs = [
    ['cpu', ANNOTATION.proxyCpu, ANNOTATION.proxyCpuLimit],
    ['memory', ANNOTATION.proxyMemory, ANNOTATION.proxyMemoryLimit],
  ] as const;
  for (const [resource, requestKey, limitKey] of pairs) {
    const request = resources.requests[resource];
    const limit = resources.limits[resource];
    if (request === undefined || limit === undefined) continue;
    const requestValue = parseQuantity(request);
    const limitValue = parseQuantity(limit);
    if (!requestValue.ok || !limitValue.ok || requestValue.value <= limitValue.value) continue;
    const blamed = lookup(requestKey) ?? lookup(limitKey);
    const limitSource = lookup(limitKey) ? limitKey : 'the default limit';
    errors.push({
      annotation: blamed?.annotation ?? requestKey,
      from: blamed?.from ?? 'pod',
      message: `the proxy's ${resource} request ${request} is above its limit ${limit} (from ${limitSource}): raise ${limitKey} or lower ${requestKey}`,
    });
  }
  return errors;
}
