// The certificates as kube-apiserver checks them: chain to the CA, server
// name <svc>.<ns>.svc in the SANs (a certificate without SANs must fail).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { join } from 'node:path';
import { connect, type TLSSocket } from 'node:tls';
import { describe, it } from 'node:test';
import selfsigned from 'selfsigned';
import { generateWebhookCertificates } from '../../../src/certs/generate.js';
import { checkSanIdentity } from '../../support/apiserver.js';
import { DEPLOYED_CLI } from '../../support/repo.js';
import { temporaryDirectory } from '../../support/temp-dir.js';

function handshake(cert: string, key: string, ca: string, servername: string): Promise<{ authorized: boolean; error?: string }> {
  return new Promise((resolve) => {
    const server = createServer({ cert, key }, (_req, res) => res.end('ok'));
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      const socket: TLSSocket = connect({ host: '127.0.0.1', port, ca, servername, minVersion: 'TLSv1.2', checkServerIdentity: checkSanIdentity });
      const finish = (result: { authorized: boolean; error?: string }): void => {
        socket.destroy();
        server.close();
        resolve(result);
      };
      socket.once('secureConnect', () => finish({ authorized: socket.authorized }));
      socket.once('error', (error: NodeJS.ErrnoException) => finish({ authorized: false, error: error.code ?? error.message }));
    });
  });
}

describe('envoy-injector certs', () => {
  it('writes ca.crt, tls.crt and tls.key and prints the caBundle', () => {
    const out = temporaryDirectory('certs-cli-');
    const result = spawnSync(process.execPath, [DEPLOYED_CLI, 'certs', '--out', out, '--service', 'hook', '--namespace', 'mesh'], {
      encoding: 'utf8',
    });
    assert.equal(result.status, 0, result.stderr);
    const ca = readFileSync(join(out, 'ca.crt'), 'utf8');
    assert.equal(Buffer.from(result.stdout.trim(), 'base64').toString('utf8'), ca);
    const serving = new X509Certificate(readFileSync(join(out, 'tls.crt')));
    assert.equal(serving.subjectAltName, 'DNS:hook, DNS:hook.mesh, DNS:hook.mesh.svc, DNS:hook.mesh.svc.cluster.local, IP Address:127.0.0.1');
    assert.ok(serving.verify(new X509Certificate(ca).publicKey));
  });

  it('the serving certificate chains to the CA, is sha256 and for serverAuth', async () => {
    const certs = await generateWebhookCertificates({ service: 'envoy-injector', namespace: 'envoy-injector' });
    const serving = new X509Certificate(certs.cert);
    assert.ok(serving.checkIssued(new X509Certificate(certs.caCert)));
    assert.deepEqual(serving.keyUsage, ['1.3.6.1.5.5.7.3.1']);
    assert.equal(new X509Certificate(certs.caCert).ca, true);
    assert.equal(serving.ca, false);
    // The DER names its signature algorithm by OID: sha256WithRSAEncryption, not sha1.
    const sha256WithRsa = Buffer.from('06092a864886f70d01010b', 'hex');
    const sha1WithRsa = Buffer.from('06092a864886f70d010105', 'hex');
    assert.ok(serving.raw.includes(sha256WithRsa));
    assert.ok(!serving.raw.includes(sha1WithRsa));
  });

  it('verifies with Node TLS for the name <svc>.<ns>.svc, and not for another name', async () => {
    const certs = await generateWebhookCertificates({ service: 'envoy-injector', namespace: 'envoy-injector' });
    assert.deepEqual(await handshake(certs.cert, certs.key, certs.caCert, 'envoy-injector.envoy-injector.svc'), { authorized: true });
    assert.equal((await handshake(certs.cert, certs.key, certs.caCert, 'other.envoy-injector.svc')).error, 'ERR_TLS_CERT_ALTNAME_INVALID');
  });

  it('a certificate without SANs fails, as kube-apiserver would refuse it', async () => {
    const certs = await generateWebhookCertificates({ service: 'envoy-injector', namespace: 'envoy-injector' });
    const noSan = await selfsigned.generate([{ name: 'commonName', value: 'envoy-injector.envoy-injector.svc' }], {
      algorithm: 'sha256',
      keySize: 2048,
      ca: { key: certs.caKey, cert: certs.caCert },
      extensions: [{ name: 'basicConstraints', cA: false }],
    });
    const result = await handshake(noSan.cert, noSan.private, certs.caCert, 'envoy-injector.envoy-injector.svc');
    assert.equal(result.authorized, false);
    assert.equal(result.error, 'ERR_TLS_CERT_ALTNAME_INVALID');
  });
});
