// UPDATE of an injected pod: the rendered config belongs to the injector.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_CONFIG } from '../../src/config/config.js';
import { evaluatePod } from '../../src/inject/evaluate.js';
import { reroutePod } from '../../src/inject/reroute.js';
import type { InjectorConfig } from '../../src/config/config.js';
import type { Pod } from '../../src/model/kubernetes.js';

const namespace = { name: 'shop' };
const plain: Pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'shop', annotations: {} },
  spec: { containers: [{ name: 'app', image: 'app:1' }] },
};
const injected = ((): Pod => {
  const outcome = evaluatePod({ pod: plain, namespace, config: DEFAULT_CONFIG });
  assert.equal(outcome.kind, 'injected');
  return outcome.kind === 'injected' ? outcome.pod : plain;
})();

function edited(change: (annotations: Record<string, string>) => void, from: Pod = injected): Pod {
  const pod = structuredClone(from);
  change((pod.metadata!.annotations ??= {}));
  return pod;
}

const update = (pod: Pod, oldObject: unknown, config: InjectorConfig = DEFAULT_CONFIG) => reroutePod({ pod, oldObject, namespace, config });
const ROUTES_V2 = 'virtual_hosts:\n- name: a\n  domains: ["a"]\n  routes:\n  - match: { prefix: "/" }\n    route: { cluster: "a-v2:9000" }\n';

