// The security context of the containers the injector adds that need no
// privilege (the proxy, and envoy-validate in cni mode): what Pod Security
// "restricted" asks, and a read-only root filesystem besides.

export function unprivileged(uid: number, gid: number): Record<string, unknown> {
  return {
    runAsUser: uid,
    runAsGroup: gid,
    runAsNonRoot: true,
    privileged: false,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}
