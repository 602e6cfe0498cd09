// Bad input never crashes the webhook and always gets an answer; certificates
// rotate under traffic with no failed request; SIGTERM finishes in-flight work.

import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { generateWebhookCertificates } from '../../../src/certs/generate.js';
import { DEFAULT_CONFIG } from '../../../src/config/config.js';
import { startServer } from '../../../src/server/server.js';
import { CertificateWatcher } from '../../../src/server/tls.js';
import { admissionReview, checkSanIdentity, get, makeAgent, post, WEBHOOK_SERVER_NAME, type HttpResult } from '../../support/apiserver.js';
import { spawnServe, startTestWebhook, writeCertificates, type TestWebhook } from '../../support/webhook.js';
import { temporaryDirectory } from '../../support/temp-dir.js';

const POD = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'shop' }, spec: { containers: [{ name: 'app', image: 'x' }] } };

describe('bad input', () => {
  let webhook: TestWebhook;
  let agent: ReturnType<typeof makeAgent>;
  before(async () => {
    webhook = await startTestWebhook({ requestTimeoutMs: 1000 });
    agent = makeAgent(webhook.certificates.caCert);
  });
  after(async () => {
    agent.destroy();
    await webhook.server.close();
  });
  const send = (body: string | Buffer, type?: string): Promise<HttpResult> => post(agent, webhook.server.port, '/mutate', body, type);

  const cases: Array<[string, () => Promise<HttpResult>, number, RegExp]> = [
    ['empty body', () => send(''), 400, /body is empty/],
    ['not JSON', () => send('{"apiVersion":'), 400, /not valid JSON/],
    ['wrong content type', () => send(JSON.stringify(admissionReview(POD)), 'text/plain'), 415, /not application\/json/],
    ['a JSON array', () => send('[]'), 400, /not a JSON object/],
    [
      'wrong apiVersion',
      () => send(JSON.stringify({ ...admissionReview(POD), apiVersion: 'admission.k8s.io/v1beta1' })),
      400,
      /expected apiVersion admission\.k8s\.io\/v1/,
    ],
    ['wrong kind', () => send(JSON.stringify({ ...admissionReview(POD), kind: 'Pod' })), 400, /kind AdmissionReview/],
    ['no request', () => send(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' })), 400, /has no request/],
    ['no uid', () => send(JSON.stringify(admissionReview(POD, { uid: '' }))), 400, /has no uid/],
  ];
  for (const [name, request, status, message] of cases) {
    it(`${name} → HTTP ${status} with a clear message`, async () => {
      const result = await request();
      assert.equal(result.status, status, result.body);
      assert.match(result.body, message);
    });
  }

  it('no object, or an object that is not a Pod → an AdmissionReview that refuses, uid kept', async () => {
    for (const object of [undefined, { kind: 'Pod' }, { spec: { containers: 'app' } }, 'pod']) {
      const review = admissionReview(object);
      const result = await send(JSON.stringify(review));
      assert.equal(result.status, 200);
      const body = JSON.parse(result.body) as { response: { uid: string; allowed: boolean; status: { message: string } } };
      assert.equal(body.response.uid, (review.request as { uid: string }).uid);
      assert.equal(body.response.allowed, false);
      assert.match(body.response.status.message, /it is not a Pod/);
    }
  });

  it('accepts a ~3 MiB object with a ~3 MiB oldObject, refuses more than 7 MiB with 413', async () => {
    const big = { ...POD, metadata: { ...POD.metadata, annotations: { filler: 'x'.repeat(3 * 1024 * 1024 - 1000) } } };
    const ok = await send(JSON.stringify(admissionReview(big, { oldObject: big, operation: 'UPDATE' })));
    assert.equal(ok.status, 200);
    const tooBig = await send(JSON.stringify(admissionReview({ ...POD, metadata: { annotations: { filler: 'x'.repeat(7 * 1024 * 1024) } } })));
    assert.equal(tooBig.status, 413);
  });

  // Bounded: a server that never cuts the client off must fail the test, not hang CI.
  it('a slow client is cut off after the request timeout, and the server keeps serving', { timeout: 10_000 }, async () => {
    const started = Date.now();
    const answer = await new Promise<string>((resolve) => {
      const socket = connect(
        {
          host: '127.0.0.1',
          port: webhook.server.port,
          ca: webhook.certificates.caCert,
          servername: WEBHOOK_SERVER_NAME,
          checkServerIdentity: checkSanIdentity,
        },
        () => {
          socket.write('POST /mutate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"apiVersion"');
        },
      );
      let data = '';
      socket.on('data', (chunk: Buffer) => {
        data += chunk.toString();
      });
      socket.on('close', () => resolve(data));
      socket.on('error', () => resolve(data));
    });
    // Either a 408 or a closed connection: never a request that hangs forever.
    assert.ok(answer === '' || /^HTTP\/1\.1 408/.test(answer), answer);
    assert.ok(Date.now() - started < 5000, `cut off after ${Date.now() - started} ms`);
    assert.equal((await get(agent, webhook.server.port, '/healthz')).status, 200);
  });

  it('serves health, readiness and Prometheus metrics with reason codes', async () => {
    await send(JSON.stringify(admissionReview({ ...POD, metadata: { name: 'q', labels: { 'envoy-injector.io/inject': 'false' } } })));
    assert.equal((await get(agent, webhook.server.port, '/readyz')).status, 200);
    const metrics = await get(agent, webhook.server.port, '/metrics');
    assert.match(metrics.body, /envoy_injector_skips_total\{reason="pod-opted-out"\} [1-9]/);
    assert.match(metrics.body, /envoy_injector_admission_requests_total\{operation="CREATE",result="skipped"\}/);
    assert.match(metrics.body, /envoy_injector_admission_duration_seconds_bucket/);
    assert.match(metrics.body, /process_cpu_user_seconds_total/);
  });

  it('answers 10,000 mixed good and bad requests at 50 concurrent connections, none dropped', { timeout: 120_000 }, async () => {
    const bodies: Array<[string, string, number]> = [
      [JSON.stringify(admissionReview(POD)), 'application/json', 200],
      [JSON.stringify(admissionReview({ ...POD, metadata: { name: 'o', labels: { 'envoy-injector.io/inject': 'false' } } })), 'application/json', 200],
      [JSON.stringify(admissionReview({ ...POD, metadata: { name: 'b', annotations: { 'envoy-injector.io/proxy-cpu': 'lots' } } })), 'application/json', 200],
      ['{not json', 'application/json', 400],
      ['', 'application/json', 400],
      [JSON.stringify(admissionReview(POD)), 'text/yaml', 415],
      [JSON.stringify({ apiVersion: 'v1', kind: 'Pod' }), 'application/json', 400],
    ];
    const total = 10_000;
    let next = 0;
    const failures: string[] = [];
    const worker = async (): Promise<void> => {
      while (next < total) {
        const [body, type, status] = bodies[next++ % bodies.length]!;
        try {
          const result = await send(body, type);
          if (result.status !== status) failures.push(`status ${result.status} for ${type} ${body.slice(0, 40)}`);
        } catch (error) {
          failures.push(`dropped: ${(error as Error).message}`);
        }
      }
    };
    await Promise.all(Array.from({ length: 50 }, worker));
    assert.deepEqual(failures.slice(0, 5), []);
    assert.equal((await get(agent, webhook.server.port, '/healthz')).status, 200);
  });
});

describe('certificate rotation', () => {
  it('swaps certificates (kubelet ..data symlink) under traffic with zero failed requests', { timeout: 60_000 }, async () => {
    const dir = temporaryDirectory('rotation-');
    const first = await generateWebhookCertificates({ service: 'envoy-injector', namespace: 'envoy-injector' });
    // The layout of a Secret volume: files are links through ..data to a timestamped directory.
    const writeVersion = (name: string, cert: string, key: string): void => {
      mkdirSync(join(dir, name));
      writeFileSync(join(dir, name, 'tls.crt'), cert);
      writeFileSync(join(dir, name, 'tls.key'), key);
      symlinkSync(name, join(dir, '..data_tmp'));
      renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
    };
    writeVersion('..v1', first.cert, first.key);
    symlinkSync('..data/tls.crt', join(dir, 'tls.crt'));
    symlinkSync('..data/tls.key', join(dir, 'tls.key'));
    const server = await startServer({ certDir: dir, port: 0, address: '127.0.0.1', config: DEFAULT_CONFIG, certPollMs: 100 });
    // No keep-alive: every request is a new handshake, as after a reconnect.
    const agent = makeAgent(first.caCert, 10, false);
    const served = new Set<string>();
    const failures: string[] = [];
    let running = true;
    const traffic = async (): Promise<number> => {
      let count = 0;
      while (running) {
        try {
          const result = await post(agent, server.port, '/mutate', JSON.stringify(admissionReview(POD)));
          if (result.status !== 200) failures.push(`status ${result.status}`);
          count++;
        } catch (error) {
          failures.push((error as Error).message);
        }
      }
      return count;
    };
    const fingerprint = (): Promise<string> =>
      new Promise((resolve, reject) => {
        const socket = connect(
          { host: '127.0.0.1', port: server.port, ca: first.caCert, servername: WEBHOOK_SERVER_NAME, checkServerIdentity: checkSanIdentity },
          () => {
            resolve(socket.getPeerCertificate().fingerprint256);
            socket.destroy();
          },
        );
        socket.on('error', reject);
      });
    const loops = Array.from({ length: 5 }, traffic);
    served.add(await fingerprint());
    for (let round = 2; round <= 4; round++) {
      const renewed = await generateWebhookCertificates({
        service: 'envoy-injector',
        namespace: 'envoy-injector',
        ca: { cert: first.caCert, key: first.caKey },
      });
      writeVersion(`..v${round}`, renewed.cert, renewed.key);
      const expected = new X509Certificate(renewed.cert).fingerprint256;
      const deadline = Date.now() + 5000;
      while ((await fingerprint()) !== expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      served.add(await fingerprint());
    }
    running = false;
    const counts = await Promise.all(loops);
    agent.destroy();
    await server.close();
    assert.equal(served.size, 4, 'each rotation is served without a restart');
    assert.ok(counts.reduce((a, b) => a + b, 0) > 50, 'traffic flowed during the rotations');
    assert.deepEqual(failures, []);
    assert.equal(readFileSync(join(dir, 'tls.crt'), 'utf8').includes('BEGIN CERTIFICATE'), true);
  });
});

describe('certificate watcher', () => {
  // The order --self-manage writes in. The race this also guards (the
  // certificate landing while the key is being read) is too narrow to force
  // from here; the watcher re-reads after any change seen during a read.
  it('a key and then a certificate replaced one after the other are loaded through the directory watch alone', { timeout: 30_000 }, async () => {
    const dir = temporaryDirectory('watch-');
    const first = await writeCertificates(dir);
    const reloaded: string[] = [];
    const errors: string[] = [];
    // A poll far beyond the test: only the directory watch can deliver the new pair.
    const watcher = new CertificateWatcher(dir, { onReload: (pair) => reloaded.push(pair.cert), onError: (error) => errors.push(error.message) }, 600_000);
    await watcher.start();
    try {
      for (let round = 0; round < 5; round++) {
        const renewed = await generateWebhookCertificates({
          service: 'envoy-injector',
          namespace: 'envoy-injector',
          ca: { cert: first.caCert, key: first.caKey },
        });
        writeFileSync(join(dir, 'tls.key.tmp'), renewed.key);
        writeFileSync(join(dir, 'tls.crt.tmp'), renewed.cert);
        renameSync(join(dir, 'tls.key.tmp'), join(dir, 'tls.key'));
        renameSync(join(dir, 'tls.crt.tmp'), join(dir, 'tls.crt'));
        const deadline = Date.now() + 5000;
        while (reloaded.at(-1) !== renewed.cert && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
        assert.equal(reloaded.at(-1), renewed.cert, `round ${round}: the renewed pair is served (errors seen: ${errors.length})`);
      }
    } finally {
      watcher.stop();
    }
  });
});

describe('graceful shutdown', () => {
  it('on SIGTERM, answers the in-flight review, then exits 0', { timeout: 30_000 }, async () => {
    const certDir = temporaryDirectory('sigterm-');
    const certs = await writeCertificates(certDir);
    const { child, port, output } = await spawnServe(['--cert-dir', certDir], { KUBECONFIG: '', HOME: certDir });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const body = JSON.stringify(admissionReview(POD));
    const response = await new Promise<string>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port, ca: certs.caCert, servername: WEBHOOK_SERVER_NAME, checkServerIdentity: checkSanIdentity }, () => {
        socket.write(
          `POST /mutate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body.slice(0, 20)}`,
        );
        setTimeout(() => {
          child.kill('SIGTERM');
          setTimeout(() => socket.write(body.slice(20)), 300);
        }, 200);
      });
      let data = '';
      socket.on('data', (chunk: Buffer) => {
        data += chunk.toString();
      });
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
    });
    assert.match(response, /^HTTP\/1\.1 200/);
    assert.match(response, /"allowed":true/);
    assert.equal(await exited, 0);
    assert.match(output(), /shutting down after in-flight reviews/);
  });
});
