// The injector's configuration: embedded defaults, overlaid by an optional
// YAML file, validated once at start with one error that lists every problem.

import { isPlainObject } from '../model/kubernetes.js';
import { PROXY_PORT } from '../model/names.js';
import { failed, ProblemList, type Result } from '../model/result.js';
import { didYouMean } from '../syntax/did-you-mean.js';
import { checkCidrList, isPort, parseImage, parseLogLevel, parseQuantity } from '../syntax/values.js';

export type InjectionPolicy = 'enabled' | 'disabled';
export type PodSecurityAction = 'skip' | 'fail';
export type IpFamily = 'IPv4' | 'IPv6';
export type AccessLogFormat = 'off' | 'text' | 'json';
export const ACCESS_LOG_FORMATS: readonly AccessLogFormat[] = ['off', 'text', 'json'];
/** Where a proxy reads its listeners, routes and clusters: the rendered files
 * of its envoy-config volume, or the injector's ADS server (live). */
export type ConfigSource = 'file' | 'xds';
export const CONFIG_SOURCES: readonly ConfigSource[] = ['file', 'xds'];
/** Who installs a pod's capture rules: its envoy-init container (root, NET_ADMIN
 * and NET_RAW), or the node's chained CNI plugin (the pod needs no privilege). */
export type CaptureMode = 'init' | 'cni';
export const CAPTURE_MODES: readonly CaptureMode[] = ['init', 'cni'];
/** More workers than this would only cost memory: a sidecar serves one pod. */
export const MAX_PROXY_CONCURRENCY = 64;
/** A drain longer than this holds a pod's termination for no gain. */
export const MAX_DRAIN_SECONDS = 600;

export interface ResourceList {
  cpu?: string;
  memory?: string;
}

export interface Resources {
  requests: ResourceList;
  limits: ResourceList;
}

/** Which connections envoy-init redirects to the proxy: the config's defaults,
 * which a pod's annotations replace one by one. */
export interface CaptureSettings {
  excludeInboundPorts: number[];
  excludeOutboundPorts: number[];
  excludeOutboundIpRanges: string[];
  includeOutboundIpRanges: string[];
}

export interface InjectorConfig {
  /** The injector's own namespace: never injected. */
  injectorNamespace: string;
  /** enabled: pods of enrolled namespaces are injected unless they opt out.
   * disabled: they must opt in with envoy-injector.io/inject: "true". */
  policy: InjectionPolicy;
  clusterDomain: string;
  proxy: {
    image: string;
    logLevel: string;
    resources: Resources;
    nativeSidecar: boolean;
    holdApplicationUntilProxyStarts: boolean;
    /** How long a held application waits for Envoy before the postStart hook fails. */
    holdTimeoutSeconds: number;
    /** Destination ports whose outbound connections are treated as HTTP (routable). */
    outboundHttpPorts: number[];
    ipFamilies: IpFamily[];
    /** Envoy's worker threads; 0 derives them from the proxy's CPU request. */
    concurrency: number;
    /** How long the proxy drains its listeners when the pod stops. */
    drainSeconds: number;
    accessLog: AccessLogFormat;
    configSource: ConfigSource;
  };
  /** The injector's ADS server, as proxies in xds mode reach it. */
  xds: {
    /** Host name the proxies dial and check the serving certificate against (its SAN). */
    address: string;
    port: number;
    /** PEM of the CA that signed the serving certificate; the proxies trust it
     * alone. Empty: this injector serves no xDS, and pods that ask for it get
     * file mode with a warning. `serve --xds-port` fills it from the cert dir's ca.crt. */
    caBundle: string;
  };
  init: {
    image: string;
    resources: Resources;
  };
  capture: CaptureSettings & {
    /** The default capture mode of a pod (its annotation and its namespace's win). */
    mode: CaptureMode;
    /** The envoy-injector CNI plugin runs on every node (manifests/cni): cni mode
     * is allowed, and chosen for namespaces whose Pod Security forbids envoy-init. */
    cniInstalled: boolean;
  };
  routes: {
    /** Let route overrides target raw IPs and hosts outside the cluster. */
    allowExternalHosts: boolean;
  };
  /** What to do with pods of namespaces whose Pod Security level forbids envoy-init. */
  podSecurity: PodSecurityAction;
}

