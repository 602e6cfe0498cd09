// How a proxy gets its listeners, routes and clusters: from the files of its
// envoy-config volume (kubelet rewrites them a minute or so after the pod's
// annotations change), or from the injector's ADS server (pushed within a
// second, and each Service target's endpoints from its EndpointSlices, so
// Envoy balances per request over the pods themselves). The documents are the
// same in both; only where each part is read from differs.

import type { JsonObject } from '../model/json.js';
import { CONFIG_FILES, TOKEN_FILE, TOKEN_MOUNT_PATH } from '../model/names.js';
import { fileConfigSource } from './xds.js';

export type ConfigDelivery = { kind: 'file' } | { kind: 'xds'; address: string; port: number; caBundle: string };

export const FILE_DELIVERY: ConfigDelivery = { kind: 'file' };

/** Envoy's extension that reads a call credential from a file on every
 * (re)connection, so the kubelet-rotated token is the one sent
 * (source/extensions/grpc_credentials/file_based_metadata in Envoy: its
 * factory is chosen by credentials_factory_name, its config by from_plugin). */
const FILE_BASED_METADATA = 'envoy.grpc_credentials.file_based_metadata';

/** A resource of the aggregated stream. Routes and endpoints arrive after
 * the listener or cluster that names them, on the same stream. */
const ADS_SOURCE: JsonObject = { ads: {}, resource_api_version: 'V3' };

/** Listeners and clusters at start: Envoy waits for them, as Istio's and
 * Consul's bootstraps do, rather than starting (and reporting ready) with
 * none after the default 15 s — a proxy without its listeners would refuse
 * every connection the capture rules send it. */
const ADS_AT_START: JsonObject = { ...ADS_SOURCE, initial_fetch_timeout: '0s' };

function tokenPath(): string {
  return `${TOKEN_MOUNT_PATH}/${TOKEN_FILE}`;
}

/** The bootstrap's dynamic_resources. */
export function dynamicResources(delivery: ConfigDelivery): JsonObject {
  if (delivery.kind === 'file') return { lds_config: fileConfigSource(CONFIG_FILES.lds.file), cds_config: fileConfigSource(CONFIG_FILES.cds.file) };
  return {
    ads_config: {
      api_type: 'GRPC',
      transport_api_version: 'V3',
      // The node (its id, `<pod>.<namespace>`) goes in the first request only: the server keeps it per stream.
      set_node_on_first_message_only: true,
      grpc_services: [
        {
          google_grpc: {
            // The Service's DNS name: the serving certificate's SAN, checked against this CA alone.
            target_uri: `${delivery.address}:${delivery.port}`,
            stat_prefix: 'ads',
            channel_credentials: { ssl_credentials: { root_certs: { inline_string: delivery.caBundle } } },
            call_credentials: [
              {
                from_plugin: {
                  name: FILE_BASED_METADATA,
                  typed_config: {
                    '@type': 'type.googleapis.com/envoy.config.grpc_credential.v3.FileBasedMetadataConfig',
                    secret_data: { filename: tokenPath() },
                    header_key: 'authorization',
                    header_prefix: 'Bearer ',
                  },
                },
              },
            ],
            credentials_factory_name: FILE_BASED_METADATA,
          },
        },
      ],
    },
    lds_config: ADS_AT_START,
    cds_config: ADS_AT_START,
  };
}

/** Where the outbound listener's HTTP chains read their RouteConfiguration. */
export function routeConfigSource(delivery: ConfigDelivery): JsonObject {
  return delivery.kind === 'file' ? fileConfigSource(CONFIG_FILES.rds.file) : ADS_SOURCE;
}

/**
 * A route target's cluster as the proxy gets it. In file mode, as rendered:
 * a Service is a STRICT_DNS cluster on its name (its ClusterIP, so kube-proxy
 * picks a pod per connection). Over xDS, a Service's cluster is an EDS
 * cluster of the same name, whose endpoints the server takes from the
 * Service's EndpointSlices; the other fields (timeouts, balancing) stay.
 */
export function deliveredCluster(cluster: JsonObject, isService: boolean, delivery: ConfigDelivery): JsonObject {
  if (delivery.kind === 'file' || !isService) return cluster;
  const { load_assignment: _dnsEndpoints, dns_lookup_family: _family, type: _type, ...kept } = cluster;
  return { ...kept, type: 'EDS', eds_cluster_config: { eds_config: ADS_SOURCE } };
}
