// What the protos cannot say about the outbound listener: Envoy refuses two
// filter chains with the same match, and every HTTP port gets exactly one;
// the addresses of each IP family; what one more HTTP port costs.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ACCESS_LOG_FORMATS, type IpFamily } from '../../src/config/config.js';
import { outboundBytesPerHttpPort, outboundListener } from '../../src/envoy/listeners.js';

type Chain = { name: string; filter_chain_match?: { destination_port?: number } };

describe('outbound listener', () => {
  it('has one filter chain per destination port, even when a port is configured twice', () => {
    const listener = outboundListener([80, 8080, 80], ['IPv4'], 'off') as { filter_chains: Chain[]; default_filter_chain: Chain };
    const ports = listener.filter_chains.map((c) => c.filter_chain_match?.destination_port);
    assert.deepEqual(ports, [15001, 15006, 80, 8080]);
    assert.equal(new Set(listener.filter_chains.map((c) => c.name)).size, listener.filter_chains.length);
    assert.equal(listener.default_filter_chain.name, 'outbound_tcp');
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
  const filters = (faults: boolean): string[] =>
    (
      (outboundListener([80], ['IPv4'], 'off', { faults }) as Chains).filter_chains.find((c) => c.name === 'outbound_http_80')?.filters[0]?.typed_config
        .http_filters ?? []
    ).map((f) => f.name);
  it('runs before the router when asked for, and is absent otherwise', () => {
    assert.deepEqual(filters(true), ['envoy.filters.http.fault', 'envoy.filters.http.router']);
    assert.deepEqual(filters(false), ['envoy.filters.http.router']);
  });
});
