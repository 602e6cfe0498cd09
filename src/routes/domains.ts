// A virtual host domain as Envoy reads it: a host, an optional port, and a
// wildcard at one end. And the names a pod can call a Service by, which the
// injector adds to a domain written as a Service's short name.

export type Wildcard = 'none' | 'suffix' | 'prefix' | 'any';

export interface DomainParts {
  /** Lowercased, without the port; for wildcards, with the "*". */
  host: string;
  port?: number;
  wildcard: Wildcard;
}

export function splitDomain(domain: string): DomainParts {
  const lower = domain.toLowerCase();
  const colon = lower.lastIndexOf(':');
  const portText = colon >= 0 ? lower.slice(colon + 1) : '';
  const hasPort = colon > 0 && /^\d{1,5}$/.test(portText);
  const host = hasPort ? lower.slice(0, colon) : lower;
  return { host, ...(hasPort ? { port: Number(portText) } : {}), wildcard: wildcardOf(host) };
}

function wildcardOf(host: string): Wildcard {
  if (host === '*') return 'any';
  if (host.startsWith('*')) return 'suffix';
  if (host.endsWith('*')) return 'prefix';
  return 'none';
}

/** A single DNS label ("reviews"): in a pod, the short name of a Service of its namespace. */
export function isShortName(host: string): boolean {
  return host.length > 0 && !host.includes('.') && !host.includes('*');
}

/** How a pod can call Service `name` of `namespace`, shortest first. */
export function serviceHostNames(name: string, namespace: string, clusterDomain: string): string[] {
  return [name, `${name}.${namespace}`, `${name}.${namespace}.svc`, `${name}.${namespace}.svc.${clusterDomain}`];
}

/** The Service a host name can mean from a pod of `podNamespace`: `svc`,
 * `svc.ns`, `svc.ns.svc` or `svc.ns.svc.<cluster domain>`. */
export function serviceOfHost(host: string, podNamespace: string, clusterDomain: string): { name: string; namespace: string } | undefined {
  const labels = host.split('.');
  const [name, namespace] = labels;
  if (name === undefined || name === '' || host.includes('*')) return undefined;
  if (labels.length === 1) return { name, namespace: podNamespace };
  if (namespace === undefined || namespace === '') return undefined;
  const rest = labels.slice(2).join('.');
  if (rest === '' || rest === 'svc' || rest === `svc.${clusterDomain}`) return { name, namespace };
  return undefined;
}
