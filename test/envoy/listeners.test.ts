// What the protos cannot say about the outbound listener: Envoy refuses two
// filter chains with the same match, and every HTTP port gets exactly one;
// the addresses of each IP family; what one more HTTP port costs.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ACCESS_LOG_FORMATS, type IpFamily } from '../../src/config/config.js';
import { outboundBytesPerHttpPort, outboundListener, outboundPortListeners } from '../../src/envoy/listeners.js';

type Chain = { name: string; filter_chain_match?: { destination_port?: number } };

describe('outbound listener', () => {
  it('has one filter chain per destination port, even when a port is configured twice', () => {
    const listener = outboundListener([80, 8080, 80], ['IPv4'], 'off') as { filter_chains: Chain[]; default_filter_chain: Chain };
    const ports = listener.filter_chains.map((c) => c.filter_chain_match?.destination_port);
    assert.deepEqual(ports, [15001, 15006, 80, 8080]);
    assert.equal(new Set(listener.filter_chains.map((c) => c.name)).size, listener.filter_chains.length);
    assert.equal(listener.default_filter_chain.name, 'outbound_tcp');
  });

  it('hands connections off to the listener of their original destination only when asked (the xDS fallback)', () => {
    assert.equal('use_original_dst' in outboundListener([80], ['IPv4'], 'off'), false);
    assert.equal(outboundListener([80], ['IPv4'], 'off', { handOff: true }).use_original_dst, true);
  });
});

describe('per-port listeners (over xDS)', () => {
  type PortListener = {
    name: string;
    bind_to_port: boolean;
    stat_prefix: string;
    address: { socket_address: { address: string; port_value: number } };
    additional_addresses?: unknown[];
    filter_chains: Chain[];
  };
  const routing = { rds: { route_config_name: 'outbound', config_source: { ads: {}, resource_api_version: 'V3' } } };
  const listeners = outboundPortListeners([8080, 80, 8080], ['IPv4', 'IPv6'], 'off', { faults: false, routing }) as unknown as PortListener[];

  it('is one listener per HTTP port, bound to no socket, on the wildcard of every family, under the outbound stat prefix', () => {
    assert.deepEqual(
      listeners.map((l) => [
        l.name,
        l.address.socket_address.address,
        l.address.socket_address.port_value,
        l.additional_addresses,
        l.bind_to_port,
        l.stat_prefix,
      ]),
      [
        ['outbound_http_8080', '0.0.0.0', 8080, [{ address: { socket_address: { address: '::', port_value: 8080 } } }], false, 'outbound'],
        ['outbound_http_80', '0.0.0.0', 80, [{ address: { socket_address: { address: '::', port_value: 80 } } }], false, 'outbound'],
      ],
    );
  });

  it('holds the same chain as the outbound listener for its port', () => {
    const outbound = outboundListener([8080, 80], ['IPv4', 'IPv6'], 'off', { routing }) as { filter_chains: Chain[] };
    for (const listener of listeners)
      assert.deepEqual(
        listener.filter_chains,
        outbound.filter_chains.filter((c) => c.name === listener.name),
      );
  });
});

describe('listener addresses', () => {
  type Addressed = { address: { socket_address: { address: string } }; additional_addresses?: Array<{ address: { socket_address: { address: string } } }> };
  const addresses = (families: IpFamily[]): string[] => {
    const listener = outboundListener([80], families, 'off') as Addressed;
    return [listener.address, ...(listener.additional_addresses ?? []).map((a) => a.address)].map((a) => a.socket_address.address);
  };
  it('IPv4 alone: 0.0.0.0, and no additional_addresses field', () => {
    assert.deepEqual(addresses(['IPv4']), ['0.0.0.0']);
    assert.equal('additional_addresses' in outboundListener([80], ['IPv4'], 'off'), false);
  });
  it('IPv6 alone: [::]', () => assert.deepEqual(addresses(['IPv6']), ['::']));
  it('dual-stack: the first family is the address, the second an additional address', () => {
    assert.deepEqual(addresses(['IPv4', 'IPv6']), ['0.0.0.0', '::']);
    assert.deepEqual(addresses(['IPv6', 'IPv4']), ['::', '0.0.0.0']);
  });
});

describe('outboundBytesPerHttpPort', () => {
  // Asked in turn in one process, so an answer remembered for one
  // combination and handed out for another is seen.
  for (const families of [['IPv4'], ['IPv6'], ['IPv4', 'IPv6']] as IpFamily[][]) {
    for (const format of ACCESS_LOG_FORMATS) {
      it(`${families.join('+')}, access log ${format}: what the largest port adds with the fault filter, exactly`, () => {
        const size = (ports: number[]): number => JSON.stringify(outboundListener(ports, families, format, { faults: true })).length;
        assert.equal(outboundBytesPerHttpPort(families, format), size([65535]) - size([]));
        assert.ok(outboundBytesPerHttpPort(families, format) >= size([80, 65535]) - size([80]));
      });
    }
  }
});

describe('the fault filter', () => {
  type Chains = { filter_chains: Array<{ name: string; filters: Array<{ typed_config: { http_filters?: Array<{ name: string }> } }> }> };
  const filters = (faults?: boolean): string[] =>
    (
      (outboundListener([80], ['IPv4'], 'off', faults === undefined ? {} : { faults }) as Chains).filter_chains.find((c) => c.name === 'outbound_http_80')
        ?.filters[0]?.typed_config.http_filters ?? []
    ).map((f) => f.name);
  it('runs before the router when asked for, and is absent otherwise', () => {
    assert.deepEqual(filters(true), ['envoy.filters.http.fault', 'envoy.filters.http.router']);
    assert.deepEqual(filters(false), ['envoy.filters.http.router']);
    assert.deepEqual(filters(), ['envoy.filters.http.router'], 'absent unless asked for');
  });
});
