// The HTTPS webhook server: TLS ≥ 1.2 from a certificate directory reloaded
// live, the app, and a graceful close that answers in-flight reviews first.

import Fastify, { type FastifyInstance } from 'fastify';
import { pino, type Logger } from 'pino';
import type { Server as HttpsServer } from 'node:https';
import type { ReviewDependencies } from '../admission/review.js';
import type { ProxySync } from '../envoy/ads-stream.js';
import type { InjectorConfig } from '../config/config.js';
import type { ClusterCaches } from '../cluster/cluster.js';
import { buildApp, registerMetrics } from './app.js';
import type { BodyLimits } from './review-body.js';
import { WebhookMetrics } from './metrics.js';
import { CertificateWatcher, TLS_SETTINGS, type KeyPair } from './tls.js';

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
  /** PEM of the CA that signs the API server's client certificate: /mutate
   * then answers only clients it verified (see docs/operations.md). */
  clientCa?: string;
  /** Serve /metrics over plain HTTP on this port instead of the webhook's. */
  metricsPort?: number;
  maxReviewBytesInFlight?: number;
  /** Open connections at once; more are refused as they arrive. */
  maxConnections?: number;
  /** How reviews' bodies are read (tests shorten the deadlines). */
  bodyLimits?: Partial<BodyLimits>;
  /** Told of the serving certificate at start and at every reload (the xDS server serves with it too). */
  onCertificate?: (pair: KeyPair) => void;
  /** The xDS server's proxies, for GET /proxy-status. */
  proxySync?: () => readonly ProxySync[] | undefined;
}

/** kube-apiserver opens one connection per review in flight (HTTP/1.1) and
 * keeps a few idle: 1,024 is far above that, and bounds what idle or
 * half-open connections cost (~20 KiB each: ~20 MiB; see SECURITY.md). */
const DEFAULT_MAX_CONNECTIONS = 1024;
/** A TLS handshake not done by then is not kube-apiserver's (Node's default is 120 s). */
const HANDSHAKE_TIMEOUT_MS = 10_000;

export interface RunningServer {
  app: FastifyInstance;
  port: number;
  /** For what runs beside the server and reports on /metrics (the self-test). */
  metrics: WebhookMetrics;
  metricsPort?: number;
  close(): Promise<void>;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  // The app exists only after the certificates are read, so /readyz need
  // not track them: without a valid pair the server never starts.
  let app: FastifyInstance | undefined;
  const log = options.logger ?? pino({ level: 'silent' });
  const certificates = new CertificateWatcher(
    options.certDir,
    {
      onReload: (pair) => {
        (app?.server as HttpsServer | undefined)?.setSecureContext({ ...pair, ...TLS_SETTINGS, ...clientVerification });
        options.onCertificate?.(pair);
        log.info({ certDir: options.certDir }, 'serving certificate reloaded');
      },
      onError: (error) => log.warn({ certDir: options.certDir, err: error.message }, 'serving certificate not (re)loaded; keeping the current one'),
    },
    options.certPollMs,
  );
  const clientVerification = options.clientCa === undefined ? {} : { ca: options.clientCa, requestCert: true, rejectUnauthorized: false };
  const pair = await certificates.start();
  options.onCertificate?.(pair);
  const metrics = new WebhookMetrics();

  const { cluster, config } = options;
  const dependencies: ReviewDependencies = { config, ...(cluster ? { namespaces: cluster, services: cluster } : {}) };
  app = buildApp({
    dependencies,
    metrics,
    log,
    requireClientCertificate: options.clientCa !== undefined,
    ...(options.proxySync ? { proxySync: options.proxySync } : {}),
    serveMetrics: options.metricsPort === undefined,
    ...(options.maxReviewBytesInFlight === undefined ? {} : { maxReviewBytesInFlight: options.maxReviewBytesInFlight }),
    ...(options.bodyLimits === undefined ? {} : { bodyLimits: options.bodyLimits }),
    readiness: {
      notReadyBecause: () => {
        if (cluster && !cluster.synced()) return 'namespace and service caches not synced yet';
        return undefined;
      },
    },
    fastify: {
      // connectionsCheckingInterval: how often Node enforces requestTimeout (30 s by default).
      https: { ...pair, ...TLS_SETTINGS, ...clientVerification, connectionsCheckingInterval: 1000, handshakeTimeout: HANDSHAKE_TIMEOUT_MS },
      // fastify's own lines (a request, a response) only at debug level,
      // where they help: one line per review is the app's, on `log` above.
      loggerInstance: log.child({}, { level: log.isLevelEnabled('debug') ? log.level : 'warn' }),
      // kube-apiserver gives up after the webhook's timeoutSeconds (≤ 30 s):
      // a client slower than this is not the API server.
      requestTimeout: options.requestTimeoutMs ?? 15_000,
      // A client that stops sending is cut off even where requestTimeout is not enforced.
      connectionTimeout: options.requestTimeoutMs ?? 15_000,
      forceCloseConnections: 'idle',
    },
  });
  app.server.maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
  await app.listen({ port: options.port, host: options.address });
  log.info(`listening at https://${options.address}:${listeningPort(app, options.port)}`);
  const metricsApp = options.metricsPort === undefined ? undefined : await startMetricsServer(metrics, options.metricsPort, options.address);
  const running = app;
  return {
    app: running,
    port: listeningPort(app, options.port),
    metrics,
    ...(metricsApp ? { metricsPort: listeningPort(metricsApp, options.metricsPort ?? 0) } : {}),
    close: async () => {
      certificates.stop();
      await Promise.all([running.close(), metricsApp?.close()]);
      await cluster?.stop();
    },
  };
}

/** /metrics alone, plain HTTP: scrapers reach it without the webhook's port,
 * which a NetworkPolicy can then open to the API server only. */
async function startMetricsServer(metrics: WebhookMetrics, port: number, address: string): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  registerMetrics(app, metrics);
  await app.listen({ port, host: address });
  return app;
}

function listeningPort(app: FastifyInstance, fallback: number): number {
  const address = app.server.address();
  return typeof address === 'object' && address ? address.port : fallback;
}
