// Who installs a pod's traffic capture: its envoy-init container (root, with
// NET_ADMIN and NET_RAW), or the node's chained CNI plugin while the runtime
// sets the pod's network up (the pod then needs no privilege, and passes Pod
// Security "restricted"). The pod's annotation, else its namespace's, else —
// where the namespace's Pod Security level forbids envoy-init and the plugin
// is installed — cni, else the config's default. Pure.

import type { CaptureMode, InjectorConfig } from '../config/config.js';
import type { NamespaceContext, Pod } from '../model/kubernetes.js';
import { ANNOTATION, INIT_CONTAINER } from '../model/names.js';

export const POD_SECURITY_ENFORCE = 'pod-security.kubernetes.io/enforce';

/** The level Pod Security admission enforces, read as it reads it: the values
 * are exact, and an invalid one ("Restricted", "strict") makes it fail closed
 * to "restricted". No label, or "privileged", enforces nothing. */
export function enforcedLevel(namespace: NamespaceContext): { level: 'baseline' | 'restricted'; invalid?: string } | undefined {
  const value = namespace.metadata?.labels?.[POD_SECURITY_ENFORCE];
  if (value === undefined || value === 'privileged') return undefined;
  if (value === 'baseline' || value === 'restricted') return { level: value };
  return { level: 'restricted', invalid: value };
}

export interface CaptureChoice {
  mode: CaptureMode;
  /** Where the choice came from, for `explain`. */
  from: string;
  /** A namespace default that could not be followed, said back. */
  warning?: string;
}

function written(value: string | undefined): CaptureMode | undefined {
  const trimmed = value?.trim();
  return trimmed === 'init' || trimmed === 'cni' ? trimmed : undefined;
}

export function captureMode(pod: Pod, namespace: NamespaceContext, config: InjectorConfig): CaptureChoice {
  // An invalid value of the pod's own is refused by the settings; here it decides nothing.
  const own = written(pod.metadata?.annotations?.[ANNOTATION.capture]);
  if (own !== undefined) return { mode: own, from: `annotation ${ANNOTATION.capture}` };
  const inherited = written(namespace.metadata?.annotations[ANNOTATION.capture]);
  let warning: string | undefined;
  if (inherited === 'cni' && !config.capture.cniInstalled) {
    // Not the pod's fault: the default is dropped, as any invalid namespace default is.
    warning = `namespace annotation ${ANNOTATION.capture}: cni ignored: the cluster has no envoy-injector CNI plugin (config capture.cniInstalled)`;
  } else if (inherited !== undefined) {
    return { mode: inherited, from: `namespace annotation ${ANNOTATION.capture}` };
  }
  const enforced = enforcedLevel(namespace);
  const chosen: CaptureChoice =
    enforced !== undefined && config.capture.cniInstalled
      ? {
          mode: 'cni',
          from: `namespace ${namespace.name} enforcing the "${enforced.level}" Pod Security level, which forbids ${INIT_CONTAINER}'s NET_ADMIN, on a cluster with the CNI plugin`,
        }
      : { mode: config.capture.mode, from: 'config capture.mode' };
  return warning === undefined ? chosen : { ...chosen, warning };
}
