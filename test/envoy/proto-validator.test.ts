// The strict validator must itself be strict: each kind of mistake that
// protobufjs' own verify() lets through is caught here.

import { FILE_DELIVERY } from '../../src/envoy/delivery.js';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_CONFIG } from '../../src/config/config.js';
import { NO_ROUTE_OVERRIDES, renderEnvoyConfig } from '../../src/envoy/render.js';
import { BOOTSTRAP_TYPE, DISCOVERY_RESPONSE_TYPE, envoyProtoProblems } from '../support/envoy-proto.js';

const CLUSTER = 'envoy.config.cluster.v3.Cluster';
const valid = { name: 'c', type: 'STRICT_DNS', connect_timeout: '5s' };

describe('strict Envoy proto validation', () => {
  for (const accessLog of ['off', 'text', 'json'] as const) {
    it(`accepts the rendered default documents, access log ${accessLog}`, () => {
      const rendered = renderEnvoyConfig(
        {
          serviceCluster: 'web.shop',
          namespace: 'shop',
          httpPorts: DEFAULT_CONFIG.proxy.outboundHttpPorts,
          ipFamilies: DEFAULT_CONFIG.proxy.ipFamilies,
          accessLog,
          delivery: FILE_DELIVERY,
        },
        NO_ROUTE_OVERRIDES,
      );
      assert.deepEqual(envoyProtoProblems(BOOTSTRAP_TYPE, JSON.parse(rendered.bootstrap)), []);
      assert.deepEqual(envoyProtoProblems(DISCOVERY_RESPONSE_TYPE, JSON.parse(rendered.lds)), []);
      assert.deepEqual(envoyProtoProblems(DISCOVERY_RESPONSE_TYPE, JSON.parse(rendered.rds)), []);
      assert.deepEqual(envoyProtoProblems(DISCOVERY_RESPONSE_TYPE, JSON.parse(rendered.cds)), []);
      // Every chain that carries app traffic logs it (inbound TCP, outbound
      // TCP, one per outbound HTTP port), or none does; health and metrics don't.
      const loggers = (rendered.bootstrap + rendered.lds).split('envoy.access_loggers.stdout').length - 1;
      assert.equal(loggers, accessLog === 'off' ? 0 : 2 + DEFAULT_CONFIG.proxy.outboundHttpPorts.length);
    });
  }

  it('rejects an access logger whose format is misspelt inside its typed_config', () => {
    const rendered = renderEnvoyConfig(
      { serviceCluster: 'web.shop', namespace: 'shop', httpPorts: [80], ipFamilies: ['IPv4'], accessLog: 'json', delivery: FILE_DELIVERY },
      NO_ROUTE_OVERRIDES,
    );
    const broken = JSON.parse(rendered.lds.replace('"json_format"', '"json_formatt"')) as unknown;
    assert.match(envoyProtoProblems(DISCOVERY_RESPONSE_TYPE, broken).join('\n'), /json_formatt: unknown field/);
  });

  const mistakes: Array<[string, unknown, RegExp]> = [
    ['unknown field', { ...valid, conect_timeout: '5s' }, /conect_timeout: unknown field/],
    ['camelCase field name', { ...valid, connectTimeout: '5s' }, /connectTimeout: unknown field/],
    ['bad enum', { ...valid, type: 'STRICT_DNZ' }, /not a value of enum/],
    ['duration without unit', { ...valid, connect_timeout: '5' }, /bad duration/],
    ['duration with another unit', { ...valid, connect_timeout: '500ms' }, /bad duration/],
    ['duration as a number', { ...valid, connect_timeout: 5 }, /bad duration/],
    ['wrapper written as an object', { ...valid, per_connection_buffer_limit_bytes: { value: 1024 } }, /expected an unsigned 32-bit integer/],
    [
      'string for a number',
      {
        ...valid,
        load_assignment: {
          cluster_name: 'c',
          endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: 'a', port_value: '80' } } } }] }],
        },
      },
      /port_value: expected an unsigned 32-bit integer/,
    ],
    ['two members of one oneof', { ...valid, eds_cluster_config: {}, cluster_type: { name: 'x' } }, /oneof cluster_discovery_type has several members/],
    ['min_len rule', { ...valid, name: '' }, /at least 1 characters/],
    ['null value', { ...valid, connect_timeout: null }, /null is not allowed/],
    ['deprecated field', { ...valid, use_tcp_for_dns_lookups: true }, /deprecated field/],
  ];
  for (const [name, cluster, problem] of mistakes) {
    it(`rejects ${name}`, () => {
      const problems = envoyProtoProblems(CLUSTER, cluster);
      assert.ok(
        problems.some((p) => problem.test(p)),
        `expected ${problem}, got ${JSON.stringify(problems)}`,
      );
    });
  }

  it('checks typed_config by its @type, and rejects unknown types', () => {
    const listener = (typedConfig: unknown): unknown => ({
      name: 'l',
      address: { socket_address: { address: '0.0.0.0', port_value: 1 } },
      filter_chains: [{ filters: [{ name: 'tcp', typed_config: typedConfig }] }],
    });
    const TCP = 'type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy';
    assert.deepEqual(envoyProtoProblems('envoy.config.listener.v3.Listener', listener({ '@type': TCP, stat_prefix: 's', cluster: 'c' })), []);
    assert.match(
      envoyProtoProblems('envoy.config.listener.v3.Listener', listener({ '@type': TCP, stat_prefix: 's', clustr: 'c' })).join(),
      /clustr: unknown field/,
    );
    assert.match(envoyProtoProblems('envoy.config.listener.v3.Listener', listener({ '@type': 'type.googleapis.com/envoy.Nope' })).join(), /unknown @type/);
    assert.match(envoyProtoProblems('envoy.config.listener.v3.Listener', listener({ stat_prefix: 's' })).join(), /Any must be an object with "@type"/);
  });

  it('enforces required oneofs (validate.required)', () => {
    const route = { match: { prefix: '/' } };
    assert.match(envoyProtoProblems('envoy.config.route.v3.Route', route).join(), /oneof action .* requires one of/);
  });
});
