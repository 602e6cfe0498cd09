// The fastify app: routes only, no listening. Tests drive it through
// app.inject(); server.ts adds TLS, listening and shutdown.

import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { ServerOptions as HttpsServerOptions } from 'node:https';
import { Reviewer, type Answer } from '../admission/answer.js';
import { BadReviewError, errored, type ReviewDependencies } from '../admission/review.js';
import { formatReason } from '../inject/reasons.js';
import type { WebhookMetrics } from './metrics.js';
import type { Logger } from 'pino';

/** Room for an object and an oldObject of ~3 MiB each, as for controller-runtime. */
const BODY_LIMIT_BYTES = 7 * 1024 * 1024;
/** A review takes about a millisecond; a hundred means something to look at. */
const SLOW_REVIEW_SECONDS = 0.1;

/** Three of the largest reviews at once: within the Deployment's 256 MiB. */
const DEFAULT_MAX_REVIEW_BYTES_IN_FLIGHT = 3 * BODY_LIMIT_BYTES;

function mib(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(1);
}

export interface Readiness {
  /** Undefined when ready; otherwise what is missing. */
  notReadyBecause(): string | undefined;
}

export interface AppOptions {
  dependencies: ReviewDependencies;
  metrics: WebhookMetrics;
  /** Where the one line per review goes. */
  log: Logger;
  readiness: Readiness;
  /** Bytes of review bodies read and computed at once (by Content-Length);
   * more get 429 before their body is read. This bounds the server's memory. */
  maxReviewBytesInFlight?: number;
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

  const budget = options.maxReviewBytesInFlight ?? DEFAULT_MAX_REVIEW_BYTES_IN_FLIGHT;
  let bytesInFlight = 0;
  // Before the body is read: the bodies being read and computed at once never
  // add up to more than the budget, so a flood of 7 MiB reviews cannot exhaust
  // memory, while ordinary reviews (kilobytes) are never held back. One review
  // is always let through. kube-apiserver treats 429 as a failed call.
  // Callback style: an async hook costs a promise per request. A hook that
  // answers does not call done().
  app.addHook('onRequest', (request, reply, done) => {
    if (options.requireClientCertificate && request.url !== '/healthz' && request.url !== '/readyz' && !isVerifiedClient(request.raw.socket)) {
      void reply.status(401).send({ error: 'a client certificate signed by the configured client CA is required' });
      return;
    }
    if (request.routeOptions.url !== '/mutate') {
      done();
      return;
    }
    const declared = Number(request.headers['content-length']);
    const cost = Number.isInteger(declared) && declared >= 0 ? Math.min(declared, BODY_LIMIT_BYTES) : BODY_LIMIT_BYTES;
    if (bytesInFlight > 0 && bytesInFlight + cost > budget) {
      void reply
        .status(429)
        .header('retry-after', '1')
        .send({ error: `${mib(bytesInFlight)} MiB of reviews are already being answered (the limit is ${mib(budget)} MiB): retry` });
      return;
    }
    bytesInFlight += cost;
    let released = false;
    const release = (): void => {
      if (!released) bytesInFlight -= cost;
      released = true;
    };
    reply.raw.once('close', release);
    reply.raw.once('finish', release);
    done();
  });

  const reviewer = new Reviewer(options.dependencies);
  app.post('/mutate', async (request, reply) => {
    const started = process.hrtime.bigint();
    const seconds = (): number => Number(process.hrtime.bigint() - started) / 1e9;
    if (request.body === undefined) {
      options.metrics.recordUnreadable(seconds());
      return reply.status(400).send({ error: 'the body is empty: expected an AdmissionReview' });
    }
    let answer: Answer;
    try {
      const declared = Number(request.headers['content-length']);
      // Without a length (chunked), the review is taken as too large to reuse.
      answer = reviewer.answer(request.body, Number.isInteger(declared) ? declared : Infinity);
    } catch (error) {
      options.metrics.recordUnreadable(seconds());
      if (error instanceof BadReviewError) return reply.status(400).send({ error: error.message });
      // A bug must not drop the request: answer it as an error, uid kept.
      const uid = (request.body as { request?: { uid?: unknown } }).request?.uid;
      options.log.error({ err: error, uid }, 'admission review failed');
      if (typeof uid !== 'string') throw error;
      return errored(uid, error as Error);
    }
    const { outcome, body, reused } = answer;
    const took = seconds();
    options.metrics.record(outcome, took, reused);
    // Every step is linear in bounded input; a slow review means a limit is wrong.
    if (took > SLOW_REVIEW_SECONDS) options.log.warn({ uid: outcome.review.response.uid, seconds: took }, 'admission review was slow');
    options.log.info(
      {
        uid: outcome.review.response.uid,
        operation: outcome.operation,
        namespace: outcome.namespace,
        pod: outcome.name,
        decision: outcome.result,
        ...(reused ? { reused } : {}),
        ...(outcome.reasons.length > 0 ? { reasons: outcome.reasons.map((r) => r.code), why: outcome.reasons.map(formatReason) } : {}),
        ...(outcome.problems.length > 0 ? { problems: outcome.problems } : {}),
      },
      'admission review',
    );
    // Bytes, serialized once (or reused): fastify sends them as they are.
    return reply.type('application/json; charset=utf-8').send(body);
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
