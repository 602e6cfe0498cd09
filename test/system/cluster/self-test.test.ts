// The end-to-end self-test through the stand-in API server: the real
// client-node dry-run create, the stand-in calling the real webhook over HTTPS
// (CA and service name verified, failing open as the default install does),
// and the verdict on the gauge. Then `serve --self-test-every` as a process.

import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { podDryRunner } from '../../../src/cluster/dry-run.js';
import { startSelfTest, type SelfTest } from '../../../src/server/self-test.js';
import { get, makeAgent } from '../../support/apiserver.js';
import { FakeKubeApi } from '../../support/kube-api.js';
import { spawnServe, startTestWebhook, writeCertificates, type TestWebhook } from '../../support/webhook.js';
import { temporaryDirectory } from '../../support/temp-dir.js';

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function metricsOf(webhook: TestWebhook): Promise<string> {
  const agent = makeAgent(webhook.certificates.caCert);
  try {
    return (await get(agent, webhook.server.port, '/metrics')).body;
  } finally {
    agent.destroy();
  }
}

describe('end-to-end self-test', () => {
  const api = new FakeKubeApi();
  let webhook: TestWebhook;
  before(async () => {
    await api.start();
    webhook = await startTestWebhook();
    api.put('namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'envoy-injector-self-test', labels: { 'envoy-injector.io/inject': 'enabled' } },
    });
  });
  after(async () => {
    await webhook.server.close();
    await api.stop();
  });

  function selfTest(): SelfTest {
    return startSelfTest({
      namespace: 'envoy-injector-self-test',
      intervalMs: 3_600_000,
      dryRunCreate: podDryRunner(api.kubeConfig()),
      onResult: (result) => webhook.server.metrics.recordSelfTest(result.success),
    });
  }

  it('succeeds when the API server reaches the webhook and gets the probe injected, and says so on /metrics', async () => {
    api.podWebhook = { port: webhook.server.port, ca: webhook.certificates.caCert };
    const test = selfTest();
    try {
      const result = await test.runOnce();
      assert.deepEqual(
        { success: result.success, message: result.message },
        {
          success: true,
          message: 'the API server reached the webhook and got the probe pod injected (native mode)',
        },
      );
      assert.match(await metricsOf(webhook), /\nenvoy_injector_self_test_success 1\n/);
      const create = api.requests.find((r) => r.method === 'POST' && r.path === '/api/v1/namespaces/envoy-injector-self-test/pods');
      assert.ok(create, 'the probe was created through the API, as a dry run (the stand-in refuses anything else)');
    } finally {
      test.stop();
    }
  });

  it('fails, naming the likely causes, when the webhook is unreachable and the API server fails open', async () => {
    api.podWebhook = { port: await closedPort(), ca: webhook.certificates.caCert };
    const test = selfTest();
    try {
      const result = await test.runOnce();
      assert.equal(result.success, false);
      assert.match(result.message, /admitted the probe pod in namespace envoy-injector-self-test without the proxy: it did not reach the webhook/);
      assert.match(await metricsOf(webhook), /\nenvoy_injector_self_test_success 0\n/);
      assert.match(await metricsOf(webhook), /envoy_injector_self_test_runs_total\{result="failure"\} 1/);
    } finally {
      test.stop();
    }
  });

  it("fails with the API server's own words when it refuses the dry run (RBAC)", async () => {
    api.failWith = 403;
    const test = selfTest();
    try {
      const result = await test.runOnce();
      assert.equal(result.success, false);
      assert.match(result.message, /^dry-run create of a pod in namespace envoy-injector-self-test: HTTP 403: /);
    } finally {
      api.failWith = undefined;
      test.stop();
    }
  });

  it('fails, and sets the gauge to 0, when the dry run hangs past its timeout', async () => {
    // A success first, so the gauge has something to fall from.
    webhook.server.metrics.recordSelfTest(true);
    const test = startSelfTest({
      namespace: 'envoy-injector-self-test',
      intervalMs: 3_600_000,
      timeoutMs: 200,
      dryRunCreate: () => new Promise<never>(() => undefined),
      onResult: (result) => webhook.server.metrics.recordSelfTest(result.success),
    });
    try {
      const result = await test.runOnce();
      assert.deepEqual(result, { success: false, message: 'the dry-run create did not answer within 0.2 s' });
      assert.match(await metricsOf(webhook), /\nenvoy_injector_self_test_success 0\n/);
    } finally {
      test.stop();
    }
  });

  it('serve --self-test-every runs it on its own and logs the verdict', async () => {
    api.podWebhook = { port: webhook.server.port, ca: webhook.certificates.caCert };
    const dir = temporaryDirectory('envoy-injector-self-test-');
    const certDir = temporaryDirectory('envoy-injector-self-test-certs-');
    await writeCertificates(certDir);
    const serve = await spawnServe(['--cert-dir', certDir, '--self-test-every', '0.05'], {
      ...process.env,
      KUBECONFIG: api.writeKubeconfig(join(dir, 'kubeconfig')),
      KUBERNETES_SERVICE_HOST: '',
    });
    try {
      // The first run comes within the interval (3 s here): wait for its line.
      for (let i = 0; i < 100 && !serve.output().includes('selfTest'); i++) await new Promise((resolve) => setTimeout(resolve, 100));
      assert.match(serve.output(), /"selfTest":"success".*the API server reached the webhook and got the probe pod injected/);
    } finally {
      serve.child.kill('SIGTERM');
    }
  });
});
