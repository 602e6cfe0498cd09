// Starts the real server over HTTPS on an ephemeral loopback port with fresh
// certificates, for tests.

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateWebhookCertificates, type WebhookCertificates } from '../../src/certs/generate.js';
import { DEFAULT_CONFIG } from '../../src/config/config.js';
import { startServer, type RunningServer, type ServerOptions } from '../../src/server/server.js';
import { DEPLOYED_CLI } from './repo.js';
import { temporaryDirectory } from './temp-dir.js';

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
  const certDir = temporaryDirectory('envoy-injector-certs-');
  const certificates = await writeCertificates(certDir);
  const server = await startServer({ certDir, port: 0, address: '127.0.0.1', config: DEFAULT_CONFIG, ...options });
  return { server, certDir, certificates };
}

export interface ServeProcess {
  child: ChildProcessWithoutNullStreams;
  port: number;
  /** Everything it printed so far. */
  output: () => string;
}

/** Runs the built `envoy-injector serve` as a process, resolving once it listens. */
export async function spawnServe(args: readonly string[], env: NodeJS.ProcessEnv): Promise<ServeProcess> {
  const child = spawn(process.execPath, [DEPLOYED_CLI, 'serve', '--port', '0', '--address', '127.0.0.1', ...args], {
    env: { ...process.env, ...env },
  });
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening at https:\/\/127\.0\.0\.1:(\d+)/.exec(output);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', () => reject(new Error(`server exited early: ${output}`)));
  });
  return { child, port, output: () => output };
}
