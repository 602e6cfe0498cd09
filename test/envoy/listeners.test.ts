// What the protos cannot say about the outbound listener: Envoy refuses two
// filter chains with the same match, and every HTTP port gets exactly one.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { outboundListener } from '../../src/envoy/listeners.js';

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
