// The size a pod's routing will render to, computed from the counts before
// anything is built. Domains multiply by HTTP ports (each domain gets a
// ":port" twin per port) and a Service's short name by its three other names;
// each HTTP port adds a filter chain to the listener. A few kilobytes of
// annotations can ask for millions of entries, so the product is bounded
// arithmetically, and refused with its numbers, before any list is built.

import { outboundBytesPerHttpPort } from '../envoy/listeners.js';
import type { IpFamily } from '../config/config.js';
import { KUBERNETES_LIMITS } from '../model/limits.js';
import { isShortName, serviceHostNames, splitDomain } from './domains.js';

export interface SizeInputs {
  /** Every domain as written, of every virtual host. */
  domains: readonly string[];
  httpPorts: readonly number[];
  podNamespace: string;
  clusterDomain: string;
  ipFamilies: readonly IpFamily[];
}

export interface RenderedSize {
  domainEntries: number;
  domainBytes: number;
  listenerBytes: number;
}

/** An upper bound of what renderVirtualHosts and the outbound listener will
 * write: the domains with every name and port they get (each quoted, with a
 * comma), and one filter chain per HTTP port. Linear in the domains. */
export function renderedRoutingSize(inputs: SizeInputs): RenderedSize {
  const ports = inputs.httpPorts.length;
  // ":8080" for each port: the text one name gains across all its port twins.
  const portSuffixBytes = inputs.httpPorts.reduce((sum, port) => sum + String(port).length + 1, 0);
  let domainEntries = 0;
  let domainBytes = 0;
  for (const domain of inputs.domains) {
    const { host, port, wildcard } = splitDomain(domain);
    if (port !== undefined || wildcard === 'any') {
      domainEntries += 1;
      domainBytes += domain.length + 3;
      continue;
    }
    const names = isShortName(host) ? serviceHostNames(host, inputs.podNamespace, inputs.clusterDomain) : [host];
    const twins = wildcard === 'prefix' ? 0 : ports;
    for (const name of names) {
      domainEntries += 1 + twins;
      domainBytes += (name.length + 3) * (1 + twins) + (twins > 0 ? portSuffixBytes : 0);
    }
  }
  return { domainEntries, domainBytes, listenerBytes: ports * outboundBytesPerHttpPort(inputs.ipFamilies, 'json') };
}

/** Why the routing cannot fit in a pod's annotations, with the numbers; or undefined. */
export function renderedSizeProblem(size: RenderedSize, httpPorts: number): string | undefined {
  const total = size.domainBytes + size.listenerBytes;
  if (total <= KUBERNETES_LIMITS.annotationBytes) return undefined;
  const kib = (bytes: number): string => (bytes / 1024).toFixed(1);
  return (
    `would render ${size.domainEntries} domain entries (${kib(size.domainBytes)} KiB: every domain once per HTTP port, and a Service's short name under its three other names) ` +
    `and ${httpPorts} HTTP ports (${kib(size.listenerBytes)} KiB of listener): ${kib(total)} KiB, over the ${kib(KUBERNETES_LIMITS.annotationBytes)} KiB Kubernetes allows ` +
    `for all of a pod's annotations: use fewer domains, domains with a port ("example.com:80"), or fewer envoy-injector.io/http-ports`
  );
}
