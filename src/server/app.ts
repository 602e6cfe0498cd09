// The fastify app: routes only, no listening. Tests drive it through
// app.inject(); server.ts adds TLS, listening and shutdown.

import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { ServerOptions as HttpsServerOptions } from 'node:https';
import type { ProxySync } from '../envoy/ads-stream.js';
import { Reviewer, type Answer } from '../admission/answer.js';
import { BadReviewError, errored, type ReviewDependencies } from '../admission/review.js';
import { formatReason } from '../inject/reasons.js';
import type { WebhookMetrics } from './metrics.js';
import type { Logger } from 'pino';
import { BodyError, InFlightBudget, readJsonBody, type BodyLimits, type Charge } from './review-body.js';

/** Room for an object and an oldObject of ~3 MiB each, as for controller-runtime. */
const BODY_LIMIT_BYTES = 7 * 1024 * 1024;
/** A review takes about a millisecond; a hundred means something to look at. */
const SLOW_REVIEW_SECONDS = 0.1;

/** How a review body is read (server/review-body.ts); each bound is a
 * resource a caller could otherwise make the webhook spend. */
export const DEFAULT_BODY_LIMITS: BodyLimits = {
  maxBodyBytes: BODY_LIMIT_BYTES,
  // The largest real review (two 3 MiB pods of env vars) is estimated at ~30 MiB.
  maxParsedBytes: 48 * 2 ** 20,
  // A Pod nests ~15 levels inside its review.
  maxDepth: 64,
  // kube-apiserver gives up after the webhook's timeoutSeconds (5 in our manifests, ≤ 30).
  deadlineMs: 10_000,
  rateWindowMs: 1000,
  minBytesPerSecond: 32 * 1024,
};

/** Received bytes plus parsed heap of the reviews in flight, beyond the one
 * that always proceeds: with it, at most ~70 MiB, within the Deployment's
 * 128 MiB heap (20 concurrent 7 MiB reviews peaked at 167–182 MiB RSS). */
const DEFAULT_MAX_REVIEW_BYTES_IN_FLIGHT = 16 * 2 ** 20;

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
  /** Bytes of review bodies received and parsed (estimated heap) at once;
   * a review that would go past it gets 429. This bounds the server's memory. */
  maxReviewBytesInFlight?: number;
  /** How bodies are read; DEFAULT_BODY_LIMITS unless a test shortens them. */
  bodyLimits?: Partial<BodyLimits>;
  /** Answer /mutate (and /metrics here) only to clients whose certificate the
   * server's client CA verified; health endpoints stay open for kubelet. */
  requireClientCertificate?: boolean;
  /** False when /metrics has a port of its own (server.ts). */
  serveMetrics?: boolean;
  /** Server options; `https` turns the app into an HTTPS server (server.ts). */
  fastify?: FastifyServerOptions & { https?: HttpsServerOptions };
  /** The ADS server's proxies and their sync state (GET /proxy-status, for
   * `status`); undefined when this replica serves no xDS. */
  proxySync?: () => readonly ProxySync[] | undefined;
}

export function buildApp(options: AppOptions): FastifyInstance {
  // One instance type for HTTP (tests with app.inject) and HTTPS (server.ts).
  const app = Fastify({ bodyLimit: BODY_LIMIT_BYTES, ...options.fastify } as FastifyServerOptions) as FastifyInstance;

  const limits: BodyLimits = { ...DEFAULT_BODY_LIMITS, ...options.bodyLimits };
  const budget = new InFlightBudget(options.maxReviewBytesInFlight ?? DEFAULT_MAX_REVIEW_BYTES_IN_FLIGHT);
  const charges = new WeakMap<object, Charge>();
  /** Each body's estimated heap, for the answers cache to be charged with. */
  const heapOfBody = new WeakMap<object, number>();

  // JSON only: anything else is refused before the body is read. The body is
  // charged to the budget as it arrives, and by its estimated heap before it
  // is parsed (review-body.ts).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(['application/json'], (request, payload, done) => {
    // /mutate's charge was opened on arrival and is released with its answer;
    // a body on any other route holds its share only while it is read.
    const opened = charges.get(request.raw);
    const charge = opened ?? budget.open();
    readJsonBody(payload, charge, limits).then(
      ({ value, heapBytes }) => {
        if (!opened) charge.release();
        heapOfBody.set(request.raw, heapBytes);
        done(null, value);
      },
      (error: unknown) => {
        if (!opened) charge.release();
        done(error as BodyError, undefined);
      },
    );
  });

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
    const message =
      error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE'
        ? `content type ${JSON.stringify(request.headers['content-type'] ?? '')} is not application/json`
        : error.message;
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    // A body refused while it arrived is not read further: the connection goes.
    if (error instanceof BodyError) void reply.header('connection', 'close');
    if (status === 429) void reply.header('retry-after', '1');
    void reply.status(status).send({ error: message });
  });

  // Before the body is read: a declared size over the limit is refused at
  // once; otherwise the review gets its share of the budget, charged as its
  // bytes arrive and released when it is answered or its connection goes.
  // kube-apiserver treats 429 as a failed call. Callback style: an async hook
  // costs a promise per request. A hook that answers does not call done().
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
    if (Number.isInteger(declared) && declared > limits.maxBodyBytes) {
      void reply
        .status(413)
        .header('connection', 'close')
        .send({ error: `the body is ${declared} bytes, over the limit of ${limits.maxBodyBytes}` });
      return;
    }
    const charge = budget.open();
    charges.set(request.raw, charge);
    const release = (): void => {
      charge.release();
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
      answer = reviewer.answer(request.body, Number.isInteger(declared) ? declared : Infinity, heapOfBody.get(request.raw));
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
  // Pod names and the proxies' own NACK messages: on the webhook's port only,
  // behind its client-certificate check when it has one (docs/operations.md).
  app.get('/proxy-status', async (_request, reply) => {
    const proxies = options.proxySync?.();
    return proxies === undefined ? reply.status(404).send({ error: 'this replica serves no xDS (serve --xds-port)' }) : { proxies };
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
