// The proxy's access log as a user reads it (`kubectl logs -c envoy`): off
// means no logger at all; text is one line per request with what one needs
// to follow it; JSON carries the same facts as fields.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { accessLogs } from '../../src/envoy/access-log.js';

type Logged = {
  access_log: Array<{ name: string; typed_config: { log_format: { text_format_source?: { inline_string: string }; json_format?: Record<string, string> } } }>;
};

function format(kind: 'text' | 'json', chain: 'http' | 'tcp'): Logged['access_log'][number]['typed_config']['log_format'] {
  const logs = (accessLogs(kind, chain) as Logged).access_log;
  assert.equal(logs.length, 1);
  assert.equal(logs[0]?.name, 'envoy.access_loggers.stdout');
  return logs[0]?.typed_config.log_format ?? {};
}

describe('access logs', () => {
  it('off: no access_log field', () => {
    assert.deepEqual(accessLogs('off', 'http'), {});
    assert.deepEqual(accessLogs('off', 'tcp'), {});
  });

  it('text, HTTP: one line with the request, its answer, the route and the upstream', () => {
    const line = format('text', 'http').text_format_source?.inline_string ?? '';
    for (const field of [
      '%START_TIME%',
      '%REQ(:METHOD)%',
      '%REQ(:AUTHORITY)%',
      '%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%',
      '%RESPONSE_CODE%',
      'route=%ROUTE_NAME%',
      'upstream=%UPSTREAM_CLUSTER%',
      '%UPSTREAM_HOST%',
      '%DURATION%ms',
      'flags=%RESPONSE_FLAGS%',
    ]) {
      assert.ok(line.includes(field), `${field} in ${line}`);
    }
    // Envoy writes the format as it is: without the newline, lines run together.
    assert.ok(line.endsWith('\n'));
    assert.equal(line.indexOf('\n'), line.length - 1);
  });

  it('text, TCP: one line with the upstream and the bytes each way', () => {
    const line = format('text', 'tcp').text_format_source?.inline_string ?? '';
    for (const field of [
      '%START_TIME%',
      'tcp',
      'upstream=%UPSTREAM_CLUSTER%',
      '%UPSTREAM_HOST%',
      'sent=%BYTES_SENT%',
      'received=%BYTES_RECEIVED%',
      '%DURATION%ms',
      'flags=%RESPONSE_FLAGS%',
    ]) {
      assert.ok(line.includes(field), `${field} in ${line}`);
    }
    assert.ok(line.endsWith('\n'));
    assert.equal(line.indexOf('\n'), line.length - 1);
  });

  it('JSON: the same facts as fields, and no text format', () => {
    const http = format('json', 'http');
    assert.equal(http.text_format_source, undefined);
    assert.equal(http.json_format?.status, '%RESPONSE_CODE%');
    assert.equal(http.json_format?.upstream_cluster, '%UPSTREAM_CLUSTER%');
    const tcp = format('json', 'tcp');
    assert.equal(tcp.json_format?.bytes_sent, '%BYTES_SENT%');
    assert.equal(tcp.json_format?.bytes_received, '%BYTES_RECEIVED%');
  });
});
