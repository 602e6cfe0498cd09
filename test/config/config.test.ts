// The config file shares its value rules with the annotations: one log level,
// one CIDR rule, every problem listed at once.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_CONFIG, parseConfig } from '../../src/config/config.js';

function problems(raw: unknown): readonly string[] {
  const result = parseConfig(raw);
  return result.ok ? [] : result.problems;
}

describe('parseConfig', () => {
  it('no file is the embedded defaults', () => {
    const result = parseConfig(undefined);
    assert.ok(result.ok);
    assert.deepEqual(result.value, DEFAULT_CONFIG);
  });

  it('reads the log level as the annotation does: "warn" is "warning", anything else unknown is named', () => {
    const result = parseConfig({ proxy: { logLevel: 'warn' } });
    assert.ok(result.ok);
    assert.equal(result.value.proxy.logLevel, 'warning');
    assert.deepEqual(problems({ proxy: { logLevel: 'loud' } }), [
      'proxy.logLevel: "loud" is not an Envoy log level (one of trace, debug, info, warning, error, critical, off)',
    ]);
  });

  it("checks the proxy's workers, drain and access log, all problems at once", () => {
    assert.deepEqual(problems({ proxy: { concurrency: 2, drainSeconds: 0, accessLog: 'json' } }), []);
    assert.deepEqual(problems({ proxy: { concurrency: 65, drainSeconds: 1.5, accessLog: 'xml' } }), [
      'proxy.concurrency: a whole number from 0 (derive it from the CPU request) to 64',
      'proxy.drainSeconds: a whole number of seconds from 0 to 600',
      'proxy.accessLog: one of off, text, json',
    ]);
  });

  it('checks CIDR lists with the annotations\' rule, "*" only alone and only where it means everything', () => {
    assert.deepEqual(problems({ capture: { excludeOutboundIpRanges: ['10.0.0.0/8', 'fd00::/8'], includeOutboundIpRanges: ['*'] } }), []);
    assert.deepEqual(problems({ capture: { excludeOutboundIpRanges: ['*'] } }), [
      'capture.excludeOutboundIpRanges: "*" is not a CIDR range (e.g. 10.0.0.0/8 or fd00::/8)',
    ]);
    assert.deepEqual(problems({ capture: { includeOutboundIpRanges: ['*', '10.0.0.0/8'] } }), [
      'capture.includeOutboundIpRanges: "*" means every address and cannot be combined with other ranges',
    ]);
    assert.deepEqual(problems({ capture: { includeOutboundIpRanges: [7] } }), ['capture.includeOutboundIpRanges: expected a list of CIDR ranges or "*"']);
  });

  it('lists every problem of a file, not only the first', () => {
    assert.deepEqual(problems({ polcy: 'enabled', proxy: { outboundHttpPorts: [15001], image: 'https://x' } }), [
      'polcy: unknown setting (did you mean "policy"?)',
      'proxy.image: "https://x" is not a container image reference (e.g. envoyproxy/envoy:v1.36.6)',
      "proxy.outboundHttpPorts: 15001 is one of the proxy's own ports (15000, 15001, 15006, 15021, 15090)",
    ]);
    assert.deepEqual(problems('text'), ['the configuration must be a mapping']);
  });

  it('refuses a request above its limit, for the proxy and the init container: the API server would refuse every injected pod', () => {
    assert.deepEqual(problems({ proxy: { resources: { requests: { cpu: '2' }, limits: { cpu: '2' } } } }), []);
    assert.deepEqual(problems({ proxy: { resources: { requests: { cpu: '3', memory: '1Gi' }, limits: { cpu: '2' } } } }), [
      'proxy.resources.requests.cpu: 3 is above proxy.resources.limits.cpu 2',
    ]);
    assert.deepEqual(problems({ init: { resources: { requests: { memory: '128Mi' }, limits: { memory: '64Mi' } } } }), [
      'init.resources.requests.memory: 128Mi is above init.resources.limits.memory 64Mi',
    ]);
    assert.deepEqual(problems({ proxy: { resources: { requests: { cpu: 'lots' }, limits: { cpu: '1m' } } } }), [
      'proxy.resources.requests.cpu: "lots" is not a Kubernetes quantity (e.g. 100m, 128Mi)',
    ]);
  });
});
