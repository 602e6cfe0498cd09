// Self-managed certificates against an API server: the Secret is created once
// (first replica wins), reused, renewed before expiry with the same CA, and
// the webhook's caBundle follows; the real `serve --self-manage` process then
// serves a chain that kube-apiserver would trust.

import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { generateWebhookCertificates } from '../../../src/certs/generate.js';
import { caBundlePatch } from '../../../src/cluster/ca-bundle.js';
import { reconcileSelfManaged, type SelfManageOptions } from '../../../src/cluster/self-manage.js';
import { renewalReason } from '../../../src/cluster/serving-secret.js';
import { makeAgent, waitReady } from '../../support/apiserver.js';
import { FakeKubeApi, type StoredObject } from '../../support/kube-api.js';
import { spawnServe } from '../../support/webhook.js';
import { DEPLOYED_CLI } from '../../support/repo.js';
import { temporaryDirectory } from '../../support/temp-dir.js';

const NAMESPACE = 'envoy-injector';
const SECRET = 'envoy-injector-tls';
const WEBHOOK_CONFIG = 'envoy-injector';

function webhookConfiguration(caBundle?: string): StoredObject {
  const clientConfig = { service: { name: 'envoy-injector', namespace: NAMESPACE, path: '/mutate', port: 443 }, ...(caBundle ? { caBundle } : {}) };
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: { name: WEBHOOK_CONFIG },
    webhooks: [
      { name: 'namespace.envoy-injector.io', clientConfig, admissionReviewVersions: ['v1'], sideEffects: 'None' },
      { name: 'object.envoy-injector.io', clientConfig, admissionReviewVersions: ['v1'], sideEffects: 'None' },
    ],
  };
}

function options(certDir: string, extra: Partial<SelfManageOptions> = {}): SelfManageOptions {
  return { namespace: NAMESPACE, secretName: SECRET, service: 'envoy-injector', certDir, webhookConfiguration: WEBHOOK_CONFIG, ...extra };
}

function secretData(api: FakeKubeApi): Record<string, string> {
  const secret = api.get('secrets', NAMESPACE, SECRET);
  assert.ok(secret, 'the Secret exists');
  return Object.fromEntries(Object.entries(secret.data as Record<string, string>).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]));
}

function caBundles(api: FakeKubeApi): (string | undefined)[] {
  const configuration = api.get('mutatingwebhookconfigurations', undefined, WEBHOOK_CONFIG) as unknown as {
    webhooks: { clientConfig: { caBundle?: string } }[];
  };
  return configuration.webhooks.map((webhook) => webhook.clientConfig.caBundle);
}

const tempDir = (): string => temporaryDirectory('self-manage-');