export const DEFAULT_CONFIG: InjectorConfig = {
  injectorNamespace: 'envoy-injector',
  policy: 'enabled',
  clusterDomain: 'cluster.local',
  proxy: {
    image: 'envoyproxy/envoy:v1.36.6',
    logLevel: 'warning',
    resources: {
      requests: { cpu: '100m', memory: '128Mi' },
      limits: { cpu: '2', memory: '1Gi' },
    },
    nativeSidecar: true,
    holdApplicationUntilProxyStarts: false,
    holdTimeoutSeconds: 120,
    outboundHttpPorts: [80, 8080],
    ipFamilies: ['IPv4', 'IPv6'],
    concurrency: 0,
    drainSeconds: 5,
    accessLog: 'off',
    // Not xds: with it a pod's proxy needs the control plane to start (docs/operations.md).
    configSource: 'file',
  },
  xds: { address: 'envoy-injector.envoy-injector.svc', port: 15012, caBundle: '' },
  init: {
    image: 'envoy-injector/envoy-init:0.1.0',
    resources: {
      requests: { cpu: '10m', memory: '16Mi' },
      limits: { cpu: '100m', memory: '64Mi' },
    },
  },
  capture: {
    excludeInboundPorts: [],
    excludeOutboundPorts: [],
    excludeOutboundIpRanges: [],
    includeOutboundIpRanges: ['*'],
    mode: 'init',
    cniInstalled: false,
  },
  routes: { allowExternalHosts: false },
  podSecurity: 'skip',
};

/** Overlays `raw` (parsed YAML) on the defaults. Unknown keys are problems, not
 * silently ignored: a typo in a config file must not turn into a default. */
export function parseConfig(raw: unknown): Result<InjectorConfig> {
  const problems = new ProblemList();
  const config = structuredClone(DEFAULT_CONFIG);
  if (raw === null || raw === undefined) return problems.result(config);
  if (!isPlainObject(raw)) problems.add('the configuration must be a mapping');
  else {
    overlay(config as unknown as Record<string, unknown>, raw, '', problems);
    checkValues(config, problems);
  }
  return problems.result(config);
}

function overlay(target: Record<string, unknown>, source: Record<string, unknown>, path: string, problems: ProblemList): void {
  for (const [key, value] of Object.entries(source)) {
    const where = path ? `${path}.${key}` : key;
    if (!(key in target)) {
      problems.add(`${where}: unknown setting${didYouMean(key, Object.keys(target))}`);
      continue;
    }
    const current = target[key];
    if (isPlainObject(current)) {
      // A resource list is replaced whole (a limit may be dropped); other mappings merge.
      const replace = isResourceList(where);
      if (!isPlainObject(value)) problems.add(`${where}: expected a mapping${replace ? ' with cpu and/or memory' : ''}`);
      else if (replace) target[key] = value;
      else overlay(current, value, where, problems);
    } else if (Array.isArray(current)) {
      if (!Array.isArray(value)) problems.add(`${where}: expected a list`);
      else target[key] = value;
    } else if (typeof current !== typeof value) {
      problems.add(`${where}: expected a ${typeof current}, got ${JSON.stringify(value)}`);
    } else {
      target[key] = value;
    }
  }
}

/** DNS names of labels, as a Service's DNS name is (at most 253 characters). */
const XDS_HOST = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/;

function isResourceList(path: string): boolean {
  return /\.resources\.(requests|limits)$/.test(path);
}

