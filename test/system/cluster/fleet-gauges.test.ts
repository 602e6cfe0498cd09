// The fleet gauges through the stand-in API server: the real pod list and
// watch, the real namespace cache, and /metrics over HTTPS, agreeing with
// `envoy-injector status` on the same cluster; then following pod events.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startClusterCaches, type ClusterCaches } from '../../../src/cluster/cluster.js';
import { watchPods } from '../../../src/cluster/pod-watch.js';
import { DEFAULT_CONFIG } from '../../../src/config/config.js';
import { evaluatePod } from '../../../src/inject/evaluate.js';
import type { Pod } from '../../../src/model/kubernetes.js';
import { ANNOTATION } from '../../../src/model/names.js';
import { startFleetGauges } from '../../../src/server/fleet-tracker.js';
import { get, makeAgent } from '../../support/apiserver.js';
import { FakeKubeApi, type StoredObject } from '../../support/kube-api.js';
import { DEPLOYED_CLI } from '../../support/repo.js';
import { spawnServe, startTestWebhook, writeCertificates, type TestWebhook } from '../../support/webhook.js';
import { processMemoryMiB } from '../../support/memory.js';
import { deployedNodeOptions } from '../../support/repo.js';
import { runningPod as pod } from '../../support/running-pod.js';
import { temporaryDirectory } from '../../support/temp-dir.js';

const quiet = { info: () => undefined, warn: () => undefined };

function injected(input: Pod, injectorVersion?: string): Pod {
  const outcome = evaluatePod({ pod: input, namespace: { name: input.metadata?.namespace ?? '' }, config: DEFAULT_CONFIG });
  if (outcome.kind !== 'injected') throw new Error('not injected');
  if (injectorVersion === undefined) return outcome.pod;
  const annotations = { ...outcome.pod.metadata?.annotations };
  annotations[ANNOTATION.status] = (annotations[ANNOTATION.status] ?? '').replace('"injectorVersion":"0.1.0"', `"injectorVersion":"${injectorVersion}"`);
  return { ...outcome.pod, metadata: { ...outcome.pod.metadata, annotations } };
}

async function until(condition: () => Promise<boolean> | boolean, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail(`timed out waiting for ${what}`);
}

