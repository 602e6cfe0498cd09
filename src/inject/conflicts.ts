// A pod that already uses the proxy's names, ports or UID would get a broken
// spec (duplicate names the API server refuses, or app traffic that escapes
// capture). Such pods are refused here with what to change.

import type { Container, Pod } from '../model/kubernetes.js';
import {
  ANNOTATION,
  CONFIG_VOLUME,
  INIT_CONTAINER,
  PROXY_GID,
  PROXY_PORT_ROLE,
  PROXY_UID,
  SIDECAR_CONTAINER,
  TOKEN_VOLUME,
  VALIDATE_CONTAINER,
} from '../model/names.js';
import { quote } from '../syntax/quote.js';

const OPT_OUT = `or label the pod ${ANNOTATION.inject}: "false" to keep it out of the mesh`;

function appContainers(pod: Pod): Container[] {
  return [...(pod.spec.initContainers ?? []), ...pod.spec.containers];
}

export function findConflicts(pod: Pod): string[] {
  const problems: string[] = [];
  for (const container of appContainers(pod)) {
    if (container.name === SIDECAR_CONTAINER || container.name === INIT_CONTAINER || container.name === VALIDATE_CONTAINER) {
      problems.push(`the pod already has a container named ${quote(container.name)} but no ${ANNOTATION.status} annotation: rename that container, ${OPT_OUT}`);
    }
    for (const port of container.ports ?? []) {
      const role = PROXY_PORT_ROLE.get(port.containerPort);
      if (role !== undefined) {
        problems.push(
          `container ${quote(container.name)} declares port ${port.containerPort}, which the proxy uses (${role}): move the app to another port, ${OPT_OUT}`,
        );
      }
    }
    const uid = container.securityContext?.runAsUser ?? pod.spec.securityContext?.runAsUser;
    const gid = container.securityContext?.runAsGroup ?? pod.spec.securityContext?.runAsGroup;
    if (uid === PROXY_UID) {
      problems.push(
        `container ${quote(container.name)} runs as UID ${PROXY_UID}, the proxy's UID, so its traffic would bypass capture: run it as another user, ${OPT_OUT}`,
      );
    }
    if (gid === PROXY_GID) {
      problems.push(
        `container ${quote(container.name)} runs with GID ${PROXY_GID}, the proxy's GID, so its traffic would bypass capture: run it with another group, ${OPT_OUT}`,
      );
    }
  }
  for (const name of [CONFIG_VOLUME, TOKEN_VOLUME]) {
    if ((pod.spec.volumes ?? []).some((volume) => volume.name === name))
      problems.push(`the pod already has a volume named "${name}" but no ${ANNOTATION.status} annotation: rename that volume, ${OPT_OUT}`);
  }
  return problems;
}
