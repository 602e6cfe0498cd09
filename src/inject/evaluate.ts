// The whole injection pipeline for one pod, as data: decide, read the
// overrides, check for conflicts, inject. Shared by the webhook and the CLI.

import type { InjectorConfig } from '../config/config.js';
import { parseRouteOverrides, type ServiceLookup } from '../envoy/overrides.js';
import { formatAnnotationError, readProxySettings } from './annotations.js';
import { findConflicts } from './conflicts.js';
import { decide } from './decide.js';
import { injectPod } from './inject.js';
import type { NamespaceContext, Pod } from './k8s.js';
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
  const settingsResult = readProxySettings(pod, namespace, config);
  if (!settingsResult.ok) return { kind: 'rejected', problems: settingsResult.errors.map(formatAnnotationError) };
  const conflicts = findConflicts(pod);
  if (conflicts.length > 0) return { kind: 'rejected', problems: conflicts };
  const { settings } = settingsResult;
  const routes = parseRouteOverrides(settings.routes, { namespace: namespace.name, config, services: input.services });
  if (!routes.ok) return { kind: 'rejected', problems: routes.errors.map(formatAnnotationError) };
  const injected = injectPod(pod, {
    namespace: namespace.name,
    config,
    settings,
    routeOverrides: routes.overrides,
    ...(input.workload === undefined ? {} : { workload: input.workload }),
  });
  return { kind: 'injected', pod: injected, because: decision.because, warnings: routes.warnings };
}
