// decide(): whether a pod gets the proxy, from the table in docs/reference.md ("Who gets the proxy"). Pure: it
// reads the pod, what is known of its namespace and the config, and returns
// every reason that applies (not only the first), so `explain` can show all.

import type { InjectorConfig } from '../config/config.js';
import type { NamespaceContext, Pod } from '../model/kubernetes.js';
import { captureMode, enforcedLevel, POD_SECURITY_ENFORCE } from './capture-mode.js';
import { ANNOTATION, INIT_CONTAINER, LABEL_INJECT, SYSTEM_NAMESPACES } from '../model/names.js';
import type { Decision, Reason } from './reasons.js';
import { otherMesh, otherMeshSwitches, type MeshSwitchSetting } from './other-mesh.js';
import { verifiedStatus } from './status.js';
import { quote } from '../syntax/quote.js';

/** The pod's own say, label first: the label wins when both are set. */
export interface PodSetting {
  wants?: boolean;
  source?: 'label' | 'annotation';
  invalid?: { where: string; value: string };
}

export function readPodSetting(pod: Pod): PodSetting {
  const label = pod.metadata?.labels?.[LABEL_INJECT];
  const annotation = pod.metadata?.annotations?.[ANNOTATION.inject];
  const [raw, source, where] =
    label !== undefined ? ([label, 'label', `label ${LABEL_INJECT}`] as const) : ([annotation, 'annotation', `annotation ${ANNOTATION.inject}`] as const);
  if (raw === undefined) return {};
  if (raw === 'true') return { wants: true, source };
  if (raw === 'false') return { wants: false, source };
  return { invalid: { where, value: raw } };
}

type NamespaceEnrolment = 'enabled' | 'disabled' | 'not-labelled' | 'unknown' | 'labels-unknown' | { invalid: string };

function namespaceEnrolment(namespace: NamespaceContext): NamespaceEnrolment {
  if (!namespace.metadata) return 'unknown';
  if (!namespace.metadata.labels) return 'labels-unknown';
  const value = namespace.metadata.labels[LABEL_INJECT];
  if (value === undefined) return 'not-labelled';
  if (value === 'enabled' || value === 'disabled') return value;
  return { invalid: value };
}

function systemNamespaceReason(namespace: string, config: InjectorConfig): Reason | undefined {
  if ((SYSTEM_NAMESPACES as readonly string[]).includes(namespace)) {
    return { code: 'system-namespace', message: `namespace ${namespace} is a Kubernetes system namespace and is never injected`, rejectsPod: false };
  }
  if (namespace === config.injectorNamespace) {
    return { code: 'system-namespace', message: `namespace ${namespace} is the injector's own namespace and is never injected`, rejectsPod: false };
  }
  return undefined;
}

function enrolmentReasons(setting: PodSetting, enrolment: NamespaceEnrolment, namespace: string, config: InjectorConfig): Reason[] {
  const notEnrolled = enrolment === 'not-labelled' || typeof enrolment === 'object';
  const why =
    typeof enrolment === 'object'
      ? `namespace ${namespace} has label ${LABEL_INJECT}=${quote(enrolment.invalid)}, which is neither enabled nor disabled`
      : `namespace ${namespace} is not labelled ${LABEL_INJECT}=enabled`;
  if (enrolment === 'disabled') {
    return [
      { code: 'namespace-disabled', message: `namespace ${namespace} is labelled ${LABEL_INJECT}=disabled, which no pod setting overrides`, rejectsPod: false },
    ];
  }
  if (setting.wants === false) {
    return [{ code: 'pod-opted-out', message: `the pod's ${setting.source} ${LABEL_INJECT} is "false"`, rejectsPod: false }];
  }
  if (setting.wants === true) {
    if (setting.source === 'annotation' && notEnrolled) {
      return [
        {
          code: 'namespace-not-enrolled',
          message: `${why}; the pod's annotation cannot opt it in (the webhook's selectors see labels only): use the pod label ${LABEL_INJECT}: "true"`,
          rejectsPod: false,
        },
      ];
    }
    return [];
  }
  if (notEnrolled) {
    return [{ code: 'namespace-not-enrolled', message: `${why}, and the pod is not labelled ${LABEL_INJECT}: "true"`, rejectsPod: false }];
  }
  if (config.policy === 'disabled') {
    return [{ code: 'pod-not-opted-in', message: `injection policy is "disabled": pods must opt in with ${LABEL_INJECT}: "true"`, rejectsPod: false }];
  }
  return [];
}

function podSecurityReason(pod: Pod, namespace: NamespaceContext, config: InjectorConfig): Reason | undefined {
  const enforced = enforcedLevel(namespace);
  // cni capture needs no privilege: the level allows the pod as it will be.
  if (!enforced || captureMode(pod, namespace, config).mode === 'cni') return undefined;
  const why =
    enforced.invalid === undefined
      ? ''
      : ` (its label ${POD_SECURITY_ENFORCE}=${quote(enforced.invalid)} is not a level, which Pod Security reads as "restricted")`;
  return {
    code: 'pod-security',
    message: `namespace ${namespace.name} enforces the "${enforced.level}" Pod Security level${why}, which forbids the NET_ADMIN and NET_RAW capabilities that ${INIT_CONTAINER} needs to install traffic capture${config.capture.cniInstalled ? '' : ' (with the envoy-injector CNI plugin installed, config capture.cniInstalled, such pods get cni capture instead)'}`,
    rejectsPod: config.podSecurity === 'fail',
  };
}

