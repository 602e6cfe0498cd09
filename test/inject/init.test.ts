// The envoy-init container (inject/init.ts): the arguments the iptables
// script reads, with the ports the proxy serves itself always kept out of the
// inbound redirect, and the least privilege iptables needs.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_CONFIG } from '../../src/config/config.js';
import { buildInitContainer } from '../../src/inject/init.js';

const base = { image: 'envoy-init:1', resources: DEFAULT_CONFIG.init.resources, ipFamilies: ['IPv4', 'IPv6'] as const };

describe('envoy-init', () => {
  it('gets every capture setting as one --flag=value, an empty list included', () => {
    const container = buildInitContainer({ ...base, capture: DEFAULT_CONFIG.capture });
    assert.deepEqual(container.args, [
      '--proxy-uid=1337',
      '--proxy-gid=1337',
      '--outbound-port=15001',
      '--inbound-port=15006',
      '--exclude-inbound-ports=15021,15090',
      '--exclude-outbound-ports=15021,15090',
      '--exclude-outbound-ip-ranges=',
      '--include-outbound-ip-ranges=*',
      '--ip-families=IPv4,IPv6',
    ]);
  });

  it('adds the pod’s exclusions after the proxy’s own ports, each once', () => {
    const container = buildInitContainer({
      ...base,
      ipFamilies: ['IPv4'],
      capture: {
        excludeInboundPorts: [9901, 15021, 9901],
        excludeOutboundPorts: [5432, 15090, 5432, 6379],
        excludeOutboundIpRanges: ['10.0.0.0/8', '10.0.0.0/8', '192.168.0.0/16'],
        includeOutboundIpRanges: ['10.96.0.0/12', '10.96.0.0/12'],
      },
    });
    assert.deepEqual((container.args as string[]).slice(4), [
      '--exclude-inbound-ports=15021,15090,9901',
      '--exclude-outbound-ports=15021,15090,5432,6379',
      '--exclude-outbound-ip-ranges=10.0.0.0/8,192.168.0.0/16',
      '--include-outbound-ip-ranges=10.96.0.0/12',
      '--ip-families=IPv4',
    ]);
  });

  it('runs as root with NET_ADMIN and NET_RAW only, unprivileged and without escalation', () => {
    const container = buildInitContainer({ ...base, capture: DEFAULT_CONFIG.capture });
    assert.equal(container.name, 'envoy-init');
    assert.equal(container.image, 'envoy-init:1');
    assert.equal(container.imagePullPolicy, 'IfNotPresent');
    assert.deepEqual(container.securityContext, {
      runAsUser: 0,
      runAsGroup: 0,
      runAsNonRoot: false,
      privileged: false,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: false,
      capabilities: { add: ['NET_ADMIN', 'NET_RAW'], drop: ['ALL'] },
    });
    assert.deepEqual(container.resources, { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '100m', memory: '64Mi' } });
  });

  it('writes no empty limits: unset means unset, not a deliberate empty choice', () => {
    const container = buildInitContainer({ ...base, resources: { requests: { cpu: '10m' }, limits: {} }, capture: DEFAULT_CONFIG.capture });
    assert.deepEqual(container.resources, { requests: { cpu: '10m' } });
  });
});
