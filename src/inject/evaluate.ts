// The whole injection pipeline for one pod, as data: decide, read the
// settings, check for conflicts, inject. Shared by the webhook and the CLI,
// so `explain` says exactly what the webhook does, warnings included.

import type { InjectorConfig } from '../config/config.js';
import type { NamespaceContext, Pod } from '../model/kubernetes.js';
import type { ServiceLookup } from '../model/lookups.js';
import { findConflicts } from './conflicts.js';
import { decide, readPodSetting } from './decide.js';
import { injectPod } from './inject.js';
import { fallbackSizeProblem, inputLimitProblems, renderedSizeProblem } from './limits.js';
import { formatReason, type Reason } from './reasons.js';
import { readProxySettings, type ProxySettings } from './settings.js';
import { runWarnings } from './run-warnings.js';
import type { PodOwner } from './workload.js';

export type Outcome =
  | { kind: 'injected'; pod: Pod; because: string; warnings: string[]; settings: ProxySettings }
  | { kind: 'skipped'; reasons: Reason[]; warnings: string[] }
  | { kind: 'rejected'; problems: string[] };

export interface EvaluationInput {
  pod: Pod;
  namespace: NamespaceContext;
  config: InjectorConfig;
  /** Known Services, for warnings on unknown route targets; absent offline. */
  services?: ServiceLookup;
  /** Offline, for a pod template: the workload that holds it. */
  owner?: PodOwner;
}

export function evaluatePod(input: EvaluationInput): Outcome {
  const { pod, namespace, config } = input;
  const tooLarge = inputLimitProblems(pod);
  if (tooLarge.length > 0) return { kind: 'rejected', problems: tooLarge };
  const decision = decide(pod, namespace, config);
  if (!decision.inject) {
    const refusals = decision.reasons.filter((reason) => reason.rejectsPod);
    if (refusals.length > 0) return { kind: 'rejected', problems: refusals.map(formatReason) };
    return { kind: 'skipped', reasons: decision.reasons, warnings: skipWarnings(pod, decision.reasons) };
  }
  const proxy = readProxySettings(pod, namespace, config, input.services);
  if (!proxy.ok) return { kind: 'rejected', problems: proxy.problems };
  const conflicts = findConflicts(pod);
  if (conflicts.length > 0) return { kind: 'rejected', problems: conflicts };
  const fallbackTooLarge = fallbackSizeProblem(proxy.value.settings);
  if (fallbackTooLarge) return { kind: 'rejected', problems: [fallbackTooLarge] };
  const injected = injectPod(pod, {
    namespace: namespace.name,
    config,
    settings: proxy.value.settings,
    ...(input.owner === undefined ? {} : { owner: input.owner }),
  });
  const oversized = renderedSizeProblem(injected);
  if (oversized) return { kind: 'rejected', problems: [oversized] };
  const warnings = [...proxy.value.warnings, ...runWarnings(pod, proxy.value.settings.nativeSidecar, input.owner)];
  return { kind: 'injected', pod: injected, because: decision.because, warnings, settings: proxy.value.settings };
}

/** A skip the pod's author did not expect is said back (kubectl prints
 * admission warnings): the pod asked for the proxy, or its namespace enforces a
 * Pod Security level that forbids it. Ordinary skips stay quiet. */
function skipWarnings(pod: Pod, reasons: readonly Reason[]): string[] {
  const askedForProxy = readPodSetting(pod).wants === true;
  return reasons.filter((reason) => askedForProxy || reason.code === 'pod-security').map((reason) => `envoy-injector: not injected: ${formatReason(reason)}`);
}
