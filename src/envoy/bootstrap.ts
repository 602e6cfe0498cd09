// The bootstrap: static listeners and clusters, admin on 127.0.0.1, and CDS
// from a file of the envoy-config volume (RDS is referenced by the listener).

import type { IpFamily } from '../config/config.js';
import { CONFIG_FILES, PROXY_PORT } from '../model/names.js';
import type { JsonObject } from '../model/json.js';
import { staticClusters } from './clusters.js';
import { adminPathListener, inboundListener, outboundListener } from './listeners.js';
import { fileConfigSource, socketAddress } from './xds.js';

export interface BootstrapInput {
  /** `<workload>.<namespace>`: the pod name is unknown at admission for
   * generateName pods, so the sidecar passes --service-node at start. */
  serviceCluster: string;
  namespace: string;
  outboundHttpPorts: readonly number[];
  ipFamilies: readonly IpFamily[];
}

export const READY_PATH = '/ready';
export const PROMETHEUS_PATH = '/stats/prometheus';

export function renderBootstrap(input: BootstrapInput): JsonObject {
  return {
    node: {
      id: input.serviceCluster,
      cluster: input.serviceCluster,
      metadata: { namespace: input.namespace, injector: 'envoy-injector' },
    },
    admin: { address: socketAddress('127.0.0.1', PROXY_PORT.admin) },
    static_resources: {
      listeners: [
        outboundListener(input.outboundHttpPorts, input.ipFamilies),
        inboundListener(input.ipFamilies),
        adminPathListener('health', PROXY_PORT.health, READY_PATH, input.ipFamilies),
        adminPathListener('prometheus', PROXY_PORT.prometheus, PROMETHEUS_PATH, input.ipFamilies),
      ],
      clusters: staticClusters(),
    },
    dynamic_resources: { cds_config: fileConfigSource(CONFIG_FILES.cds.file) },
  };
}