describe('self-managed serving certificate', () => {
  let api: FakeKubeApi;
  beforeEach(async () => {
    api = new FakeKubeApi();
    await api.start();
  });
  afterEach(() => api.stop());

  it('creates the Secret, writes the files, and sets the caBundle of both webhooks', async () => {
    api.put('mutatingwebhookconfigurations', webhookConfiguration());
    const dir = tempDir();
    const result = await reconcileSelfManaged(api.kubeConfig(), options(dir));
    assert.deepEqual(result, { secret: 'created', filesChanged: true, webhooksPatched: 2 });
    const data = secretData(api);
    assert.deepEqual(Object.keys(data).sort(), ['ca.crt', 'ca.key', 'tls.crt', 'tls.key']);
    assert.equal(api.get('secrets', NAMESPACE, SECRET)?.type, 'kubernetes.io/tls');
    // A ten-year CA over one-year serving certificates: renewals keep the caBundle.
    const caYears = (new Date(new X509Certificate(data['ca.crt'] ?? '').validTo).getTime() - Date.now()) / (365 * 24 * 3600 * 1000);
    assert.ok(caYears > 9.9 && caYears < 10.1, `CA valid ${caYears} years`);
    assert.equal(readFileSync(join(dir, 'tls.crt'), 'utf8'), data['tls.crt']);
    assert.equal(readFileSync(join(dir, 'tls.key'), 'utf8'), data['tls.key']);
    assert.equal(readFileSync(join(dir, 'ca.crt'), 'utf8'), data['ca.crt']);
    const expected = Buffer.from(data['ca.crt'] ?? '').toString('base64');
    assert.deepEqual(caBundles(api), [expected, expected]);
    const patch = api.requests.find((request) => request.method === 'PATCH');
    assert.equal(patch?.contentType, 'application/json-patch+json');
    assert.equal(new X509Certificate(data['tls.crt'] ?? '').checkHost('envoy-injector.envoy-injector.svc'), 'envoy-injector.envoy-injector.svc');
  });

  it('a second pass reads the Secret and changes nothing', async () => {
    api.put('mutatingwebhookconfigurations', webhookConfiguration());
    const dir = tempDir();
    await reconcileSelfManaged(api.kubeConfig(), options(dir));
    const writes = api.requests.length;
    const again = await reconcileSelfManaged(api.kubeConfig(), options(dir));
    assert.deepEqual(again, { secret: 'existing', filesChanged: false, webhooksPatched: 0 });
    assert.deepEqual(
      api.requests.slice(writes).map((request) => request.method),
      ['GET', 'GET'],
      'only reads: the Secret and the webhook configuration',
    );
  });

  it('two replicas starting together serve one certificate: the first to create wins', async () => {
    api.put('mutatingwebhookconfigurations', webhookConfiguration());
    api.raceSecretReads(2); // both see "no Secret" before either creates it
    const [first, second] = [tempDir(), tempDir()];
    const results = await Promise.all([reconcileSelfManaged(api.kubeConfig(), options(first)), reconcileSelfManaged(api.kubeConfig(), options(second))]);
    assert.deepEqual(results.map((result) => result.secret).sort(), ['created', 'taken-from-another-replica']);
    assert.equal(api.requests.filter((request) => request.method === 'POST').length, 2, 'both tried to create');
    const winner = secretData(api)['tls.crt'];
    assert.equal(readFileSync(join(first, 'tls.crt'), 'utf8'), winner);
    assert.equal(readFileSync(join(second, 'tls.crt'), 'utf8'), winner);
    assert.deepEqual(new Set(caBundles(api)).size, 1);
  });

  it('renews a certificate that expires within 30 days, keeping the CA and so the caBundle', async () => {
    const old = await generateWebhookCertificates({ service: 'envoy-injector', namespace: NAMESPACE, days: 10 });
    // A CA that outlives the renewal: re-signing keeps the caBundle valid on every replica.
    const longCa = await generateWebhookCertificates({ service: 'envoy-injector', namespace: NAMESPACE, days: 3650 });
    const expiring = await generateWebhookCertificates({
      service: 'envoy-injector',
      namespace: NAMESPACE,
      days: 10,
      ca: { cert: longCa.caCert, key: longCa.caKey },
    });
    const b64 = (text: string): string => Buffer.from(text).toString('base64');
    api.put('secrets', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: SECRET, namespace: NAMESPACE },
      data: { 'ca.crt': b64(expiring.caCert), 'ca.key': b64(expiring.caKey), 'tls.crt': b64(expiring.cert), 'tls.key': b64(expiring.key) },
    });
    api.put('mutatingwebhookconfigurations', webhookConfiguration(b64(longCa.caCert)));
    assert.match(renewalReason(expiring, options('')) ?? '', /^the serving certificate expires /);
    assert.match(renewalReason(old, options('', { service: 'other' })) ?? '', /no SAN for other\.envoy-injector\.svc/);

    const dir = tempDir();
    const result = await reconcileSelfManaged(api.kubeConfig(), options(dir));
    assert.deepEqual(result, { secret: 'renewed', filesChanged: true, webhooksPatched: 0 });
    const data = secretData(api);
    assert.equal(data['ca.crt'], longCa.caCert, 'same CA');
    assert.notEqual(data['tls.crt'], expiring.cert);
    const renewed = new X509Certificate(data['tls.crt'] ?? '');
    assert.ok(new Date(renewed.validTo).getTime() > Date.now() + 300 * 24 * 3600 * 1000);
    assert.ok(renewed.verify(new X509Certificate(longCa.caCert).publicKey));
    assert.ok(
      api.requests.some((request) => request.method === 'PUT'),
      'replaced with the resourceVersion it read',
    );
  });

  it('replaces a Secret that does not fit (wrong service name) and says why through renewalReason', async () => {
    const foreign = await generateWebhookCertificates({ service: 'someone-else', namespace: NAMESPACE });
    const b64 = (text: string): string => Buffer.from(text).toString('base64');
    api.put('secrets', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: SECRET, namespace: NAMESPACE },
      data: { 'ca.crt': b64(foreign.caCert), 'ca.key': b64(foreign.caKey), 'tls.crt': b64(foreign.cert), 'tls.key': b64(foreign.key) },
    });
    assert.equal(renewalReason(foreign, options('')), 'the serving certificate has no SAN for envoy-injector.envoy-injector.svc');
    assert.equal(
      renewalReason({ ...foreign, key: (await generateWebhookCertificates({ service: 'x', namespace: 'y' })).key }, options('', { service: 'someone-else' })),
      'tls.key does not match tls.crt',
    );
    const result = await reconcileSelfManaged(api.kubeConfig(), options(tempDir(), { webhookConfiguration: undefined }));
    assert.equal(result.secret, 'renewed');
    const data = secretData(api);
    const stored = { caCert: data['ca.crt'] ?? '', caKey: data['ca.key'] ?? '', cert: data['tls.crt'] ?? '', key: data['tls.key'] ?? '' };
    assert.equal(renewalReason(stored, options('')), undefined);
  });

  it('a missing webhook configuration is reported, and the certificate is still written', async () => {
    const dir = tempDir();
    const result = await reconcileSelfManaged(api.kubeConfig(), options(dir));
    assert.equal(result.secret, 'created');
    assert.equal(
      result.webhookError,
      'cannot read MutatingWebhookConfiguration envoy-injector: HTTP 404: mutatingwebhookconfigurations.admissionregistration.k8s.io "envoy-injector" not found',
    );
    assert.ok(readFileSync(join(dir, 'tls.crt'), 'utf8').includes('BEGIN CERTIFICATE'));
  });

  it('an API server that refuses gives an error naming the Secret', async () => {
    api.failWith = 503;
    await assert.rejects(
      reconcileSelfManaged(api.kubeConfig(), options(tempDir())),
      /^Error: cannot read Secret envoy-injector\/envoy-injector-tls: HTTP 503: the fake API server is told to fail$/,
    );
  });
});

