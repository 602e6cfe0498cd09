// Pods that already run another mesh's proxy: a second proxy would fight the
// first over the pod's iptables capture, and each would carry the other's
// traffic. Recognised by the container names and the status annotations the
// meshes' own injectors write.

import type { Pod } from '../model/kubernetes.js';

interface Mesh {
  name: string;
  containers: readonly string[];
  annotations: readonly string[];
}

const MESHES: readonly Mesh[] = [
  { name: 'Istio', containers: ['istio-proxy', 'istio-init', 'istio-validation'], annotations: ['sidecar.istio.io/status'] },
  { name: 'Linkerd', containers: ['linkerd-proxy', 'linkerd-init', 'linkerd-network-validator'], annotations: ['linkerd.io/proxy-version'] },
  { name: 'Consul', containers: ['consul-dataplane', 'consul-connect-inject-init'], annotations: ['consul.hashicorp.com/connect-inject-status'] },
  { name: 'Kuma', containers: ['kuma-sidecar', 'kuma-init'], annotations: ['kuma.io/sidecar-injected'] },
];

/** The annotations otherMesh() reads. */
export const OTHER_MESH_ANNOTATIONS: readonly string[] = MESHES.flatMap((mesh) => mesh.annotations);

/** The other mesh in the pod, and what gave it away. */
export function otherMesh(pod: Pod): { mesh: string; evidence: string } | undefined {
  const names = [...(pod.spec.initContainers ?? []), ...pod.spec.containers].map((c) => c.name);
  const annotations = pod.metadata?.annotations ?? {};
  for (const mesh of MESHES) {
    const container = mesh.containers.find((name) => names.includes(name));
    if (container) return { mesh: mesh.name, evidence: `container ${container}` };
    const annotation = mesh.annotations.find((key) => annotations[key] !== undefined && annotations[key] !== 'false');
    if (annotation) return { mesh: mesh.name, evidence: `annotation ${annotation}` };
  }
  return undefined;
}
