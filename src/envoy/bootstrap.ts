// The bootstrap: the listeners that never change (inbound, health, metrics)
// and the static clusters, admin on 127.0.0.1, and LDS and CDS from files of
// the envoy-config volume. The outbound listener lives in LDS because its HTTP
// ports follow the pod's routes, which change while the pod runs; Envoy never
// reloads the bootstrap itself. Over xDS, the bootstrap holds the outbound
// listener and its route targets' clusters as the fallback (delivery.ts).

import type { AccessLogFormat, IpFamily } from '../config/config.js';
import { PROXY_PORT } from '../model/names.js';
import type { JsonObject } from '../model/json.js';
import { staticClusters } from './clusters.js';
import { adminPathListener, inboundListener } from './listeners.js';
import { dynamicResources, type ConfigDelivery } from './delivery.js';
import { socketAddress } from './xds.js';

export interface BootstrapInput {
  /** `<workload>.<namespace>`: the pod name is unknown at admission for
   * generateName pods, so the sidecar passes --service-node at start. */
  serviceCluster: string;
  namespace: string;
  ipFamilies: readonly IpFamily[];
  accessLog: AccessLogFormat;
  delivery: ConfigDelivery;
  /** Over xDS: the outbound listener that routes until LDS brings the per-port ones, and its clusters. */
  fallback?: { listener: JsonObject; clusters: readonly JsonObject[] };
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
        inboundListener(input.ipFamilies, input.accessLog),
        adminPathListener('health', PROXY_PORT.health, READY_PATH, input.ipFamilies),
        adminPathListener('prometheus', PROXY_PORT.prometheus, PROMETHEUS_PATH, input.ipFamilies),
        ...(input.fallback ? [input.fallback.listener] : []),
      ],
      clusters: [...staticClusters(), ...(input.fallback?.clusters ?? [])],
    },
    dynamic_resources: dynamicResources(input.delivery),
  };
}