describe('caBundlePatch', () => {
  it('guards each change with a test of the webhook name, and adds or replaces as needed', () => {
    const configuration = webhookConfiguration('b2xk');
    (configuration.webhooks as { clientConfig: { caBundle?: string } }[])[1]!.clientConfig = { caBundle: 'bmV3' };
    assert.deepEqual(caBundlePatch(configuration as never, 'bmV3'), [
      { op: 'test', path: '/webhooks/0/name', value: 'namespace.envoy-injector.io' },
      { op: 'replace', path: '/webhooks/0/clientConfig/caBundle', value: 'bmV3' },
    ]);
    assert.deepEqual(
      caBundlePatch(webhookConfiguration() as never, 'bmV3').map((op) => op.op),
      ['test', 'add', 'test', 'add'],
    );
    assert.deepEqual(caBundlePatch(webhookConfiguration('bmV3') as never, 'bmV3'), []);
  });
});

describe('serve --self-manage', () => {
  // Each flag that needs a cluster refuses to start without one, rather than doing nothing.
  for (const flags of [['--self-manage'], ['--self-test-every', '5'], ['--fleet-gauges'], ['--xds-port', '15012']]) {
    it(`${flags[0] ?? ''} without a cluster refuses with a one-line reason`, () => {
      const home = tempDir();
      const child = spawn(process.execPath, [DEPLOYED_CLI, 'serve', ...flags, '--cert-dir', home], {
        env: { ...process.env, KUBECONFIG: '', KUBERNETES_SERVICE_HOST: '', HOME: home },
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      return new Promise<void>((resolve) => {
        // 'close', not 'exit': stderr is read whole only once the pipe closes.
        child.on('close', (code) => {
          assert.equal(code, 2, stderr);
          assert.match(stderr, /--self-manage, --self-test-every, --fleet-gauges and --xds-port need a cluster/);
          resolve();
        });
      });
    });
  }

  it('gets its certificate from the cluster, sets the caBundle, syncs its caches, and serves what kube-apiserver trusts', { timeout: 60_000 }, async () => {
    const api = new FakeKubeApi();
    await api.start();
    try {
      api.put('mutatingwebhookconfigurations', webhookConfiguration());
      api.put('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { 'envoy-injector.io/inject': 'enabled' } } });
      const dir = tempDir();
      const kubeconfig = api.writeKubeconfig(join(dir, 'kubeconfig'));
      const certDir = join(dir, 'certs');
      const { child, port, output } = await spawnServe(['--self-manage', '--cert-dir', certDir], {
        KUBECONFIG: kubeconfig,
        KUBERNETES_SERVICE_HOST: '',
        POD_NAMESPACE: NAMESPACE,
        HOME: dir,
      });
      try {
        // The CA that kube-apiserver would use is the one in the webhook configuration.
        const caBundle = caBundles(api)[0];
        assert.ok(caBundle, `caBundle set; log: ${output()}`);
        const agent = makeAgent(Buffer.from(caBundle, 'base64').toString('utf8'), 1, false);
        const ready = await waitReady(agent, port);
        assert.equal(ready.status, 200, ready.body);
        assert.match(output(), /Secret envoy-injector\/envoy-injector-tls created, written to .*caBundle of envoy-injector set on 2 webhook\(s\)/);
        assert.match(output(), /namespace cache synced/);
      } finally {
        child.kill('SIGTERM');
        await new Promise((resolve) => child.once('exit', resolve));
      }
    } finally {
      await api.stop();
    }
  });
});