function statusJson(
  kubeconfig: string,
): Promise<{ missing: Array<{ namespace: string; pods: string[] }>; stale: Array<{ namespace: string; pods: string[] }> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [DEPLOYED_CLI, 'status', '-o', 'json'], {
      env: { ...process.env, KUBECONFIG: kubeconfig, KUBERNETES_SERVICE_HOST: '' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    // 'close', not 'exit': stdout is read whole only once the pipe closes.
    child.on('close', () => {
      try {
        resolve(JSON.parse(stdout) as never);
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  });
}

describe('fleet gauges', () => {
  const api = new FakeKubeApi();
  let caches: ClusterCaches;
  let webhook: TestWebhook;
  let gauges: ReturnType<typeof startFleetGauges>;
  let kubeconfig: string;

  const scrape = async (): Promise<string> => {
    const agent = makeAgent(webhook.certificates.caCert);
    try {
      return (await get(agent, webhook.server.port, '/metrics')).body;
    } finally {
      agent.destroy();
    }
  };
  const gauge = (metrics: string, name: string): Record<string, number> =>
    Object.fromEntries([...metrics.matchAll(new RegExp(`^${name}\\{namespace="([^"]+)"\\} (\\d+)$`, 'gm'))].map((m) => [m[1] ?? '', Number(m[2])]));

  before(async () => {
    await api.start();
    kubeconfig = api.writeKubeconfig(join(temporaryDirectory('envoy-injector-fleet-'), 'kubeconfig'));
    for (const name of ['shop', 'books'])
      api.put('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'envoy-injector.io/inject': 'enabled' } } });
    api.put('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'tools' } });
    api.put('pods', injected(pod('web', 'shop')) as StoredObject);
    api.put('pods', pod('missed', 'shop') as StoredObject);
    api.put('pods', injected(pod('old', 'books'), '0.0.9') as StoredObject);
    api.put('pods', pod('other', 'tools') as StoredObject);
    caches = startClusterCaches(api.kubeConfig(), quiet);
    webhook = await startTestWebhook({ cluster: caches });
    gauges = startFleetGauges({
      namespaces: caches,
      watch: (sink) => watchPods(api.kubeConfig(), sink, quiet),
      config: DEFAULT_CONFIG,
      metrics: webhook.server.metrics,
      refreshMs: 3_600_000,
    });
  });
  after(async () => {
    gauges.stop();
    await webhook.server.close();
    await api.stop();
  });

  it('agree with envoy-injector status once the pods and namespaces are synced', async () => {
    await until(() => caches.synced() && api.watchers('pods') > 0, 'the caches and the pod watch');
    // Pods classified before the namespace cache synced are counted at the next refresh.
    await gauges.tracker.refresh();
    const metrics = await scrape();
    const status = await statusJson(kubeconfig);
    const byNamespace = (groups: Array<{ namespace: string; pods: string[] }>): Record<string, number> =>
      Object.fromEntries(groups.map((g) => [g.namespace, g.pods.length]));
    assert.deepEqual(gauge(metrics, 'envoy_injector_pods_missing_proxy'), { shop: 1 });
    assert.deepEqual(gauge(metrics, 'envoy_injector_pods_stale_proxy'), { books: 1 });
    assert.deepEqual(gauge(metrics, 'envoy_injector_pods_missing_proxy'), byNamespace(status.missing));
    assert.deepEqual(gauge(metrics, 'envoy_injector_pods_stale_proxy'), byNamespace(status.stale));
  });

  it('follow pods as they come and go', async () => {
    api.put('pods', pod('missed-2', 'shop') as StoredObject);
    await until(async () => gauge(await scrape(), 'envoy_injector_pods_missing_proxy').shop === 2, 'a second missed pod');
    api.remove('pods', 'shop', 'missed');
    api.remove('pods', 'shop', 'missed-2');
    api.put('pods', injected(pod('old', 'books')) as StoredObject);
    await until(async () => {
      const metrics = await scrape();
      return (
        Object.keys(gauge(metrics, 'envoy_injector_pods_missing_proxy')).length === 0 &&
        Object.keys(gauge(metrics, 'envoy_injector_pods_stale_proxy')).length === 0
      );
    }, 'the gauges to empty');
  });

  it('a watch stopped while it connects is closed, so SIGTERM can end the process', async () => {
    const before = api.watchers('pods');
    let stopAtList = false;
    const watch: ReturnType<typeof watchPods> = watchPods(
      api.kubeConfig(),
      {
        keep: (p) => p,
        // The list is done and the watch is connecting: stop then.
        replaceAll: () => {
          stopAtList = true;
          setImmediate(() => watch.stop());
        },
        upsert: () => undefined,
        remove: () => undefined,
      },
      quiet,
    );
    await until(() => stopAtList, 'the list');
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(api.watchers('pods'), before, 'no watch left open');
  });

  it('count a namespace enrolled later at the next refresh', async () => {
    api.put('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'tools', labels: { 'envoy-injector.io/inject': 'enabled' } } });
    await until(() => caches.namespace('tools')?.labels['envoy-injector.io/inject'] === 'enabled', 'the namespace cache');
    // Its pods were not kept while it was not enrolled: the refresh lists them again.
    await gauges.tracker.refresh();
    await until(async () => gauge(await scrape(), 'envoy_injector_pods_missing_proxy').tools === 1, 'the relisted namespace');
    assert.deepEqual(gauge(await scrape(), 'envoy_injector_pods_missing_proxy'), { tools: 1 });
  });
});

describe("fleet gauges against pods in someone else's namespace", () => {
  it(
    "300 Pending pods with 200 KiB of annotations each, in a namespace not enrolled: serve --fleet-gauges with the Deployment's heap lists them, keeps none, stays alive",
    { timeout: 120_000 },
    async (t) => {
      const api = new FakeKubeApi();
      await api.start();
      const dir = temporaryDirectory('fleet-flood-');
      const certificates = await writeCertificates(dir);
      api.put('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { 'envoy-injector.io/inject': 'enabled' } } });
      api.put('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'elsewhere' } });
      const filler = 'a'.repeat(200 * 1024);
      for (let i = 0; i < 300; i++) {
        const heavy = pod(`heavy-${i}`, 'elsewhere');
        api.put('pods', { ...heavy, metadata: { ...heavy.metadata, annotations: { note: filler } }, status: { phase: 'Pending' } } as StoredObject);
      }
      api.put('pods', pod('missed', 'shop') as StoredObject);
      const server = await spawnServe(['--cert-dir', dir, '--fleet-gauges'], {
        KUBECONFIG: api.writeKubeconfig(join(dir, 'kubeconfig')),
        HOME: dir,
        NODE_OPTIONS: deployedNodeOptions(),
      });
      const agent = makeAgent(certificates.caCert);
      try {
        await until(() => /pod watch synced: (\d+) pods/.test(server.output()), 'the pod list');
        assert.match(server.output(), /pod watch synced: 1 pods/, "only the enrolled namespace's pod is kept");
        await until(async () => /envoy_injector_pods_missing_proxy\{namespace="shop"\} 1/.test((await get(agent, server.port, '/metrics')).body), 'the gauge');
        assert.equal(server.child.exitCode, null);
        const peakMiB = processMemoryMiB(server.child.pid, 'VmHWM');
        t.diagnostic(`peak RSS ${peakMiB} MiB listing 300 pods of 200 KiB`);
        assert.ok(peakMiB > 0 && peakMiB < 256, `peak RSS ${peakMiB} MiB`);
      } finally {
        agent.destroy();
        server.child.kill('SIGTERM');
        await api.stop();
      }
    },
  );
});
