// The fastify app: routes only, no listening. Tests drive it through
// app.inject(); server.ts adds TLS, listening and shutdown.

import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { ServerOptions as HttpsServerOptions } from 'node:https';
import { BadReviewError, errored, reviewAdmission, type ReviewDependencies } from '../admission/review.js';
import { formatReason } from '../inject/reasons.js';
import type { WebhookMetrics } from './metrics.js';

/** Room for an object and an oldObject of ~3 MiB each, as for controller-runtime. */
const BODY_LIMIT_BYTES = 7 * 1024 * 1024;
const DEFAULT_MAX_REVIEWS_IN_FLIGHT = 4;

export interface Readiness {
  /** Undefined when ready; otherwise what is missing. */
  notReadyBecause(): string | undefined;
}

export interface AppOptions {
  dependencies: ReviewDependencies;
  metrics: WebhookMetrics;
  readiness: Readiness;
  /** Reviews read and computed at once; more get 429 before their body is read.
   * With the 7 MiB body limit, this is what bounds the server's memory. */
  maxReviewsInFlight?: number;
  /** Answer /mutate (and /metrics here) only to clients whose certificate the
   * server's client CA verified; health endpoints stay open for kubelet. */
  requireClientCertificate?: boolean;
  /** False when /metrics has a port of its own (server.ts). */
  serveMetrics?: boolean;
  /** Server options; `https` turns the app into an HTTPS server (server.ts). */
  fastify?: FastifyServerOptions & { https?: HttpsServerOptions };
}

export function buildApp(options: AppOptions): FastifyInstance {
  // One instance type for HTTP (tests with app.inject) and HTTPS (server.ts).
  const app = Fastify({ bodyLimit: BODY_LIMIT_BYTES, ...options.fastify } as FastifyServerOptions) as FastifyInstance;

  // JSON only: anything else is refused before the body is read.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(['application/json'], { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, body === '' ? undefined : JSON.parse(body as string));
    } catch (error) {
      done(Object.assign(new Error(`the body is not valid JSON: ${(error as Error).message}`), { statusCode: 400 }), undefined);
    }
  });

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
    const message =
      error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
        ? `content type ${JSON.stringify(request.headers['content-type'] ?? '')} is not application/json`
        : error.message;
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    void reply.status(status).send({ error: message });
  });

  const maxInFlight = options.maxReviewsInFlight ?? DEFAULT_MAX_REVIEWS_IN_FLIGHT;
  let inFlight = 0;
  // Before the body is read: a flood of large reviews never holds more than
  // maxInFlight of them in memory. kube-apiserver treats 429 as a failed call.
  app.addHook('onRequest', async (request, reply) => {
    if (options.requireClientCertificate && request.url !== '/healthz' && request.url !== '/readyz' && !isVerifiedClient(request.raw.socket)) {
      return reply.status(401).send({ error: 'a client certificate signed by the configured client CA is required' });
    }
    if (request.routeOptions.url !== '/mutate') return;
    if (inFlight >= maxInFlight) {
      return reply
        .status(429)
        .header('retry-after', '1')
        .send({ error: `${maxInFlight} reviews are already being answered: retry` });
    }
    inFlight++;
    let released = false;
    const release = (): void => {
      if (!released) inFlight--;
      released = true;
    };
    reply.raw.once('close', release);
    reply.raw.once('finish', release);
  });

  app.post('/mutate', async (request, reply) => {
    const started = process.hrtime.bigint();
    const seconds = (): number => Number(process.hrtime.bigint() - started) / 1e9;
    if (request.body === undefined) {
      options.metrics.recordUnreadable(seconds());
      return reply.status(400).send({ error: 'the body is empty: expected an AdmissionReview' });
    }
    try {
      const outcome = reviewAdmission(request.body, options.dependencies);
      options.metrics.record(outcome, seconds());
      request.log.info(
        {
          uid: outcome.review.response.uid,
          operation: outcome.operation,
          namespace: outcome.namespace,
          pod: outcome.name,
          decision: outcome.result,
          ...(outcome.reasons.length > 0 ? { reasons: outcome.reasons.map((r) => r.code), why: outcome.reasons.map(formatReason) } : {}),
          ...(outcome.problems.length > 0 ? { problems: outcome.problems } : {}),
        },
        'admission review',
      );
      return outcome.review;
    } catch (error) {
      options.metrics.recordUnreadable(seconds());
      if (error instanceof BadReviewError) return reply.status(400).send({ error: error.message });
      // A bug must not drop the request: answer it as an error, uid kept.
      const uid = (request.body as { request?: { uid?: unknown } }).request?.uid;
      request.log.error({ err: error, uid }, 'admission review failed');
      if (typeof uid !== 'string') throw error;
      return errored(uid, error as Error);
    }
  });

  app.get('/healthz', () => Promise.resolve({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const missing = options.readiness.notReadyBecause();
    return missing === undefined ? { status: 'ready' } : reply.status(503).send({ status: 'not ready', reason: missing });
  });
  if (options.serveMetrics !== false) registerMetrics(app, options.metrics);
  return app;
}

export function registerMetrics(app: FastifyInstance, metrics: WebhookMetrics): void {
  app.get('/metrics', async (_request, reply) => {
    void reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}

function isVerifiedClient(socket: unknown): boolean {
  return (socket as { authorized?: boolean }).authorized === true;
}
