// The `restricted` Pod Security Standard (the checks kube-apiserver's
// PodSecurity admission applies at that level), for a pod spec.

const ALLOWED_VOLUME_TYPES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);

interface SecurityContext {
  privileged?: boolean;
  allowPrivilegeEscalation?: boolean;
  runAsNonRoot?: boolean;
  runAsUser?: number;
  capabilities?: { add?: string[]; drop?: string[] };
  seccompProfile?: { type?: string };
}

interface Container {
  name: string;
  securityContext?: SecurityContext;
  ports?: { hostPort?: number }[];
}

export function restrictedProblems(spec: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const pod = (spec.securityContext ?? {}) as SecurityContext;
  for (const host of ['hostNetwork', 'hostPID', 'hostIPC'] as const) if (spec[host] === true) problems.push(`${host} is true`);
  for (const volume of (spec.volumes ?? []) as Record<string, unknown>[]) {
    const type = Object.keys(volume).find((key) => key !== 'name');
    if (!type || !ALLOWED_VOLUME_TYPES.has(type)) problems.push(`volume ${String(volume.name)} is of type ${type}`);
  }
  if (pod.runAsUser === 0) problems.push('the pod runs as UID 0');
  const containers = [...((spec.initContainers ?? []) as Container[]), ...((spec.containers ?? []) as Container[])];
  for (const container of containers) {
    const context = container.securityContext ?? {};
    const where = `container ${container.name}`;
    if (context.privileged === true) problems.push(`${where} is privileged`);
    if (context.allowPrivilegeEscalation !== false) problems.push(`${where} must set allowPrivilegeEscalation: false`);
    if (!(context.capabilities?.drop ?? []).includes('ALL')) problems.push(`${where} must drop ALL capabilities`);
    const added = (context.capabilities?.add ?? []).filter((capability) => capability !== 'NET_BIND_SERVICE');
    if (added.length > 0) problems.push(`${where} adds ${added.join(', ')}`);
    if ((context.runAsNonRoot ?? pod.runAsNonRoot) !== true) problems.push(`${where} must run as non-root`);
    if ((context.runAsUser ?? pod.runAsUser) === 0) problems.push(`${where} runs as UID 0`);
    const seccomp = context.seccompProfile?.type ?? pod.seccompProfile?.type;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') problems.push(`${where} needs seccompProfile RuntimeDefault or Localhost`);
    if ((container.ports ?? []).some((port) => port.hostPort !== undefined && port.hostPort !== 0)) problems.push(`${where} uses a hostPort`);
  }
  return problems;
}
