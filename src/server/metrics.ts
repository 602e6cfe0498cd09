// Prometheus metrics of the webhook: requests by operation and result,
// injections, skips by reason code, latency, and the process defaults.

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ReviewOutcome } from '../admission/review.js';

interface BoundReviewMetrics {
  requests: { inc(): void };
  duration: { observe(value: number): void };
}

export class WebhookMetrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'envoy_injector_admission_requests_total',
    help: 'Admission reviews answered, by operation and result.',
    labelNames: ['operation', 'result'] as const,
    registers: [this.registry],
  });
  private readonly injections = new Counter({
    name: 'envoy_injector_injections_total',
    help: 'Pods injected with the Envoy sidecar.',
    registers: [this.registry],
  });
  private readonly skips = new Counter({
    name: 'envoy_injector_skips_total',
    help: 'Pods not injected, by reason code (a pod with several reasons counts once per reason).',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  private readonly reused = new Counter({
    name: 'envoy_injector_answers_reused_total',
    help: 'Admission reviews answered with the answer to an identical earlier pod creation (a ReplicaSet scaling up sends the same pod for each replica).',
    registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: 'envoy_injector_admission_duration_seconds',
    help: 'Time to answer one admission review.',
    labelNames: ['operation'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });

  /** Made at the first self-test: a gauge is exported as 0 until set, and
   * 0 means "failed" (the alert); with no self-test it must be absent. */
  private selfTestSuccess: Gauge | undefined;
  private readonly selfTestRuns = new Counter({
    name: 'envoy_injector_self_test_runs_total',
    help: 'End-to-end self-test runs, by result.',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  /** Gauges read from the fleet tracker at each scrape. */
  trackFleet(counts: () => Map<string, { missing: number; stale: number; uncaptured: number }> | undefined): void {
    const gauge = (name: string, help: string, field: 'missing' | 'stale' | 'uncaptured'): void => {
      new Gauge({
        name,
        help,
        labelNames: ['namespace'] as const,
        registers: [this.registry],
        collect() {
          this.reset();
          // Absent until the pod watch and the namespace cache have synced.
          for (const [namespace, count] of counts() ?? []) if (count[field] > 0) this.set({ namespace }, count[field]);
        },
      });
    };
    gauge('envoy_injector_pods_missing_proxy', "Running pods that should have the proxy by the injector's decision and do not, by namespace.", 'missing');
    gauge('envoy_injector_pods_stale_proxy', 'Running pods whose proxy the injector would inject differently today, by namespace.', 'stale');
    gauge(
      'envoy_injector_pods_uncaptured',
      "Pods in cni capture mode whose envoy-validate fails (the node's CNI plugin did not install their rules; they wait), by namespace.",
      'uncaptured',
    );
  }

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** The ADS server's metrics, made when it starts: without --xds-port they are absent, not 0. */
  private xds: { pushes: Counter<'type'>; nacks: Counter<'type'>; refused: Counter<'code'>; latency: Histogram<'type'> } | undefined;

  /** connected: read at each scrape. */
  trackXds(connected: () => number): void {
    new Gauge({
      name: 'envoy_injector_xds_connected_proxies',
      help: 'Proxies with an identified ADS stream to this replica.',
      registers: [this.registry],
      collect() {
        this.set(connected());
      },
    });
    this.xds = {
      pushes: new Counter({
        name: 'envoy_injector_xds_pushes_total',
        help: 'DiscoveryResponses sent, by resource type (LDS, RDS, CDS, EDS).',
        labelNames: ['type'] as const,
        registers: [this.registry],
      }),
      nacks: new Counter({
        name: 'envoy_injector_xds_nacks_total',
        help: 'Responses a proxy refused (it keeps its last good config), by resource type.',
        labelNames: ['type'] as const,
        registers: [this.registry],
      }),
      refused: new Counter({
        name: 'envoy_injector_xds_streams_refused_total',
        help: 'ADS streams closed before serving anything, by gRPC status (UNAUTHENTICATED, PERMISSION_DENIED, UNAVAILABLE).',
        labelNames: ['code'] as const,
        registers: [this.registry],
      }),
      latency: new Histogram({
        name: 'envoy_injector_xds_push_latency_seconds',
        help: 'From the change (a pod, EndpointSlice or Service event) to the push that carries it, debounce included, by resource type.',
        labelNames: ['type'] as const,
        buckets: [0.05, 0.1, 0.15, 0.25, 0.5, 1, 2, 5],
        registers: [this.registry],
      }),
    };
  }

  recordXdsPush(type: string, latencySeconds: number | undefined): void {
    this.xds?.pushes.inc({ type });
    if (latencySeconds !== undefined) this.xds?.latency.observe({ type }, latencySeconds);
  }

  recordXdsNack(type: string): void {
    this.xds?.nacks.inc({ type });
  }

  recordXdsRefused(code: string): void {
    this.xds?.refused.inc({ code });
  }

  /** Label sets are few and fixed: each is bound once, so a review does not
   * hash its labels again. */
  private readonly bound = new Map<string, BoundReviewMetrics>();

  private boundTo(operation: string, result: string): BoundReviewMetrics {
    const key = `${operation} ${result}`;
    let found = this.bound.get(key);
    if (!found) {
      found = { requests: this.requests.labels({ operation, result }), duration: this.duration.labels({ operation }) };
      this.bound.set(key, found);
    }
    return found;
  }

  record(outcome: Pick<ReviewOutcome, 'operation' | 'result' | 'reasons'>, seconds: number, reused = false): void {
    const bound = this.boundTo(outcome.operation, outcome.result);
    bound.requests.inc();
    bound.duration.observe(seconds);
    if (reused) this.reused.inc();
    if (outcome.result === 'injected') this.injections.inc();
    for (const reason of outcome.reasons) this.skips.inc({ reason: reason.code });
  }

  recordSelfTest(success: boolean): void {
    this.selfTestSuccess ??= new Gauge({
      name: 'envoy_injector_self_test_success',
      help: 'The last end-to-end self-test: 1 when the API server reached the webhook and got an injected pod back, 0 when not.',
      registers: [this.registry],
    });
    this.selfTestSuccess.set(success ? 1 : 0);
    this.selfTestRuns.inc({ result: success ? 'success' : 'failure' });
  }

  recordUnreadable(seconds: number): void {
    const bound = this.boundTo('other', 'invalid');
    bound.requests.inc();
    bound.duration.observe(seconds);
  }
}
