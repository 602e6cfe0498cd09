// Which destination ports of a pod's outbound connections are routed as HTTP.
// Only those reach the HTTP connection manager and the pod's routes; every
// other port stays a TCP passthrough chosen before a byte is read, so
// server-first protocols (MySQL, SMTP) never wait on protocol detection.

import type { ServiceLookup, ServicePort } from '../model/lookups.js';
import { PROXY_PORT } from '../model/names.js';
import { serviceOfHost, splitDomain } from './domains.js';
import type { RouteTarget } from './targets.js';

export interface HttpPort {
  port: number;
  /** Why it is HTTP, e.g. "route target reviews-v1:9080", for explain. */
  origins: string[];
}

export interface HttpPortInputs {
  /** The configured defaults (proxy.outboundHttpPorts). */
  defaults: readonly number[];
  /** From envoy-injector.io/http-ports, with the annotation it came from. */
  annotated: { ports: readonly number[]; origin: string } | undefined;
  targets: readonly RouteTarget[];
  domains: readonly string[];
  podNamespace: string;
  clusterDomain: string;
  services: ServiceLookup | undefined;
  /** Never captured (exclude-outbound-ports): routes on them cannot apply. */
  excluded: readonly number[];
}

const HTTP_PROTOCOLS = ['http', 'http2', 'grpc', 'grpc-web', 'h2c'];

/** Origins kept per port: what explain shows of why a port is HTTP. */
const MAX_ORIGINS_SHOWN = 8;

/** Istio's convention, and Kubernetes' appProtocol: what a Service says is HTTP. */
export function isHttpServicePort(port: ServicePort): boolean {
  const appProtocol = port.appProtocol?.toLowerCase();
  if (appProtocol !== undefined) return HTTP_PROTOCOLS.includes(appProtocol) || appProtocol === 'kubernetes.io/h2c';
  const prefix = (port.name ?? '').toLowerCase().split('-')[0] ?? '';
  return HTTP_PROTOCOLS.includes(prefix);
}

function describePort(port: ServicePort): string {
  if (port.appProtocol !== undefined) return `appProtocol ${port.appProtocol}`;
  return port.name === undefined ? 'its only port' : `named ${port.name}`;
}

export function deriveHttpPorts(inputs: HttpPortInputs): { ports: HttpPort[]; warnings: string[] } {
  const origins = new Map<number, string[]>();
  // Explain names a few origins of a port: thousands of domains on one port
  // would make each add a scan of all the others.
  const add = (port: number, origin: string): void => {
    const list = origins.get(port) ?? [];
    if (list.length < MAX_ORIGINS_SHOWN && !list.includes(origin)) list.push(origin);
    origins.set(port, list);
  };
  for (const port of inputs.defaults) add(port, 'config proxy.outboundHttpPorts');
  for (const port of inputs.annotated?.ports ?? []) add(port, inputs.annotated?.origin ?? '');
  for (const target of inputs.targets) {
    if (target.kind === 'service') add(target.port, `route target ${target.name}.${target.namespace}:${target.port}`);
  }
  for (const domain of inputs.domains) {
    const { host, port } = splitDomain(domain);
    if (port !== undefined) add(port, `route domain ${domain}`);
    else for (const [servicePort, origin] of serviceHttpPorts(host, inputs)) add(servicePort, origin);
  }
  for (const target of inputs.targets) {
    if (target.kind !== 'service') continue;
    for (const [servicePort, origin] of serviceHttpPorts(target.name, { ...inputs, podNamespace: target.namespace })) add(servicePort, origin);
  }
  const warnings: string[] = [];
  const proxyPorts: readonly number[] = Object.values(PROXY_PORT);
  for (const [port, why] of origins) {
    if (inputs.excluded.includes(port) || proxyPorts.includes(port)) {
      origins.delete(port);
      if (!inputs.defaults.includes(port)) {
        const reason = proxyPorts.includes(port) ? "it is one of the proxy's own ports" : 'envoy-injector.io/exclude-outbound-ports keeps it out of the proxy';
        warnings.push(`port ${port} (${why.join(', ')}) is not routed as HTTP: ${reason}, so routes for it never apply`);
      }
    }
  }
  const ports = [...origins].map(([port, list]) => ({ port, origins: list })).sort((a, b) => a.port - b.port);
  return { ports, warnings };
}

/** Protocols Istio's port-name convention names that are not HTTP. */
const OTHER_PROTOCOLS = ['tcp', 'tls', 'https', 'udp', 'mongo', 'mysql', 'redis'];

/** The Service says its port carries something other than HTTP. */
function saysOtherProtocol(port: ServicePort): boolean {
  if (port.appProtocol !== undefined) return !isHttpServicePort(port);
  return OTHER_PROTOCOLS.includes((port.name ?? '').toLowerCase().split('-')[0] ?? '');
}

/** The ports of the Service a host names that are HTTP by the Service's own
 * word, or its only port unless it says otherwise: a route written for that
 * host clearly addresses it. */
function serviceHttpPorts(host: string, inputs: HttpPortInputs): Array<[number, string]> {
  const service = serviceOfHost(host, inputs.podNamespace, inputs.clusterDomain);
  const known = service ? inputs.services?.service(service.namespace, service.name) : undefined;
  if (!service || !known) return [];
  const onlyPort = known.ports.length === 1;
  return known.ports
    .filter((p) => isHttpServicePort(p) || (onlyPort && !saysOtherProtocol(p)))
    .map((p) => [p.port, `service ${service.namespace}/${service.name} port ${p.port} (${describePort(p)})`]);
}