function checkValues(c: InjectorConfig, problems: ProblemList): void {
  if (!['enabled', 'disabled'].includes(c.policy)) problems.add(`policy: must be enabled or disabled, got ${JSON.stringify(c.policy)}`);
  if (!['skip', 'fail'].includes(c.podSecurity)) problems.add(`podSecurity: must be skip or fail, got ${JSON.stringify(c.podSecurity)}`);
  const logLevel = parseLogLevel(c.proxy.logLevel);
  if (logLevel.ok) c.proxy.logLevel = logLevel.value;
  else problems.add(...logLevel.problems.map((p) => `proxy.logLevel: ${p}`));
  for (const [where, image] of [
    ['proxy.image', c.proxy.image],
    ['init.image', c.init.image],
  ] as const) {
    const parsed = parseImage(image);
    if (!parsed.ok) problems.add(...parsed.problems.map((p) => `${where}: ${p}`));
  }
  for (const [where, resources] of [
    ['proxy.resources', c.proxy.resources],
    ['init.resources', c.init.resources],
  ] as const) {
    for (const kind of ['requests', 'limits'] as const) {
      for (const [name, quantity] of Object.entries(resources[kind])) {
        if (name !== 'cpu' && name !== 'memory') problems.add(`${where}.${kind}.${name}: only cpu and memory are set on the proxy`);
        else if (typeof quantity !== 'string' || !parseQuantity(quantity).ok)
          problems.add(`${where}.${kind}.${name}: ${JSON.stringify(quantity)} is not a Kubernetes quantity (e.g. 100m, 128Mi)`);
      }
    }
    // The API server refuses a container whose request exceeds its limit:
    // every injected pod would be refused, each blaming nothing it set.
    for (const name of ['cpu', 'memory'] as const) {
      const [request, limit] = [resources.requests[name], resources.limits[name]];
      if (typeof request !== 'string' || typeof limit !== 'string') continue;
      const [requestValue, limitValue] = [parseQuantity(request), parseQuantity(limit)];
      if (requestValue.ok && limitValue.ok && requestValue.value > limitValue.value) {
        problems.add(`${where}.requests.${name}: ${request} is above ${where}.limits.${name} ${limit}`);
      }
    }
  }
  if (!(Number.isInteger(c.proxy.concurrency) && c.proxy.concurrency >= 0 && c.proxy.concurrency <= MAX_PROXY_CONCURRENCY)) {
    problems.add(`proxy.concurrency: a whole number from 0 (derive it from the CPU request) to ${MAX_PROXY_CONCURRENCY}`);
  }
  if (!(Number.isInteger(c.proxy.drainSeconds) && c.proxy.drainSeconds >= 0 && c.proxy.drainSeconds <= MAX_DRAIN_SECONDS)) {
    problems.add(`proxy.drainSeconds: a whole number of seconds from 0 to ${MAX_DRAIN_SECONDS}`);
  }
  if (!ACCESS_LOG_FORMATS.includes(c.proxy.accessLog)) problems.add(`proxy.accessLog: one of ${ACCESS_LOG_FORMATS.join(', ')}`);
  if (!CONFIG_SOURCES.includes(c.proxy.configSource)) problems.add(`proxy.configSource: one of ${CONFIG_SOURCES.join(', ')}`);
  if (!CAPTURE_MODES.includes(c.capture.mode)) problems.add(`capture.mode: one of ${CAPTURE_MODES.join(', ')}`);
  else if (c.capture.mode === 'cni' && !c.capture.cniInstalled)
    problems.add('capture.mode: cni needs capture.cniInstalled: true (the envoy-injector CNI plugin on every node, manifests/cni)');
  if (!XDS_HOST.test(c.xds.address)) problems.add(`xds.address: ${JSON.stringify(c.xds.address.slice(0, 80))} is not a host name`);
  if (!isPort(c.xds.port)) problems.add(`xds.port: ${JSON.stringify(c.xds.port)} is not a port (1-65535)`);
  if (c.xds.caBundle !== '' && !c.xds.caBundle.trimStart().startsWith('-----BEGIN CERTIFICATE-----'))
    problems.add('xds.caBundle: a PEM certificate ("-----BEGIN CERTIFICATE-----"), or empty when this injector serves no xDS');
  if (!(c.proxy.holdTimeoutSeconds >= 1 && Number.isInteger(c.proxy.holdTimeoutSeconds)))
    problems.add('proxy.holdTimeoutSeconds: must be a whole number of seconds ≥ 1');
  if (c.proxy.ipFamilies.length === 0 || c.proxy.ipFamilies.some((f: string) => f !== 'IPv4' && f !== 'IPv6'))
    problems.add('proxy.ipFamilies: a non-empty list of IPv4 and/or IPv6');
  const portLists: Array<[string, unknown[]]> = [
    ['proxy.outboundHttpPorts', c.proxy.outboundHttpPorts],
    ['capture.excludeInboundPorts', c.capture.excludeInboundPorts],
    ['capture.excludeOutboundPorts', c.capture.excludeOutboundPorts],
  ];
  for (const [where, list] of portLists) {
    for (const port of list) {
      if (!isPort(port)) problems.add(`${where}: ${JSON.stringify(port)} is not a port (1-65535)`);
    }
  }
  const proxyPorts: number[] = Object.values(PROXY_PORT);
  for (const port of c.proxy.outboundHttpPorts) {
    if (proxyPorts.includes(port)) problems.add(`proxy.outboundHttpPorts: ${port} is one of the proxy's own ports (${proxyPorts.join(', ')})`);
  }
  for (const [where, list, wildcard] of [
    ['capture.excludeOutboundIpRanges', c.capture.excludeOutboundIpRanges, false],
    ['capture.includeOutboundIpRanges', c.capture.includeOutboundIpRanges, true],
  ] as const) {
    const checked = list.every((range) => typeof range === 'string')
      ? checkCidrList(list, wildcard)
      : failed(`expected a list of CIDR ranges${wildcard ? ' or "*"' : ''}`);
    if (!checked.ok) problems.add(...checked.problems.map((p) => `${where}: ${p}`));
  }
}
