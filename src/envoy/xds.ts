// The xDS vocabulary shared by the rendered documents: type URLs, typed
// extension configs, file-based config sources and discovery responses.

import { configFilePath, CONFIG_MOUNT_PATH } from '../model/names.js';
import type { JsonObject } from '../model/json.js';

export const TYPE = {
  cluster: 'envoy.config.cluster.v3.Cluster',
  listener: 'envoy.config.listener.v3.Listener',
  routeConfiguration: 'envoy.config.route.v3.RouteConfiguration',
  httpConnectionManager: 'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
  tcpProxy: 'envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy',
  originalDst: 'envoy.extensions.filters.listener.original_dst.v3.OriginalDst',
  router: 'envoy.extensions.filters.http.router.v3.Router',
  fault: 'envoy.extensions.filters.http.fault.v3.HTTPFault',
  stdoutAccessLog: 'envoy.extensions.access_loggers.stream.v3.StdoutAccessLog',
} as const;

export function typeUrl(typeName: string): string {
  return `type.googleapis.com/${typeName}`;
}

/** The resource types an ADS stream carries, by the names Envoy's docs and stats use. */
export const XDS_TYPE_URLS = {
  LDS: typeUrl(TYPE.listener),
  RDS: typeUrl(TYPE.routeConfiguration),
  CDS: typeUrl(TYPE.cluster),
  EDS: typeUrl('envoy.config.endpoint.v3.ClusterLoadAssignment'),
} as const;

export type XdsTypeName = keyof typeof XDS_TYPE_URLS;

/** LDS, RDS, CDS or EDS for a type URL; undefined for any other. */
export function xdsTypeName(url: string): XdsTypeName | undefined {
  return (Object.keys(XDS_TYPE_URLS) as XdsTypeName[]).find((name) => XDS_TYPE_URLS[name] === url);
}

export function typed(typeName: string, body: JsonObject = {}): JsonObject {
  return { '@type': typeUrl(typeName), ...body };
}

/** A config source read from a file of the envoy-config volume. Envoy watches
 * the directory, not the file: kubelet updates a downwardAPI volume by swapping
 * a `..data` symlink, which a watch on the file itself would miss. */
export function fileConfigSource(file: string): JsonObject {
  return {
    path_config_source: {
      path: configFilePath(file),
      watched_directory: { path: CONFIG_MOUNT_PATH },
    },
    resource_api_version: 'V3',
  };
}

export function discoveryResponse(typeName: string, resources: JsonObject[], versionInfo: string): JsonObject {
  return {
    version_info: versionInfo,
    type_url: typeUrl(typeName),
    resources: resources.map((resource) => typed(typeName, resource)),
  };
}

export function socketAddress(address: string, port: number): JsonObject {
  return { socket_address: { address, port_value: port } };
}