describe('UPDATE of an injected pod', () => {
  it('a hand edit of a rendered file is overwritten by what the inputs render', () => {
    const hacked = edited((a) => (a['envoy-injector.io/envoy-cds'] = '{"resources":[{"name":"metadata","type":"STATIC"}]}'));
    const outcome = update(hacked, injected);
    assert.equal(outcome.kind, 'updated');
    if (outcome.kind === 'updated') assert.deepEqual(outcome.pod.metadata?.annotations, injected.metadata?.annotations);
  });

  it('a change of the routes re-renders; the same inputs again change nothing', () => {
    const routes = 'virtual_hosts:\n- name: a\n  domains: ["a"]\n  routes:\n  - match: { prefix: "/" }\n    route: { cluster: "a-v2:9000" }\n';
    const next = edited((a) => (a['envoy-injector.io/routes'] = routes));
    const outcome = update(next, injected);
    assert.equal(outcome.kind, 'updated');
    if (outcome.kind !== 'updated') return;
    assert.match(outcome.pod.metadata?.annotations?.['envoy-injector.io/envoy-lds'] ?? '', /outbound_http_9000/);
    assert.deepEqual(update(outcome.pod, outcome.pod), { kind: 'unchanged' });
  });

  it('the status cannot be edited, removed, or given to a pod that was not injected', () => {
    const forged = edited((a) => (a['envoy-injector.io/status'] = a['envoy-injector.io/status']!.replace('native', 'classic')));
    assert.match(JSON.stringify(update(forged, injected)), /written by the injector only and cannot be changed or removed/);
    const removed = edited((a) => delete a['envoy-injector.io/status']);
    assert.equal(update(removed, injected).kind, 'rejected');
    const claimed = edited((a) => (a['envoy-injector.io/status'] = injected.metadata!.annotations!['envoy-injector.io/status']!), plain);
    assert.match(JSON.stringify(update(claimed, plain)), /a pod that was not injected cannot be given one/);
  });

  it('other changes, and pods never injected, are left alone', () => {
    const labelled = structuredClone(injected);
    labelled.metadata!.labels = { team: 'a' };
    assert.deepEqual(update(labelled, injected), { kind: 'unchanged' });
    assert.deepEqual(
      update(
        edited((a) => (a['envoy-injector.io/routes'] = 'x'), plain),
        plain,
      ),
      { kind: 'unchanged' },
    );
  });

  it('an invalid routes change is refused, and the running config stays', () => {
    const broken = edited((a) => (a['envoy-injector.io/routes'] = 'virtual_hosts: 7'));
    assert.equal(update(broken, injected).kind, 'rejected');
  });

  // A config the injector was given after the pod was injected: it renders
  // other listeners, so re-rendering shows whether the pod was touched.
  const laterConfig: InjectorConfig = { ...DEFAULT_CONFIG, proxy: { ...DEFAULT_CONFIG.proxy, outboundHttpPorts: [80, 9090] } };

  it('re-renders only when one of our annotations changed, with the config of now', () => {
    const labelled = structuredClone(injected);
    labelled.metadata!.labels = { team: 'a' };
    assert.deepEqual(update(labelled, injected, laterConfig), { kind: 'unchanged' }, 'a label');
    const annotated = edited((a) => (a['team.example.com/owner'] = 'a'));
    assert.deepEqual(update(annotated, injected, laterConfig), { kind: 'unchanged' }, "another domain's annotation");
    assert.deepEqual(update(injected, structuredClone(injected), laterConfig), { kind: 'unchanged' }, 'nothing');
    const outcome = update(
      edited((a) => (a['envoy-injector.io/routes'] = ROUTES_V2)),
      injected,
      laterConfig,
    );
    assert.equal(outcome.kind, 'updated');
    if (outcome.kind === 'updated') assert.match(outcome.pod.metadata?.annotations?.['envoy-injector.io/envoy-lds'] ?? '', /outbound_http_9090/);
  });

  it('a change of our annotations that renders the same config is no update', () => {
    const optedIn = edited((a) => (a['envoy-injector.io/inject'] = 'true'));
    assert.deepEqual(update(optedIn, injected), { kind: 'unchanged' });
    const unknown = edited((a) => (a['envoy-injector.io/unread'] = 'x'));
    assert.deepEqual(update(unknown, injected), {
      kind: 'rejected',
      problems: ['annotation envoy-injector.io/unread: unknown annotation (did you mean "envoy-injector.io/inject"?)'],
    });
    const withRoutes = update(
      edited((a) => (a['envoy-injector.io/routes'] = ROUTES_V2)),
      injected,
    );
    assert.equal(withRoutes.kind, 'updated');
    if (withRoutes.kind !== 'updated') return;
    const reworded = edited((a) => (a['envoy-injector.io/routes'] = `# the same routes\n${ROUTES_V2}`), withRoutes.pod);
    assert.deepEqual(update(reworded, withRoutes.pod), { kind: 'unchanged' });
  });

  it('reads pods and old objects without metadata, and an old object that is no object at all', () => {
    const bare: Pod = { spec: { containers: [{ name: 'app' }] } };
    assert.deepEqual(update(bare, { spec: bare.spec }), { kind: 'unchanged' });
    for (const oldObject of [null, 'pod', 7, [], undefined]) {
      assert.deepEqual(update(injected, oldObject), {
        kind: 'rejected',
        problems: ['envoy-injector.io/status is written by the injector only: a pod that was not injected cannot be given one'],
      });
    }
  });

  it('refuses a change on a pod whose status no longer holds, naming what is wrong', () => {
    const withoutVolume = structuredClone(injected);
    withoutVolume.spec.volumes = [];
    const next = edited((a) => (a['envoy-injector.io/routes'] = ROUTES_V2), withoutVolume);
    assert.deepEqual(update(next, withoutVolume), {
      kind: 'rejected',
      problems: ['envoy-injector.io/status lists volume envoy-config, which the pod does not have'],
    });
  });

  it('refuses a route change on a pod whose volume does not project the listeners, saying to recreate it', () => {
    const older = structuredClone(injected);
    const volume = older.spec.volumes!.find((v) => v.name === 'envoy-config')!;
    const downwardAPI = volume.downwardAPI as { items: { path: string }[] };
    assert.ok(downwardAPI.items.some((item) => item.path === 'lds.json'));
    downwardAPI.items = downwardAPI.items.filter((item) => item.path !== 'lds.json');
    const next = edited((a) => (a['envoy-injector.io/routes'] = ROUTES_V2), older);
    const outcome = update(next, older);
    assert.equal(outcome.kind, 'rejected');
    if (outcome.kind === 'rejected')
      assert.match(outcome.problems.join(), /^envoy-injector\.io\/routes cannot change on this running pod: .* recreate the pod/);
    for (const items of [undefined, 'lds.json', [null, 'lds.json', { path: 'LDS.json' }]]) {
      const odd = structuredClone(older);
      (odd.spec.volumes!.find((v) => v.name === 'envoy-config')!.downwardAPI as { items: unknown }).items = items;
      assert.equal(
        update(
          edited((a) => (a['envoy-injector.io/routes'] = ROUTES_V2), odd),
          odd,
        ).kind,
        'rejected',
        JSON.stringify(items),
      );
    }
    const renamed = structuredClone(injected);
    renamed.spec.volumes = [
      ...renamed.spec.volumes!.map((v) => ({ ...v, name: v.name === 'envoy-config' ? 'other' : v.name })),
      { name: 'envoy-config', emptyDir: {} },
    ];
    assert.equal(
      update(
        edited((a) => (a['envoy-injector.io/routes'] = ROUTES_V2), renamed),
        renamed,
      ).kind,
      'rejected',
      'the projection of another volume',
    );
  });

  it("refuses a change whose rendered config would not fit in the pod's annotations", () => {
    const big = edited((a) => (a['team.example.com/notes'] = 'x'.repeat(256 * 1024)));
    const next = edited((a) => (a['envoy-injector.io/routes'] = ROUTES_V2), big);
    const outcome = update(next, big);
    assert.equal(outcome.kind, 'rejected');
    if (outcome.kind === 'rejected')
      assert.match(outcome.problems.join(), /^the rendered Envoy config would make the pod's annotations \d+\.\d KiB, over Kubernetes' limit of 256\.0 KiB/);
  });
});

