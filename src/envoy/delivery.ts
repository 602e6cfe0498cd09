// How a proxy gets its listeners, routes and clusters: from the files of its
// envoy-config volume (kubelet rewrites them a minute or so after the pod's
// annotations change), or from the injector's ADS server (pushed within a
// second, and each Service target's endpoints from its EndpointSlices, so
// Envoy balances per request over the pods themselves). The documents are the
// same in both; only where each part is read from differs.
//
// Over xDS the bootstrap also carries a fallback: the outbound listener with
// the routes and clusters of the pod's annotations as they were rendered,
// inline, its clusters renamed `fallback|<name>` (a static cluster and a CDS
// one cannot share a name: Envoy skips the CDS one). It routes while no
// per-port listener has arrived over LDS: a proxy that cannot reach the
// control plane at start still routes as file mode would have at that moment.

import type { JsonObject } from '../model/json.js';
import { isPlainObject } from '../model/kubernetes.js';
import { CONFIG_FILES, TOKEN_FILE, TOKEN_MOUNT_PATH } from '../model/names.js';
import { FILE_ROUTING, type OutboundRouting } from './listeners.js';
import { OUTBOUND_ROUTE_CONFIG } from './route-config.js';
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

/** How long a starting proxy waits for its clusters, then for its listeners
 * (one after the other: Envoy initializes clusters first), before it starts
 * on the bootstrap's fallback — about 10 s in all when no replica answers.
 * What arrives later is applied then: new connections move to the per-port
 * listeners, those already open finish on the fallback. */
const ADS_START_WAIT = '5s';

const ADS_AT_START: JsonObject = { ...ADS_SOURCE, initial_fetch_timeout: ADS_START_WAIT };

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

/** Where the outbound HTTP chains read their RouteConfiguration. */
export function outboundRouting(delivery: ConfigDelivery): OutboundRouting {
  return delivery.kind === 'file' ? FILE_ROUTING : { rds: { route_config_name: OUTBOUND_ROUTE_CONFIG, config_source: ADS_SOURCE } };
}

const FALLBACK_PREFIX = 'fallback|';

/** The bootstrap's copy of a route target's cluster. */
function fallbackClusterName(name: string): string {
  return `${FALLBACK_PREFIX}${name}`;
}

/** A route target's cluster as the bootstrap's fallback holds it: as file
 * mode renders it (a Service on DNS), under its fallback name. */
export function fallbackCluster(cluster: JsonObject): JsonObject {
  const name = fallbackClusterName(typeof cluster.name === 'string' ? cluster.name : '');
  const renamed: JsonObject = { ...cluster, name };
  if (isPlainObject(cluster.load_assignment)) renamed.load_assignment = { ...cluster.load_assignment, cluster_name: name };
  return renamed;
}

/** The RouteConfiguration with every reference to one of the route targets'
 * `clusters` (a route's cluster, a weighted cluster, a mirror) turned to its
 * fallback name; the proxy's own clusters (passthrough) are left as they are. */
export function withFallbackClusters(routeConfiguration: JsonObject, clusters: readonly JsonObject[]): JsonObject {
  const targets = new Set(clusters.flatMap((cluster) => (typeof cluster.name === 'string' ? [cluster.name] : [])));
  const rename = (name: string): string => (targets.has(name) ? fallbackClusterName(name) : name);
  const action = (route: JsonObject): JsonObject => {
    const copy: JsonObject = { ...route };
    if (typeof route.cluster === 'string') copy.cluster = rename(route.cluster);
    if (isPlainObject(route.weighted_clusters) && Array.isArray(route.weighted_clusters.clusters)) {
      copy.weighted_clusters = {
        ...route.weighted_clusters,
        clusters: route.weighted_clusters.clusters.map((weighted) =>
          isPlainObject(weighted) && typeof weighted.name === 'string' ? { ...weighted, name: rename(weighted.name) } : weighted,
        ),
      };
    }
    if (Array.isArray(route.request_mirror_policies)) {
      copy.request_mirror_policies = route.request_mirror_policies.map((mirror) =>
        isPlainObject(mirror) && typeof mirror.cluster === 'string' ? { ...mirror, cluster: rename(mirror.cluster) } : mirror,
      );
    }
    return copy;
  };
  const hosts = Array.isArray(routeConfiguration.virtual_hosts) ? routeConfiguration.virtual_hosts : [];
  return {
    ...routeConfiguration,
    virtual_hosts: hosts.map((host) =>
      isPlainObject(host) && Array.isArray(host.routes)
        ? {
            ...host,
            routes: host.routes.map((route) => (isPlainObject(route) && isPlainObject(route.route) ? { ...route, route: action(route.route) } : route)),
          }
        : host,
    ),
  };
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
