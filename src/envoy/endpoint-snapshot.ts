// The EDS snapshot of one proxy: a ClusterLoadAssignment for each of its EDS
// clusters (its route targets that are Kubernetes Services, named
// `<service>.<namespace>:<port>`), from the Service's EndpointSlices. The
// cluster names the Service port by number, as users write it; the slices
// name it by the Service port's name, so the Service says which is which —
// as kube-proxy reads them. Pure: the proxy's clusters, the slices and the
// Services in, the snapshot out.

import type { JsonObject } from '../model/json.js';
import type { ServiceLookup } from '../model/lookups.js';
import type { TypeSnapshot } from './ads-stream.js';
import { loadAssignment, servedEndpoints } from './endpoints.js';
import { sha256 } from './render.js';
import { typed } from './xds.js';

export interface ServiceCluster {
  cluster: string;
  service: string;
  namespace: string;
  port: number;
}

/** `<service>.<namespace>:<port>`, as routes/targets.ts names a Service's cluster. */
const SERVICE_CLUSTER = /^([a-z]([-a-z0-9]{0,61}[a-z0-9])?)\.([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?):(\d{1,5})$/;

/** The EDS clusters among a CDS snapshot's resources, each read back to its Service. */
export function serviceClusters(cds: TypeSnapshot | undefined): ServiceCluster[] {
  const found: ServiceCluster[] = [];
  for (const cluster of cds?.resources ?? []) {
    if (cluster.type !== 'EDS' || typeof cluster.name !== 'string') continue;
    const match = SERVICE_CLUSTER.exec(cluster.name);
    if (!match) continue;
    found.push({ cluster: cluster.name, service: match[1] ?? '', namespace: match[3] ?? '', port: Number(match[5]) });
  }
  return found;
}

/** `<namespace>/<service>`: how slices and proxies are indexed by Service. */
export function serviceKey(namespace: string, service: string): string {
  return `${namespace}/${service}`;
}

export interface EndpointInputs {
  /** The EndpointSlices of one Service. */
  slicesOf(namespace: string, service: string): readonly unknown[];
  services: ServiceLookup;
}

/**
 * One assignment per cluster. A Service the injector does not know (yet)
 * has no endpoints: Envoy answers 503 for it rather than guessing a port.
 * Its version is the hash of its content, so an unrelated change elsewhere
 * in the cluster is never a push.
 */
export function endpointSnapshot(clusters: readonly ServiceCluster[], inputs: EndpointInputs): TypeSnapshot & { dropped: number } {
  let dropped = 0;
  const resources: JsonObject[] = clusters.map(({ cluster, service, namespace, port }) => {
    const servicePort = inputs.services.service(namespace, service)?.ports.find((p) => p.port === port);
    const endpoints = servicePort === undefined ? [] : servedEndpoints(inputs.slicesOf(namespace, service), service, servicePort.name ?? '');
    const assignment = loadAssignment(cluster, endpoints);
    dropped += assignment.dropped;
    return typed('envoy.config.endpoint.v3.ClusterLoadAssignment', assignment.assignment);
  });
  return { version: sha256(JSON.stringify(resources)).slice(0, 16), resources, dropped };
}
