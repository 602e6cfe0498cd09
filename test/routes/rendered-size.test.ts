// The size bound of routes/rendered-size.ts held to what the renderer writes:
// the domain entries and their bytes are counted exactly (each entry quoted,
// with its comma), the listener is bounded from above, and the limit is the
// Kubernetes annotation limit to the byte.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { outboundListener } from '../../src/envoy/listeners.js';
import { KUBERNETES_LIMITS } from '../../src/model/limits.js';
import { renderedRoutingSize, renderedSizeProblem } from '../../src/routes/rendered-size.js';
import { addedDomains } from '../../src/routes/virtual-hosts.js';

const NAMESPACE = 'shop';
const CLUSTER_DOMAIN = 'cluster.local';

/** What the renderer writes for these domains: each one and what it adds. */
function renderedEntries(domains: readonly string[], httpPorts: readonly number[]): string[] {
  return domains.flatMap((domain) => [domain, ...addedDomains(domain, { httpPorts, podNamespace: NAMESPACE, clusterDomain: CLUSTER_DOMAIN })]);
}

function sizeOf(domains: readonly string[], httpPorts: readonly number[]): ReturnType<typeof renderedRoutingSize> {
  return renderedRoutingSize({ domains, httpPorts, podNamespace: NAMESPACE, clusterDomain: CLUSTER_DOMAIN, ipFamilies: ['IPv4'] });
}

describe('renderedRoutingSize counts the domain entries the renderer writes', () => {
  const CASES: Array<{ name: string; domains: string[]; httpPorts: number[] }> = [
    { name: 'a short name on no port', domains: ['reviews'], httpPorts: [] },
    { name: 'a short name on two ports of different widths', domains: ['reviews'], httpPorts: [80, 9080] },
    { name: 'a full name on three ports', domains: ['api.example.com'], httpPorts: [80, 8080, 65535] },
    { name: 'a domain with its port gets no twins', domains: ['api.example.com:8443', 'reviews:9080'], httpPorts: [80, 8080] },
    { name: '"*" gets no twins', domains: ['*'], httpPorts: [80, 8080] },
    { name: 'a suffix wildcard gets its port twins', domains: ['*.example.com'], httpPorts: [80, 8080] },
    { name: 'a prefix wildcard matches any port already', domains: ['api.*'], httpPorts: [80, 8080] },
    { name: 'all of them together', domains: ['reviews', 'Ratings', 'api.example.com', '*.example.com', 'api.*', '*', 'web:80'], httpPorts: [80, 443, 9080] },
  ];
  for (const { name, domains, httpPorts } of CASES) {
    it(name, () => {
      const entries = renderedEntries(domains, httpPorts);
      const size = sizeOf(domains, httpPorts);
      assert.equal(size.domainEntries, entries.length);
      // Each entry as JSON: its text, two quotes and a comma.
      assert.equal(
        size.domainBytes,
        entries.reduce((sum, entry) => sum + entry.length + 3, 0),
      );
    });
  }

  it('a short name counts under its four names, each with every port', () => {
    const size = sizeOf(['reviews'], [80, 9080]);
    assert.equal(size.domainEntries, 4 * 3);
  });
});

describe('renderedRoutingSize bounds the listener', () => {
  for (const httpPorts of [[], [80], [80, 8080, 9080], [1, 65535]]) {
    it(`${httpPorts.length} HTTP ports`, () => {
      // With the fault filter in each chain: the most a port can add.
      const rendered =
        JSON.stringify(outboundListener(httpPorts, ['IPv4'], 'json', { faults: true })).length -
        JSON.stringify(outboundListener([], ['IPv4'], 'json', { faults: true })).length;
      const { listenerBytes } = sizeOf([], httpPorts);
      assert.ok(listenerBytes >= rendered, `${listenerBytes} bytes counted, ${rendered} rendered`);
      if (httpPorts.length === 0) assert.equal(listenerBytes, 0);
      // A bound, not a guess: within the width of the port numbers.
      assert.ok(listenerBytes - rendered <= httpPorts.length * 4 * 5, `${listenerBytes} bytes counted, ${rendered} rendered`);
    });
  }
});

describe('renderedSizeProblem', () => {
  const limit = KUBERNETES_LIMITS.annotationBytes;

  it('accepts routing exactly at the limit, refuses one byte over it', () => {
    assert.equal(renderedSizeProblem({ domainEntries: 10, domainBytes: limit - 1000, listenerBytes: 1000 }, 1), undefined);
    const problem = renderedSizeProblem({ domainEntries: 10, domainBytes: limit - 1000, listenerBytes: 1001 }, 1);
    assert.ok(problem !== undefined);
  });

  it('says every number in KiB, and what to shrink', () => {
    const problem = renderedSizeProblem({ domainEntries: 12345, domainBytes: 300 * 1024, listenerBytes: 2048 }, 7);
    assert.equal(
      problem,
      "would render 12345 domain entries (300.0 KiB: every domain once per HTTP port, and a Service's short name under its three other names) " +
        "and 7 HTTP ports (2.0 KiB of listener): 302.0 KiB, over the 256.0 KiB Kubernetes allows for all of a pod's annotations: " +
        'use fewer domains, domains with a port ("example.com:80"), or fewer envoy-injector.io/http-ports',
    );
  });
});