describe('UPDATE of a pod whose proxy reads xDS', () => {
  const XDS_CONFIG: InjectorConfig = {
    ...DEFAULT_CONFIG,
    xds: { ...DEFAULT_CONFIG.xds, caBundle: '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n' },
  };
  const xdsPod = ((): Pod => {
    const outcome = evaluatePod({
      pod: { ...plain, metadata: { ...plain.metadata, annotations: { 'envoy-injector.io/config-source': 'xds' } } },
      namespace,
      config: XDS_CONFIG,
    });
    assert.equal(outcome.kind, 'injected');
    return outcome.kind === 'injected' ? outcome.pod : plain;
  })();
  const clusterTypes = (pod: Pod): string[] =>
    (JSON.parse(pod.metadata?.annotations?.['envoy-injector.io/envoy-cds'] ?? '{}') as { resources: Array<{ type: string }> }).resources.map((c) => c.type);

  it('renders new routes for xDS still: EDS clusters, routes from ADS', () => {
    const outcome = update(
      edited((a) => (a['envoy-injector.io/routes'] = ROUTES_V2), xdsPod),
      xdsPod,
      XDS_CONFIG,
    );
    assert.equal(outcome.kind, 'updated');
    if (outcome.kind !== 'updated') return;
    assert.deepEqual(clusterTypes(outcome.pod), ['EDS']);
    assert.match(outcome.pod.metadata?.annotations?.['envoy-injector.io/envoy-lds'] ?? '', /"config_source":\{"ads":\{\}/);
  });

  it('keeps the source the pod was injected with when its annotation changes, and says so', () => {
    const outcome = update(
      edited((a) => {
        a['envoy-injector.io/config-source'] = 'file';
        a['envoy-injector.io/routes'] = ROUTES_V2;
      }, xdsPod),
      xdsPod,
      XDS_CONFIG,
    );
    assert.equal(outcome.kind, 'updated');
    if (outcome.kind !== 'updated') return;
    assert.deepEqual(clusterTypes(outcome.pod), ['EDS']);
    assert.ok(
      outcome.warnings.includes('envoy-injector.io/config-source cannot change on a running pod (its proxy reads xds); recreate the pod to change it'),
      outcome.warnings.join('\n'),
    );
  });

  it('refuses routes whose fallback copies, one per HTTP port, would not fit, before building them', () => {
    const big = JSON.stringify({
      virtual_hosts: [
        {
          name: 'big',
          domains: ['big.example.com'],
          routes: Array.from({ length: 270 }, (_, i) => ({
            match: { prefix: `/path-number-${i}/with/length` },
            route: { cluster: 'api:8080', timeout: '5s' },
          })),
        },
      ],
    });
    const outcome = update(
      edited((a) => {
        a['envoy-injector.io/routes'] = big;
        a['envoy-injector.io/http-ports'] = '80,81,82,83,84,85,86,87,88,89';
      }, xdsPod),
      xdsPod,
      XDS_CONFIG,
    );
    assert.equal(outcome.kind, 'rejected');
    if (outcome.kind === 'rejected')
      assert.match(outcome.problems.join(), /^the routes, which an xds-mode proxy's bootstrap holds once per HTTP port as its fallback \(11 ports\)/);
  });

  it('refuses new routes on an injector that serves no xDS, rather than render files the proxy never reads', () => {
    const outcome = update(
      edited((a) => (a['envoy-injector.io/routes'] = ROUTES_V2), xdsPod),
      xdsPod,
    );
    assert.deepEqual(outcome, {
      kind: 'rejected',
      problems: ["this pod's proxy reads its config over xDS, and this injector serves no xDS (serve --xds-port): its routes cannot change here"],
    });
  });
});
