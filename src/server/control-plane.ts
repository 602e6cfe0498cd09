// The control plane of `serve --xds-port`: the ADS server (xds-server.ts) fed
// by the cluster (xds-source.ts: xds-mode pods, EndpointSlices, Services),
// over TLS with the webhook's own serving certificate (reloaded with it),
// every event logged and counted. The cluster itself is reached through the
// small interfaces below, which cli/serve.ts fills with the real watches.

import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { Pod } from '../model/kubernetes.js';
import type { ServiceLookup } from '../model/lookups.js';
import { serviceKey } from '../envoy/endpoint-snapshot.js';
import type { ProxySync } from '../envoy/ads-stream.js';
import { xdsTypeName } from '../envoy/xds.js';
import { startXdsServer, type XdsEvent } from './xds-server.js';
import { ClusterXdsSource, type Sink } from './xds-source.js';
import { envoyProtoIncludeDirs, loadEnvoyProtos, SERVED_PROTO_FILES } from './envoy-protos.js';
import type { WebhookMetrics } from './metrics.js';
import { TLS_SETTINGS, type KeyPair } from './tls.js';

export interface ControlPlaneCluster {
  services: ServiceLookup;
  onServiceChange(changed: (namespace: string, name: string) => void): () => void;
  reviewToken(token: string): Promise<unknown>;
  watchPods(sink: Sink<Pod>): { stop(): void };
  watchEndpointSlices(sink: Sink<unknown>): { stop(): void };
}

export interface ControlPlaneOptions {
  address: string;
  port: number;
  certificate: KeyPair;
  cluster: ControlPlaneCluster;
  metrics: WebhookMetrics;
  log: Logger;
  debounceMs?: number;
}

export interface ControlPlane {
  port: number;
  /** A renewed serving certificate: new connections use it. */
  reload(pair: KeyPair): void;
  sync(): ProxySync[];
  close(): Promise<void>;
}

/** Server credentials whose certificate can be replaced while serving:
 * grpc-js gives every secure server a watcher of its credentials' context. */
class ReloadableCredentials extends grpc.ServerCredentials {
  constructor(pair: KeyPair) {
    super({ minVersion: TLS_SETTINGS.minVersion, ciphers: TLS_SETTINGS.ciphers }, { cert: pair.cert, key: pair.key });
  }
  reload(pair: KeyPair): void {
    this.updateSecureContextOptions({ cert: pair.cert, key: pair.key });
  }
  _equals(other: grpc.ServerCredentials): boolean {
    return other === this;
  }
}

export async function startControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  const { cluster, metrics, log } = options;
  const source = new ClusterXdsSource(cluster.services, options.debounceMs);
  const stopServices = cluster.onServiceChange((namespace, name) => source.serviceChanged(serviceKey(namespace, name)));
  const pods = cluster.watchPods(source.podSink());
  const slices = cluster.watchEndpointSlices(source.sliceSink());
  const credentials = new ReloadableCredentials(options.certificate);
  metrics.trackXds(() => source.connected());
  const onEvent = (event: XdsEvent): void => {
    switch (event.kind) {
      case 'push':
        metrics.recordXdsPush(xdsTypeName(event.typeUrl) ?? 'other', event.latencyMs === undefined ? undefined : event.latencyMs / 1000);
        log.debug({ pod: event.pod, type: xdsTypeName(event.typeUrl), version: event.detail }, 'xds push');
        break;
      case 'nack':
        metrics.recordXdsNack(xdsTypeName(event.typeUrl) ?? 'other');
        // The proxy's own words, cut: it keeps its last good config.
        log.warn({ pod: event.pod, type: xdsTypeName(event.typeUrl), error: event.detail.slice(0, 500) }, 'a proxy refused its config (NACK)');
        break;
      case 'refused':
        metrics.recordXdsRefused(event.code);
        log.warn({ code: event.code, reason: event.message.slice(0, 300) }, 'xds stream refused');
        break;
      case 'connected':
      case 'disconnected':
        log.debug({ pod: event.pod }, `proxy ${event.kind}`);
        break;
      case 'ack':
        break;
    }
  };
  const server = await startXdsServer(
    {
      protoIncludeDirs: envoyProtoIncludeDirs(),
      resourceTypes: loadEnvoyProtos(SERVED_PROTO_FILES),
      credentials,
      reviewToken: (token) => cluster.reviewToken(token),
      source,
      onEvent,
    },
    options.address,
    options.port,
  );
  log.info(`xDS (ADS) listening at ${options.address}:${server.port}`);
  return {
    port: server.port,
    reload: (pair) => credentials.reload(pair),
    sync: () => server.sync(),
    close: async () => {
      stopServices();
      pods.stop();
      slices.stop();
      source.stop();
      await server.close();
    },
  };
}
