// podRouting (offline/pod-router.ts): the routing an injected pod's proxy
// will do, read back from what was rendered for it. The destination port
// picks a filter chain first, as Envoy's listener does
// (source/common/listener_manager/filter_chain_manager_impl.cc, by
// destination_port, else the default_filter_chain); an HTTP chain then
// routes by the pod's RouteConfiguration, a TCP chain goes to its cluster.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_CONFIG } from '../../src/config/config.js';
import { evaluatePod } from '../../src/inject/evaluate.js';
import type { Pod } from '../../src/model/kubernetes.js';
import { destinationPort, podRouter, podRouting } from '../../src/offline/pod-router.js';
import type { RouteRequest } from '../../src/routes/router.js';

const HCM = { name: 'envoy.filters.network.http_connection_manager', typed_config: {} };
const tcp = (cluster: unknown): unknown => ({ name: 'envoy.filters.network.tcp_proxy', typed_config: { stat_prefix: 's', cluster } });
const ROUTES = {
  resources: [
    {
      '@type': 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
      name: 'outbound',
      virtual_hosts: [{ name: 'a', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'a' } }] }],
    },
  ],
};

/** null: the annotation is absent. */
function pod(listener: unknown, routes: unknown = ROUTES): Pod {
  const annotations: Record<string, string> = {};
  if (listener !== null) annotations['envoy-injector.io/envoy-lds'] = JSON.stringify(listener);
  if (routes !== null) annotations['envoy-injector.io/envoy-rds'] = JSON.stringify(routes);
  return { metadata: { name: 'p', annotations }, spec: { containers: [{ name: 'app' }] } };
}

const listenerOf = (resource: Record<string, unknown>): unknown => ({
  resources: [{ '@type': 'type.googleapis.com/envoy.config.listener.v3.Listener', ...resource }],
});
const request = (authority: string): RouteRequest => ({ authority, path: '/', method: 'GET', scheme: 'http', headers: [], randomValue: 0 });

/** What a request to `authority` meets: "http → CLUSTER" or "tcp → CLUSTER". */
function meets(p: Pod, authority: string): string {
  const routing = podRouting(p);
  assert.ok(routing.ok, routing.ok ? '' : routing.problems.join('; '));
  const routed = routing.value.route(request(authority));
  if (routed.kind !== 'http') return `tcp → ${routed.cluster}`;
  const action = routed.decision.route?.action;
  return `http → ${action?.kind === 'route' ? action.cluster : action?.kind}`;
}

describe('a pod routed as its proxy routes', () => {
  it('reads the port of the authority, else 80', () => {
    assert.equal(destinationPort('a'), 80);
    assert.equal(destinationPort('a:9000'), 9000);
    assert.equal(destinationPort('[::1]:5432'), 5432);
  });

  it('picks the chain of the destination port, then the default chain', () => {
    const p = pod(
      listenerOf({
        filter_chains: [
          { filter_chain_match: { destination_port: 80 }, filters: [HCM] },
          { filter_chain_match: { destination_port: 5432 }, filters: [tcp('db')] },
        ],
        default_filter_chain: { filters: [tcp('elsewhere')] },
      }),
    );
    assert.equal(meets(p, 'a'), 'http → a');
    assert.equal(meets(p, 'a:5432'), 'tcp → db');
    assert.equal(meets(p, 'a:9000'), 'tcp → elsewhere');
  });

  it('ignores chains it cannot read: no port, a port that is no number, no filter it knows', () => {
    const p = pod(
      listenerOf({
        filter_chains: [
          { filters: [tcp('no-port')] },
          { filter_chain_match: { destination_port: '81' }, filters: [HCM] },
          { filter_chain_match: { destination_port: 82 }, filters: [{ name: 'envoy.filters.network.redis_proxy', typed_config: {} }] },
          { filter_chain_match: { destination_port: 83 }, filters: [tcp(7)] },
          { filter_chain_match: { destination_port: 84 }, filters: [{ name: 'envoy.filters.network.tcp_proxy' }] },
          { filter_chain_match: { destination_port: 85 }, filters: ['envoy.filters.network.http_connection_manager', null, tcp('after-junk')] },
          { filter_chain_match: { destination_port: 86 }, filters: 'x' },
          { filter_chain_match: 'x', filters: [HCM] },
          7,
        ],
        default_filter_chain: { filters: [tcp('default')] },
      }),
    );
    for (const port of [81, 82, 83, 84, 86]) assert.equal(meets(p, `a:${port}`), 'tcp → default', `port ${port}`);
    assert.equal(meets(p, 'a:85'), 'tcp → after-junk');
  });

  it('sends what no chain takes to passthrough when there is no default chain, or none it can read', () => {
    assert.equal(meets(pod(listenerOf({})), 'a'), 'tcp → passthrough');
    assert.equal(meets(pod(listenerOf({ filter_chains: 'x', default_filter_chain: { filters: [HCM.name] } })), 'a'), 'tcp → passthrough');
    assert.equal(meets(pod(listenerOf({ default_filter_chain: { filters: [HCM] } })), 'a:9'), 'http → a');
  });

  it('reads the first resource of each response, without its @type', () => {
    const routing = podRouting(pod(listenerOf({}), { resources: [...ROUTES.resources, { name: 'second' }] }));
    assert.ok(routing.ok);
    assert.equal(routing.value.table.name, 'outbound');
    assert.equal('@type' in routing.value.table, false);
  });

  it('refuses a pod without both rendered files, or with files that hold no resource', () => {
    const problem = 'the pod has no rendered envoy-injector.io/envoy-lds and envoy-injector.io/envoy-rds: it was not injected by this version';
    for (const p of [
      pod(null),
      pod(listenerOf({}), null),
      pod(null, null),
      pod({ resources: [] }),
      pod({ resources: 'x' }),
      pod([]),
      pod(listenerOf({}), { resources: [7] }),
      { spec: { containers: [] } },
    ]) {
      assert.deepEqual(podRouter(p), { ok: false, problems: [problem] });
    }
  });

  it('refuses routes the route language does not read, naming the field', () => {
    const routing = podRouting(pod(listenerOf({}), { resources: [{ name: 'outbound', virtual_hosts: 7 }] }));
    assert.equal(routing.ok, false);
    if (!routing.ok) assert.match(routing.problems.join(), /^envoy-injector\.io\/envoy-rds at virtual_hosts: /);
  });

  it('routes an injected pod as rendered: its HTTP ports by its routes, other ports through', () => {
    const routes = 'virtual_hosts:\n- name: a\n  domains: ["a"]\n  routes:\n  - match: { prefix: "/" }\n    route: { cluster: "a-v2:9000" }\n';
    const outcome = evaluatePod({
      pod: { metadata: { name: 'p', annotations: { 'envoy-injector.io/routes': routes } }, spec: { containers: [{ name: 'app' }] } },
      namespace: { name: 'shop' },
      config: DEFAULT_CONFIG,
    });
    assert.equal(outcome.kind, 'injected');
    if (outcome.kind !== 'injected') return;
    assert.equal(meets(outcome.pod, 'a'), 'http → a-v2.shop:9000');
    assert.equal(meets(outcome.pod, 'a:9000'), 'http → a-v2.shop:9000');
    assert.equal(meets(outcome.pod, 'a:5432'), 'tcp → passthrough');
    assert.equal(meets(outcome.pod, 'x:8080'), 'http → passthrough');
  });
});
