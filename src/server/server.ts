// The HTTPS webhook server: TLS ≥ 1.2 from a certificate directory reloaded
// live, the app, and a graceful close that answers in-flight reviews first.

import type { FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import type { Server as HttpsServer } from 'node:https';
import type { ReviewDependencies } from '../admission/review.js';
import type { InjectorConfig } from '../config/config.js';
import type { ClusterCaches } from '../cluster/cluster.js';
import { buildApp } from './app.js';
import { WebhookMetrics } from './metrics.js';
import { CertificateWatcher } from './tls.js';

export interface ServerOptions {
  certDir: string;
  port: number;
  address: string;
  config: InjectorConfig;
  cluster?: ClusterCaches;
  /** Defaults to a silent logger (tests); `serve` passes its own. */
  logger?: Logger;
  certPollMs?: number;
  /** How long a request may take to arrive in full (slow clients). */
  requestTimeoutMs?: number;
}

export interface RunningServer {
  app: FastifyInstance;
  port: number;
  close(): Promise<void>;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  // The app exists only after the certificates are read, so /readyz need
  // not track them: without a valid pair the server never starts.
  let app: FastifyInstance | undefined;
  const certificates = new CertificateWatcher(
    options.certDir,
    {
      onReload: (pair) => {
        (app?.server as HttpsServer | undefined)?.setSecureContext({ ...pair, minVersion: 'TLSv1.2' });
        app?.log.info({ certDir: options.certDir }, 'serving certificate reloaded');
      },
      onError: (error) => app?.log.warn({ certDir: options.certDir, err: error.message }, 'serving certificate not (re)loaded; keeping the current one'),
    },
    options.certPollMs,
  );
  const pair = await certificates.start();

  const { cluster, config } = options;
  const dependencies: ReviewDependencies = { config, ...(cluster ? { namespaces: cluster, services: cluster } : {}) };
  app = buildApp({
    dependencies,
    metrics: new WebhookMetrics(),
    readiness: {
      notReadyBecause: () => {
        if (cluster && !cluster.synced()) return 'namespace and service caches not synced yet';
        return undefined;
      },
    },
    fastify: {
      // connectionsCheckingInterval: how often Node enforces requestTimeout (30 s by default).
      https: { ...pair, minVersion: 'TLSv1.2', connectionsCheckingInterval: 1000 },
      loggerInstance: options.logger ?? pino({ level: 'silent' }),
      // kube-apiserver gives up after the webhook's timeoutSeconds (≤ 30 s):
      // a client slower than this is not the API server.
      requestTimeout: options.requestTimeoutMs ?? 15_000,
      // A client that stops sending is cut off even where requestTimeout is not enforced.
      connectionTimeout: options.requestTimeoutMs ?? 15_000,
      forceCloseConnections: 'idle',
    },
  });
  await app.listen({ port: options.port, host: options.address });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const running = app;
  return {
    app: running,
    port,
    close: async () => {
      certificates.stop();
      await running.close();
      await cluster?.stop();
    },
  };
}
