// `envoy-injector status` as an operator runs it: a separate process with a
// kubeconfig, the real client-node listing namespaces and pods (in pages)
// from the stand-in API server, the pods made by the injector itself.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_CONFIG } from '../../../src/config/config.js';
import { evaluatePod } from '../../../src/inject/evaluate.js';
import type { Pod } from '../../../src/model/kubernetes.js';
import { ANNOTATION } from '../../../src/model/names.js';
import { FakeKubeApi, type StoredObject } from '../../support/kube-api.js';
import { DEPLOYED_CLI } from '../../support/repo.js';
import { startTestWebhook } from '../../support/webhook.js';
import { runningPod as pod } from '../../support/running-pod.js';
import { temporaryDirectory } from '../../support/temp-dir.js';

const BIN = DEPLOYED_CLI;

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // Not spawnSync: the stand-in API server answers from this process.
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // 'close', not 'exit': the output is read whole only once the pipes close.
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function injected(input: Pod): Pod {
  const outcome = evaluatePod({ pod: input, namespace: { name: input.metadata?.namespace ?? '' }, config: DEFAULT_CONFIG });
  if (outcome.kind !== 'injected') throw new Error('not injected');
  return outcome.pod;
}

describe('envoy-injector status against the API server', () => {
  const api = new FakeKubeApi();
  let env: NodeJS.ProcessEnv;
  before(async () => {
    await api.start();
    const dir = temporaryDirectory('envoy-injector-status-');
    env = { ...process.env, KUBECONFIG: api.writeKubeconfig(join(dir, 'kubeconfig')), KUBERNETES_SERVICE_HOST: '' };
    api.put('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { 'envoy-injector.io/inject': 'enabled' } } });
    api.put('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'tools' } });
    // 600 up-to-date pods: more than one page of the list.
    for (let i = 0; i < 600; i += 1) api.put('pods', injected(pod(`web-${i}`, 'shop')) as StoredObject);
    // Two pods that never reached the webhook, one with an old sidecar.
    api.put('pods', pod('missed-1', 'shop') as StoredObject);
    api.put('pods', pod('missed-2', 'shop') as StoredObject);
    const old = injected(pod('old-1', 'shop'));
    const annotations = { ...old.metadata?.annotations };
    annotations[ANNOTATION.status] = (annotations[ANNOTATION.status] ?? '').replace('"injectorVersion":"0.1.0"', '"injectorVersion":"0.0.9"');
    api.put('pods', { ...old, metadata: { ...old.metadata, annotations } } as StoredObject);
    // A pod of a namespace that is not enrolled is none of our business.
    api.put('pods', pod('other', 'tools') as StoredObject);
  });
  after(async () => {
    await api.stop();
  });

  it('lists the missed and the stale pods by workload, and exits 1', async () => {
    const { code, stdout, stderr } = await run(['status'], env);
    assert.equal(stderr, '');
    assert.equal(code, 1);
    assert.match(stdout, /^pods checked: 604; proxy up to date: 600; missing the proxy: 2; stale proxy: 1\n/);
    assert.match(stdout, /missing the proxy .*:\n {2}shop\/web: 2 pods \(missed-1, missed-2\)\n {4}never reviewed by the webhook/);
    assert.match(stdout, /stale proxy .*:\n {2}shop\/web: 1 pod \(old-1\)\n {4}injected by envoy-injector 0.0.9, now 0.1.0\n/);
    const pages = api.requests.filter((r) => r.path === '/api/v1/pods').length;
    assert.equal(pages, 2, 'the pods were listed in pages of 500');
  });

  it('-o json gives the same numbers to a machine', async () => {
    const { code, stdout } = await run(['status', '-o', 'json'], env);
    assert.equal(code, 1);
    const status = JSON.parse(stdout) as { checked: number; upToDate: number; missing: Array<{ pods: string[] }>; stale: Array<{ reason: string }> };
    assert.deepEqual(
      { checked: status.checked, upToDate: status.upToDate, missing: status.missing.map((g) => g.pods), stale: status.stale.map((g) => g.reason) },
      { checked: 604, upToDate: 600, missing: [['missed-1', 'missed-2']], stale: ['injected by envoy-injector 0.0.9, now 0.1.0'] },
    );
  });

  it('--self-test runs one dry-run create through the webhook and reports it', async () => {
    const webhook = await startTestWebhook();
    try {
      api.podWebhook = { port: webhook.server.port, ca: webhook.certificates.caCert };
      const passed = await run(['status', '--self-test', 'shop', '-o', 'json'], env);
      assert.deepEqual((JSON.parse(passed.stdout) as { selfTest: unknown }).selfTest, {
        success: true,
        message: 'the API server reached the webhook and got the probe pod injected (native mode)',
      });
      // Unreachable: the stand-in fails open, as the default install does.
      await webhook.server.close();
      const failed = await run(['status', '--self-test', 'shop'], env);
      assert.equal(failed.code, 1);
      assert.match(
        failed.stdout,
        /\nself-test: FAILED: the API server admitted the probe pod in namespace shop without the proxy: it did not reach the webhook/,
      );
    } finally {
      api.podWebhook = undefined;
      await webhook.server.close().catch(() => undefined);
    }
  });

  it('says clearly when the API server refuses: an environment error, exit 2', async () => {
    api.failWith = 403;
    try {
      const { code, stderr } = await run(['status'], env);
      assert.equal(code, 2);
      assert.match(
        stderr,
        /^envoy-injector status: cannot list pods and namespaces from https?:\/\/127\.0\.0\.1:\d+: listing namespaces and pods: HTTP 403: the fake API server is told to fail\n$/,
      );
    } finally {
      api.failWith = undefined;
    }
  });

  it('refuses to run without a cluster', async () => {
    const { code, stderr } = await run(['status'], { ...env, KUBECONFIG: '', HOME: temporaryDirectory('no-home-') });
    assert.equal(code, 2);
    assert.match(stderr, /status needs a cluster/);
  });
});
