// The whole injection pipeline for one pod, as data: decide, read the
// overrides, check for conflicts, inject. Shared by the webhook and the CLI.

import type { InjectorConfig } from '../config/config.js';
import type { ServiceLookup } from '../routes/targets.js';
import { findConflicts } from './conflicts.js';
import { decide } from './decide.js';
import { injectPod } from './inject.js';
import type { NamespaceContext, Pod } from '../model/kubernetes.js';
import { readProxyConfig } from './proxy-config.js';
import { formatReason, type Reason } from './reasons.js';

export type Outcome =
  | { kind: 'injected'; pod: Pod; because: string; warnings: string[] }
  | { kind: 'skipped'; reasons: Reason[] }
  | { kind: 'rejected'; problems: string[] };

export interface EvaluationInput {
  pod: Pod;
  namespace: NamespaceContext;
  config: InjectorConfig;
  /** Known Services, for warnings on unknown route targets; absent offline. */
  services?: ServiceLookup;
  workload?: string;
}

export function evaluatePod(input: EvaluationInput): Outcome {
  const { pod, namespace, config } = input;
  const decision = decide(pod, namespace, config);
  if (!decision.inject) {
    const refusals = decision.reasons.filter((reason) => reason.rejectsPod);
    if (refusals.length > 0) return { kind: 'rejected', problems: refusals.map(formatReason) };
    return { kind: 'skipped', reasons: decision.reasons };
  }
  const proxy = readProxyConfig(pod, namespace, config, input.services);
  if (!proxy.ok) return { kind: 'rejected', problems: proxy.problems };
  const conflicts = findConflicts(pod);
  if (conflicts.length > 0) return { kind: 'rejected', problems: conflicts };
  const injected = injectPod(pod, {
    namespace: namespace.name,
    config,
    settings: proxy.settings,
    routeOverrides: proxy.routeOverrides,
    ...(input.workload === undefined ? {} : { workload: input.workload }),
  });
  return { kind: 'injected', pod: injected, because: decision.because, warnings: proxy.warnings };
}
