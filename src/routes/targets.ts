// Route targets: a Kubernetes Service named `svc`, `svc:port`, `svc.ns` or
// `svc.ns:port`, turned into an Envoy cluster. Anything else (raw IPs, hosts
// outside the cluster) is refused unless the config allows external hosts,
// so a pod's annotation cannot point its proxy wherever it likes.

import { isIP } from 'node:net';
import { socketAddress } from '../envoy/xds.js';
import type { JsonObject } from '../model/json.js';
import type { ServiceLookup } from '../model/lookups.js';
import { failed, ok, type Result } from '../model/result.js';
import { quote } from '../syntax/quote.js';

export type RouteTarget =
  { kind: 'service'; name: string; namespace: string; port: number; portGiven: boolean } | { kind: 'external'; host: string; port: number };

const DNS_LABEL = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;
const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const HOSTNAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$/;
const DEFAULT_SERVICE_PORT = 80;

export interface TargetOptions {
  podNamespace: string;
  allowExternalHosts: boolean;
  services?: ServiceLookup;
}

const FORMS = 'svc, svc:port, svc.ns or svc.ns:port';

function splitPort(text: string): { host: string; port?: number; badPort?: string } {
  const ipv6 = /^\[(.+)\]:(\d+)$/.exec(text);
  if (ipv6) return { host: ipv6[1] ?? '', port: Number(ipv6[2]) };
  if (isIP(text) === 6) return { host: text };
  const colon = text.lastIndexOf(':');
  if (colon < 0) return { host: text };
  const portText = text.slice(colon + 1);
  const port = Number(portText);
  if (!/^\d{1,5}$/.test(portText) || port < 1 || port > 65535) return { host: text.slice(0, colon), badPort: portText };
  return { host: text.slice(0, colon), port };
}

export function parseRouteTarget(text: string, options: TargetOptions): Result<RouteTarget> {
  const { host, port, badPort } = splitPort(text);
  if (badPort !== undefined) return failed(`${quote(badPort)} in ${quote(text)} is not a port number (1-65535); named ports are not supported`);
  const labels = host.split('.');
  const isService = labels.length <= 2 && !isIP(host);
  if (!isService) {
    if (!options.allowExternalHosts) {
      return failed(
        `${quote(text)} is not a Kubernetes service (${FORMS}): raw IPs and hosts outside the cluster are refused unless the injector config sets routes.allowExternalHosts`,
      );
    }
    if (port === undefined) return failed(`external host ${quote(text)} needs a port, e.g. ${isIP(host) === 6 ? `[${host}]` : host}:443`);
    if (!isIP(host) && !HOSTNAME.test(host)) return failed(`${quote(host)} is not a host name`);
    return ok({ kind: 'external', host, port });
  }
  const [name = '', namespace = options.podNamespace] = labels;
  if (!DNS_LABEL.test(name)) {
    return failed(
      `${quote(name)} is not a valid service name (lowercase letters, digits and "-", starting with a letter, at most 63 characters); write ${FORMS}`,
    );
  }
  if (!NAMESPACE.test(namespace)) return failed(`${quote(namespace)} is not a valid namespace name`);
  if (port !== undefined) return ok({ kind: 'service', name, namespace, port, portGiven: true });
  const known = options.services?.service(namespace, name);
  const knownPorts = known?.ports.map((p) => p.port) ?? [];
  if (knownPorts.length > 1) {
    return failed(
      `service ${namespace}/${name} has several ports (${knownPorts.join(', ')}): name one, e.g. ${name}${namespace === options.podNamespace ? '' : `.${namespace}`}:${knownPorts[0]}`,
    );
  }
  return ok({ kind: 'service', name, namespace, port: knownPorts[0] ?? DEFAULT_SERVICE_PORT, portGiven: false });
}

/** A sentence when the target is not (yet) in the cluster: admitted, but said. */
export function targetWarning(target: RouteTarget, services: ServiceLookup | undefined): string | undefined {
  if (target.kind !== 'service' || !services) return undefined;
  const known = services.service(target.namespace, target.name);
  if (!known)
    return services.partial === true
      ? undefined
      : `service ${target.namespace}/${target.name} does not exist (yet): requests routed to it fail with 503 until it does`;
  const ports = known.ports.map((p) => p.port);
  if (target.portGiven && !ports.includes(target.port)) {
    return `service ${target.namespace}/${target.name} has no port ${target.port} (its ports: ${ports.join(', ') || 'none'})`;
  }
  return undefined;
}

export function clusterName(target: RouteTarget): string {
  return target.kind === 'service' ? `${target.name}.${target.namespace}:${target.port}` : `external:${target.host}:${target.port}`;
}

export function renderCluster(target: RouteTarget, clusterDomain: string): JsonObject {
  const name = clusterName(target);
  const address = target.kind === 'service' ? `${target.name}.${target.namespace}.svc.${clusterDomain}` : target.host;
  return {
    name,
    // A Service name resolves to its ClusterIP; re-resolved so a recreated
    // Service is followed without touching the pod.
    type: isIP(address) ? 'STATIC' : 'STRICT_DNS',
    connect_timeout: '5s',
    dns_lookup_family: 'V4_PREFERRED',
    load_assignment: {
      cluster_name: name,
      endpoints: [{ lb_endpoints: [{ endpoint: { address: socketAddress(address, target.port) } }] }],
    },
  };
}
