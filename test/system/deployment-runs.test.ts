// The Deployment's own arguments and ConfigMap run the real server: the
// container args from the built manifests (paths moved to a temp dir) start
// `envoy-injector serve` against an API server that holds the manifests'
// MutatingWebhookConfiguration, which then carries a caBundle that verifies
// the served certificate for the Service's name.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { makeAgent, waitReady } from '../support/apiserver.js';
import { FakeKubeApi, type StoredObject } from '../support/kube-api.js';
import { buildKustomization } from '../support/kustomize.js';
import { repoPath } from '../support/repo.js';
import { spawnServe } from '../support/webhook.js';
import { temporaryDirectory } from '../support/temp-dir.js';

describe('the default install, run', () => {
  it('starts from the Deployment args and ConfigMap, self-manages its certificate, and is ready', { timeout: 60_000 }, async () => {
    const objects = buildKustomization(repoPath('manifests'));
    const deployment = objects.find((object) => object.kind === 'Deployment') as unknown as {
      spec: { template: { spec: { containers: { args: string[] }[] } } };
    };
    const configMap = objects.find((object) => object.kind === 'ConfigMap') as unknown as { data: Record<string, string> };
    const webhookConfiguration = objects.find((object) => object.kind === 'MutatingWebhookConfiguration') as unknown as StoredObject;
    const dir = temporaryDirectory('deployment-');
    writeFileSync(join(dir, 'config.yaml'), configMap.data['config.yaml'] ?? '');
    const [command, ...flags] = deployment.spec.template.spec.containers[0]?.args ?? [];
    assert.equal(command, 'serve');
    // Where the pod mounts volumes, this test has a temp dir; the port is the test's to choose.
    const args = flags
      .filter((flag) => !flag.startsWith('--port='))
      .map((flag) => flag.replace(/^--cert-dir=.*/, `--cert-dir=${join(dir, 'certs')}`).replace(/^--config=.*/, `--config=${join(dir, 'config.yaml')}`));

    const api = new FakeKubeApi();
    await api.start();
    try {
      api.put('mutatingwebhookconfigurations', webhookConfiguration);
      const kubeconfig = api.writeKubeconfig(join(dir, 'kubeconfig'));
      const server = await spawnServe(args, { KUBECONFIG: kubeconfig, KUBERNETES_SERVICE_HOST: '', POD_NAMESPACE: 'envoy-injector', HOME: dir });
      try {
        const stored = api.get('mutatingwebhookconfigurations', undefined, 'envoy-injector') as unknown as {
          webhooks: { clientConfig: { caBundle?: string } }[];
        };
        const bundles = new Set(stored.webhooks.map((webhook) => webhook.clientConfig.caBundle));
        assert.equal(bundles.size, 1, 'all four entries carry the same caBundle');
        const [caBundle] = [...bundles];
        assert.ok(caBundle, server.output());
        assert.ok(api.get('secrets', 'envoy-injector', 'envoy-injector-tls'), 'the Secret named in the args was created');
        const agent = makeAgent(Buffer.from(caBundle, 'base64').toString('utf8'), 1, false);
        const ready = await waitReady(agent, server.port);
        assert.equal(ready.status, 200, ready.body);
      } finally {
        server.child.kill('SIGTERM');
        await new Promise((resolve) => server.child.once('exit', resolve));
      }
    } finally {
      await api.stop();
    }
  });
});
