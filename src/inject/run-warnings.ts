// What an injected pod will do that its author may not expect, said back as
// warnings (admission warnings, which kubectl prints, and `explain`): the
// pod is injected all the same.
//
// - A pod that runs to completion (restartPolicy Never or OnFailure: every
//   Job's pod) with the proxy as a classic sidecar never completes: the
//   proxy keeps running after the app exits. Native sidecars end with it.
// - An app probe aimed at one of the proxy's ports checks the proxy, not the
//   app (15021 answers /ready for Envoy), and traffic to 15001/15006 loops.

import type { Container, Pod } from '../model/kubernetes.js';
import { isPlainObject } from '../model/kubernetes.js';
import { ANNOTATION, PROXY_PORT_ROLE } from '../model/names.js';
import { quote } from '../syntax/quote.js';
import { controllerOf, type PodOwner } from './workload.js';

const PROBES = ['livenessProbe', 'readinessProbe', 'startupProbe'] as const;
const PROBE_ACTIONS = ['httpGet', 'tcpSocket', 'grpc'] as const;

export function runWarnings(pod: Pod, nativeSidecar: boolean, owner: PodOwner | undefined): string[] {
  return [...completionWarning(pod, nativeSidecar, owner), ...probeWarnings(pod)];
}

function completionWarning(pod: Pod, nativeSidecar: boolean, owner: PodOwner | undefined): string[] {
  if (nativeSidecar) return [];
  const restartPolicy = pod.spec.restartPolicy;
  const ownerKind = (owner ?? controllerOf(pod))?.kind;
  const runsToCompletion = restartPolicy === 'Never' || restartPolicy === 'OnFailure' || ownerKind === 'Job' || ownerKind === 'CronJob';
  if (!runsToCompletion) return [];
  const what = ownerKind === 'Job' || ownerKind === 'CronJob' ? `its ${ownerKind}` : 'the pod';
  return [
    `${what} will not complete: the proxy runs as a classic sidecar (native sidecars are off) and keeps running after the app exits; set ${ANNOTATION.nativeSidecar}: "true" (Kubernetes 1.29 or later)`,
  ];
}

function probeWarnings(pod: Pod): string[] {
  const warnings: string[] = [];
  for (const container of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) {
    for (const probe of PROBES) {
      const port = probePort(container, probe);
      const role = port === undefined ? undefined : PROXY_PORT_ROLE.get(port);
      if (role === undefined) continue;
      warnings.push(
        `container ${quote(container.name)}: its ${probe} checks port ${String(port)}, the proxy's ${role} port, so it probes the proxy, not the app; point it at the app's own port`,
      );
    }
  }
  return warnings;
}

/** The numeric port a probe is sent to (a named port is the app's own). */
function probePort(container: Container, probe: (typeof PROBES)[number]): number | undefined {
  const spec = container[probe];
  if (!isPlainObject(spec)) return undefined;
  for (const action of PROBE_ACTIONS) {
    const target = spec[action];
    if (isPlainObject(target) && typeof target.port === 'number') return target.port;
  }
  return undefined;
}
