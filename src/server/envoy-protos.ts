// Envoy's own v3 protos, as the ADS server needs them: ads.proto for the
// service, and the message types of every resource and typed config it sends,
// to encode each resource as Envoy will decode it. They ship with
// @grpc/grpc-js-xds (its deps/ folder: envoy-api, xds, googleapis,
// protoc-gen-validate); loaded once, at `serve --xds-port` start.

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import protobuf from 'protobufjs';

const require = createRequire(import.meta.url);

/** Where envoy/service/discovery/v3/ads.proto and what it imports are. */
export function envoyProtoIncludeDirs(): string[] {
  const deps = join(dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');
  return ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((dir) => join(deps, dir));
}

/** The types the served documents use: the four resources and the typed
 * configs inside them (envoy/listeners.ts, access-log.ts, routes/cluster-settings.ts). */
export const SERVED_PROTO_FILES: readonly string[] = [
  'envoy/config/listener/v3/listener.proto',
  'envoy/config/route/v3/route.proto',
  'envoy/config/cluster/v3/cluster.proto',
  'envoy/config/endpoint/v3/endpoint.proto',
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/filters/network/tcp_proxy/v3/tcp_proxy.proto',
  'envoy/extensions/filters/listener/original_dst/v3/original_dst.proto',
  'envoy/extensions/filters/http/router/v3/router.proto',
  'envoy/extensions/filters/http/fault/v3/fault.proto',
  'envoy/extensions/access_loggers/stream/v3/stream.proto',
  'envoy/extensions/upstreams/http/v3/http_protocol_options.proto',
];

/** A protobufjs Root of `files`, field names as written in the protos. */
export function loadEnvoyProtos(files: readonly string[], includeDirs: readonly string[] = envoyProtoIncludeDirs()): protobuf.Root {
  // google/protobuf/descriptor.proto (custom options) comes with protobufjs itself.
  const dirs = [...includeDirs, dirname(require.resolve('protobufjs/package.json'))];
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => dirs.map((dir) => join(dir, target)).find((candidate) => existsSync(candidate)) ?? target;
  root.loadSync([...files], { keepCase: true });
  root.resolveAll();
  return root;
}
