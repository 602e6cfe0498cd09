// Starts the real server over HTTPS on an ephemeral loopback port with fresh
// certificates, for tests.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateWebhookCertificates, type WebhookCertificates } from '../../src/certs/generate.js';
import { DEFAULT_CONFIG } from '../../src/config/config.js';
import { startServer, type RunningServer, type ServerOptions } from '../../src/server/server.js';

export interface TestWebhook {
  server: RunningServer;
  certDir: string;
  certificates: WebhookCertificates;
}

export async function writeCertificates(dir: string): Promise<WebhookCertificates> {
  const certificates = await generateWebhookCertificates({ service: 'envoy-injector', namespace: 'envoy-injector' });
  writeFileSync(join(dir, 'tls.crt'), certificates.cert);
  writeFileSync(join(dir, 'tls.key'), certificates.key);
  writeFileSync(join(dir, 'ca.crt'), certificates.caCert);
  return certificates;
}

export async function startTestWebhook(options: Partial<ServerOptions> = {}): Promise<TestWebhook> {
  const certDir = mkdtempSync(join(tmpdir(), 'envoy-injector-certs-'));
  const certificates = await writeCertificates(certDir);
  const server = await startServer({ certDir, port: 0, address: '127.0.0.1', config: DEFAULT_CONFIG, ...options });
  return { server, certDir, certificates };
}