/** A pod that carries our status was injected before, if the status is one
 * the injector wrote and the pod holds what it lists; any other is refused:
 * it would keep the pod out of the mesh while claiming to be in it. */
function statusReason(pod: Pod, text: string): Reason {
  const status = verifiedStatus(pod, text);
  if (status.ok) return { code: 'already-injected', message: `the pod already carries ${ANNOTATION.status}: it was injected before`, rejectsPod: false };
  return {
    code: 'invalid-status',
    message: `annotation ${ANNOTATION.status} ${status.problems.join('; ')}: it is written by the injector only; remove it to have the pod injected`,
    rejectsPod: true,
  };
}

function positiveReason(setting: PodSetting, enrolment: NamespaceEnrolment, namespace: string): string {
  if (setting.wants === true) return `the pod's ${setting.source} ${LABEL_INJECT} is "true"`;
  if (enrolment === 'unknown') return `namespace ${namespace} is not known to the injector, so it counts as enrolled`;
  if (enrolment === 'labels-unknown') return `the labels of namespace ${namespace} are not known (only its annotations were given), so it counts as enrolled`;
  return `namespace ${namespace} is labelled ${LABEL_INJECT}=enabled`;
}

export function decide(pod: Pod, namespace: NamespaceContext, config: InjectorConfig): Decision {
  const reasons: Reason[] = [];
  const system = systemNamespaceReason(namespace.name, config);
  if (system) reasons.push(system);
  if (pod.spec.hostNetwork === true) {
    reasons.push({
      code: 'host-network',
      message: "the pod uses the host network (hostNetwork: true): capturing its traffic would capture the node's",
      rejectsPod: false,
    });
  }
  const statusText = pod.metadata?.annotations?.[ANNOTATION.status];
  if (statusText !== undefined) reasons.push(statusReason(pod, statusText));
  const other = otherMesh(pod);
  if (other) {
    reasons.push({
      code: 'other-mesh',
      message: `the pod already runs ${other.mesh}'s proxy (${other.evidence}): two proxies would fight over its traffic; take it out of ${other.mesh} first, or label it ${LABEL_INJECT}: "false"`,
      rejectsPod: false,
    });
  }
  const setting = readPodSetting(pod);
  const switches = otherMeshSwitches(pod);
  reasons.push(...otherMeshSwitchReasons(switches, setting, other !== undefined));
  if (setting.invalid) {
    reasons.push({
      code: 'invalid-inject-value',
      message: `${setting.invalid.where}: ${quote(setting.invalid.value)} must be "true" or "false"`,
      rejectsPod: true,
    });
  }
  const enrolment = namespaceEnrolment(namespace);
  reasons.push(...enrolmentReasons(setting, enrolment, namespace.name, config));
  // Pod Security only matters for a pod that would otherwise be injected.
  if (reasons.length === 0) {
    const podSecurity = podSecurityReason(pod, namespace, config);
    if (podSecurity) reasons.push(podSecurity);
  }
  if (reasons.length > 0) return { inject: false, reasons };
  const overridden = switches.optsOut.map((s) => `${s.mesh}'s ${s.where}: ${quote(s.value)}`).join(', ');
  const because = positiveReason(setting, enrolment, namespace.name);
  return { inject: true, because: overridden ? `${because}, which wins over ${overridden}` : because, reasons: [] };
}

/** Another mesh's switches on the pod. Asking another mesh for its sidecar
 * always keeps ours out (the pod would run two); opting out through another
 * mesh's switch does too, unless the pod opts in to ours by name. */
function otherMeshSwitchReasons(switches: { asks: MeshSwitchSetting[]; optsOut: MeshSwitchSetting[] }, setting: PodSetting, runsOther: boolean): Reason[] {
  const asked = switches.asks[0];
  // A pod that runs the other mesh's proxy already has its reason.
  if (asked && !runsOther) {
    return [
      {
        code: 'other-mesh',
        message: `the pod asks ${asked.mesh} for its proxy (${asked.where}: ${quote(asked.value)}): two proxies would fight over its traffic; remove that ${asked.where.split(' ')[0]} to have it injected here`,
        rejectsPod: false,
      },
    ];
  }
  const optOut = switches.optsOut[0];
  if (optOut && setting.wants !== true && setting.wants !== false) {
    return [
      {
        code: 'other-mesh-opt-out',
        message: `the pod opts out of sidecars through ${optOut.mesh}'s ${optOut.where}: ${quote(optOut.value)}; label it ${LABEL_INJECT}: "true" to have it injected anyway`,
        rejectsPod: false,
      },
    ];
  }
  return [];
}
