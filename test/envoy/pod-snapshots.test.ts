// podSnapshots (envoy/pod-snapshots.ts): what the ADS server serves a pod is
// exactly what file mode renders for it — the same documents, their type and
// version — and a route change moves only the route configuration's version.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_CONFIG } from '../../src/config/config.js';
import { podSnapshots } from '../../src/envoy/pod-snapshots.js';
import { evaluatePod } from '../../src/inject/evaluate.js';
import type { Pod } from '../../src/model/kubernetes.js';

const LDS = 'type.googleapis.com/envoy.config.listener.v3.Listener';
const RDS = 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration';
const CDS = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';

function injected(routes?: string): Pod {
  const outcome = evaluatePod({
    pod: {
      metadata: { name: 'web', annotations: routes === undefined ? {} : { 'envoy-injector.io/routes': routes } },
      spec: { containers: [{ name: 'app', image: 'app' }] },
    },
    namespace: { name: 'shop' },
    config: DEFAULT_CONFIG,
  });
  assert.equal(outcome.kind, 'injected');
  return outcome.kind === 'injected' ? outcome.pod : { spec: { containers: [] } };
}

describe('podSnapshots', () => {
  it('serves the documents file mode renders, with their types and versions', () => {
    const pod = injected();
    const { snapshots, problems } = podSnapshots(pod);
    assert.deepEqual(problems, []);
    assert.deepEqual(Object.keys(snapshots).sort(), [CDS, LDS, RDS]);
    for (const [key, type] of [
      ['envoy-injector.io/envoy-lds', LDS],
      ['envoy-injector.io/envoy-rds', RDS],
      ['envoy-injector.io/envoy-cds', CDS],
    ] as const) {
      const file = JSON.parse(pod.metadata?.annotations?.[key] ?? '{}') as { version_info: string; resources: unknown[] };
      assert.deepEqual(snapshots[type], { version: file.version_info, resources: file.resources });
      assert.match(file.version_info, /^[0-9a-f]{16}$/);
    }
  });

  it('moves the version of what a route change changes, and only that', () => {
    const before = podSnapshots(injected()).snapshots;
    const after = podSnapshots(
      injected('virtual_hosts:\n- name: a\n  domains: ["a"]\n  routes:\n  - match: { prefix: "/" }\n    route: { cluster: "a-v2" }\n'),
    ).snapshots;
    assert.notEqual(after[RDS]?.version, before[RDS]?.version);
    assert.notEqual(after[CDS]?.version, before[CDS]?.version, 'a new target is a new cluster');
    assert.equal(after[LDS]?.version, before[LDS]?.version, 'the listeners are the same');
  });

  it('serves nothing of a pod never injected, and says which rendered file cannot be read', () => {
    assert.deepEqual(podSnapshots({ spec: { containers: [] } }), { snapshots: {}, problems: [] });
    const pod = injected();
    const annotations = { ...pod.metadata?.annotations };
    annotations['envoy-injector.io/envoy-cds'] = '{"resources":[{"name":"x"}]}';
    annotations['envoy-injector.io/envoy-lds'] = 'not json';
    annotations['envoy-injector.io/envoy-rds'] = JSON.stringify({ type_url: RDS, version_info: '1', resources: [7] });
    const { snapshots, problems } = podSnapshots({ ...pod, metadata: { ...pod.metadata, annotations } });
    assert.deepEqual(snapshots, {});
    assert.deepEqual(problems, [
      'annotation envoy-injector.io/envoy-lds is not a DiscoveryResponse with type_url, version_info and resources',
      'annotation envoy-injector.io/envoy-rds is not a DiscoveryResponse with type_url, version_info and resources',
      'annotation envoy-injector.io/envoy-cds is not a DiscoveryResponse with type_url, version_info and resources',
    ]);
  });
});
