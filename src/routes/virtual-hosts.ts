// The rendered virtual hosts: the user's domains, plus what makes them mean
// what users write. Envoy matches the whole Host header, port included, so a
// domain written without a port also gets one entry per HTTP port of the pod
// ("reviews" matches "reviews:9080"), and a Service's short name also gets
// the other names a pod can call it by ("reviews.shop", "reviews.shop.svc",
// "reviews.shop.svc.cluster.local"). A domain someone wrote explicitly always
// wins over one the injector adds.

import type { JsonObject } from '../model/json.js';
import { isShortName, serviceHostNames, splitDomain } from './domains.js';
import type { PlannedHost } from './overrides.js';
import { quote } from '../syntax/quote.js';

export interface DomainContext {
  httpPorts: readonly number[];
  podNamespace: string;
  clusterDomain: string;
}

/** What the injector adds to one domain, without the domain itself: first
 * the domain on each HTTP port, then the Service's other names (with ports).
 * Written domains are claimed first, then these in this order, so a name
 * someone wrote outranks one the injector derived. */
export function addedDomains(domain: string, context: DomainContext): string[] {
  const [samePorts, otherNames] = addedInTwoRanks(domain, context);
  return [...samePorts, ...otherNames];
}

function addedInTwoRanks(domain: string, context: DomainContext): [string[], string[]] {
  const { host, port, wildcard } = splitDomain(domain);
  if (port !== undefined || wildcard === 'any') return [[], []];
  // "example.*" already matches any port: Envoy compares the prefix only.
  const withPorts = (name: string): string[] => (wildcard === 'prefix' ? [] : context.httpPorts.map((p) => `${name}:${p}`));
  const others = isShortName(host) ? serviceHostNames(host, context.podNamespace, context.clusterDomain).slice(1) : [];
  return [withPorts(host), others.flatMap((name) => [name, ...withPorts(name)])];
}

export function renderVirtualHosts(hosts: readonly PlannedHost[], context: DomainContext): { virtualHosts: JsonObject[]; warnings: string[] } {
  const owner = new Map<string, number>();
  const domains = hosts.map((host, index) => {
    for (const domain of host.domains) owner.set(domain.toLowerCase(), index);
    return [...host.domains];
  });
  const lostTo = hosts.map(() => new Map<number, string[]>());
  for (const rank of [0, 1] as const) {
    hosts.forEach((host, index) => {
      for (const added of host.domains.flatMap((domain) => addedInTwoRanks(domain, context)[rank])) {
        const key = added.toLowerCase();
        const claimedBy = owner.get(key);
        if (claimedBy === undefined) {
          owner.set(key, index);
          domains[index]?.push(added);
        } else if (claimedBy !== index) {
          const lost = lostTo[index];
          const names = lost?.get(claimedBy);
          if (names) names.push(added);
          else lost?.set(claimedBy, [added]);
        }
      }
    });
  }
  const warnings = hosts.flatMap((host, index) =>
    [...(lostTo[index] ?? new Map<number, string[]>())].map(([other, names]) => {
      const winner = hosts[other];
      return `${host.origin} (${host.name}) and ${winner?.origin ?? ''} (${winner?.name ?? ''}) both claim ${quoteList(names)}: requests for it go to ${winner?.name ?? ''}`;
    }),
  );
  return { virtualHosts: hosts.map((host, index) => ({ name: host.name, domains: domains[index] ?? [], routes: host.routes, ...host.settings })), warnings };
}

function quoteList(names: readonly string[]): string {
  const shown = names.slice(0, 3).map((n) => quote(n));
  return names.length > 3 ? `${shown.join(', ')} and ${names.length - 3} more` : shown.join(', ');
}
