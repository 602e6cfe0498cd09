import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_CONFIG } from '../src/config/config.js';
import { renderEnvoyConfig, NO_ROUTE_OVERRIDES } from '../src/envoy/render.js';
import { BOOTSTRAP_TYPE, DISCOVERY_RESPONSE_TYPE, envoyProtoProblems } from './support/envoy-proto.js';

const input = { serviceCluster: 'web.shop', namespace: 'shop', outboundHttpPorts: DEFAULT_CONFIG.proxy.outboundHttpPorts, ipFamilies: DEFAULT_CONFIG.proxy.ipFamilies };

describe('strict Envoy proto validation', () => {
  it('accepts the rendered default documents', () => {
    const rendered = renderEnvoyConfig(input, NO_ROUTE_OVERRIDES);
    assert.deepEqual(envoyProtoProblems(BOOTSTRAP_TYPE, JSON.parse(rendered.bootstrap)), []);
    assert.deepEqual(envoyProtoProblems(DISCOVERY_RESPONSE_TYPE, JSON.parse(rendered.routes)), []);
    assert.deepEqual(envoyProtoProblems(DISCOVERY_RESPONSE_TYPE, JSON.parse(rendered.clusters)), []);
  });
});
