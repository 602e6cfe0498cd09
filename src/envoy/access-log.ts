// Access logs on the proxy's stdout (`kubectl logs pod -c envoy`): does my
// traffic go through Envoy, and which route and cluster took it? HTTP chains
// log the request, its route and upstream; TCP chains the bytes and upstream.

import type { AccessLogFormat } from '../config/config.js';
import type { JsonObject } from '../model/json.js';
import { TYPE, typed } from './xds.js';

const FIELDS: Record<'http' | 'tcp', Record<string, string>> = {
  http: {
    start_time: '%START_TIME%',
    method: '%REQ(:METHOD)%',
    authority: '%REQ(:AUTHORITY)%',
    path: '%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%',
    status: '%RESPONSE_CODE%',
    route: '%ROUTE_NAME%',
    upstream_cluster: '%UPSTREAM_CLUSTER%',
    upstream_host: '%UPSTREAM_HOST%',
    duration_ms: '%DURATION%',
    response_flags: '%RESPONSE_FLAGS%',
  },
  tcp: {
    start_time: '%START_TIME%',
    upstream_cluster: '%UPSTREAM_CLUSTER%',
    upstream_host: '%UPSTREAM_HOST%',
    bytes_sent: '%BYTES_SENT%',
    bytes_received: '%BYTES_RECEIVED%',
    duration_ms: '%DURATION%',
    response_flags: '%RESPONSE_FLAGS%',
  },
};

const TEXT: Record<'http' | 'tcp', string> = {
  http: '[%START_TIME%] "%REQ(:METHOD)% %REQ(:AUTHORITY)%%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%" %RESPONSE_CODE% route=%ROUTE_NAME% upstream=%UPSTREAM_CLUSTER% %UPSTREAM_HOST% %DURATION%ms flags=%RESPONSE_FLAGS%\n',
  tcp: '[%START_TIME%] tcp upstream=%UPSTREAM_CLUSTER% %UPSTREAM_HOST% sent=%BYTES_SENT% received=%BYTES_RECEIVED% %DURATION%ms flags=%RESPONSE_FLAGS%\n',
};

/** The `access_log` field of an HTTP connection manager or a TCP proxy. */
export function accessLogs(format: AccessLogFormat, chain: 'http' | 'tcp'): JsonObject {
  if (format === 'off') return {};
  const logFormat: JsonObject = format === 'json' ? { json_format: FIELDS[chain] } : { text_format_source: { inline_string: TEXT[chain] } };
  return { access_log: [{ name: 'envoy.access_loggers.stdout', typed_config: typed(TYPE.stdoutAccessLog, { log_format: logFormat }) }] };
}
