// Other meshes, as a pod shows them. A pod that already runs another mesh's
// proxy, or asks another mesh's injector for one, must not get ours too: two
// proxies would fight over the pod's iptables capture, and each would carry
// the other's traffic. A pod that opts out through another mesh's switch
// (Knative's and many operators' Jobs say `sidecar.istio.io/inject: "false"`
// so that they can complete) has said it wants no sidecar: it is skipped
// unless it opts in to ours by name. Recognised by the container names and
// status annotations the meshes' injectors write, and by each mesh's own
// injection switch, read with the values that mesh accepts.

import type { Pod } from '../model/kubernetes.js';

/** A mesh's per-pod injection switch, read as its injector reads it: the
 * value asks for the sidecar, opts out, or means nothing to it. */
interface MeshSwitch {
  key: string;
  // Every mesh reads an annotation; Istio and Kuma read a label first.
  on: 'annotation' | 'label or annotation';
  read: (value: string) => 'asks' | 'opts-out' | undefined;
}

/** Exact words for on and off; any other value is ignored. */
function words(asks: readonly string[], optsOut: readonly string[]): MeshSwitch['read'] {
  return (value) => (asks.includes(value) ? 'asks' : optsOut.includes(value) ? 'opts-out' : undefined);
}

interface Mesh {
  name: string;
  containers: readonly string[];
  annotations: readonly string[];
  switches: readonly MeshSwitch[];
}

// Values as each injector parses them. Istio (pkg/kube/inject, the
// sidecar.istio.io/inject label, else the annotation) lower-cases the value:
// y, yes, true, on ask for the sidecar, and any other non-empty value turns
// it off. Consul reads Go's strconv.ParseBool. Linkerd, Kuma, OSM and App
// Mesh compare exact words.
const GO_TRUE = ['1', 't', 'T', 'TRUE', 'true', 'True'];
const GO_FALSE = ['0', 'f', 'F', 'FALSE', 'false', 'False'];

function istio(value: string): 'asks' | 'opts-out' | undefined {
  if (value === '') return undefined;
  return ['y', 'yes', 'true', 'on'].includes(value.toLowerCase()) ? 'asks' : 'opts-out';
}

const MESHES: readonly Mesh[] = [
  {
    name: 'Istio',
    containers: ['istio-proxy', 'istio-init', 'istio-validation'],
    annotations: ['sidecar.istio.io/status'],
    switches: [{ key: 'sidecar.istio.io/inject', on: 'label or annotation', read: istio }],
  },
  {
    name: 'Linkerd',
    containers: ['linkerd-proxy', 'linkerd-init', 'linkerd-network-validator'],
    annotations: ['linkerd.io/proxy-version'],
    switches: [{ key: 'linkerd.io/inject', on: 'annotation', read: words(['enabled', 'ingress'], ['disabled']) }],
  },
  {
    name: 'Consul',
    containers: ['consul-dataplane', 'consul-connect-inject-init'],
    annotations: ['consul.hashicorp.com/connect-inject-status'],
    switches: [{ key: 'consul.hashicorp.com/connect-inject', on: 'annotation', read: words(GO_TRUE, GO_FALSE) }],
  },
  {
    name: 'Kuma',
    containers: ['kuma-sidecar', 'kuma-init'],
    annotations: ['kuma.io/sidecar-injected'],
    switches: [{ key: 'kuma.io/sidecar-injection', on: 'label or annotation', read: words(['enabled', 'true'], ['disabled', 'false']) }],
  },
  {
    name: 'Open Service Mesh',
    containers: [],
    annotations: [],
    switches: [{ key: 'openservicemesh.io/sidecar-injection', on: 'annotation', read: words(['enabled', 'yes', 'true'], ['disabled', 'no', 'false']) }],
  },
  {
    name: 'AWS App Mesh',
    containers: [],
    annotations: [],
    switches: [{ key: 'appmesh.k8s.aws/sidecarInjectorWebhook', on: 'annotation', read: words(['enabled'], ['disabled']) }],
  },
];

/** The annotations this module reads: a view of pods that keeps only what
 * the injector reads (inject/fleet.ts) keeps these. */
export const OTHER_MESH_ANNOTATIONS: readonly string[] = MESHES.flatMap((mesh) => [...mesh.annotations, ...mesh.switches.map((s) => s.key)]);

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

/** A mesh switch set on the pod: `label sidecar.istio.io/inject: "false"`. */
export interface MeshSwitchSetting {
  mesh: string;
  /** "label KEY" or "annotation KEY". */
  where: string;
  value: string;
}

/** The other meshes' switches set on the pod that ask for their sidecar, and
 * those that opt out; values a mesh ignores are in neither. A label
 * is read before an annotation of the same key, as Istio and Kuma read them. */
export function otherMeshSwitches(pod: Pod): { asks: MeshSwitchSetting[]; optsOut: MeshSwitchSetting[] } {
  const labels = pod.metadata?.labels ?? {};
  const annotations = pod.metadata?.annotations ?? {};
  const asks: MeshSwitchSetting[] = [];
  const optsOut: MeshSwitchSetting[] = [];
  for (const mesh of MESHES) {
    for (const meshSwitch of mesh.switches) {
      const label = meshSwitch.on === 'annotation' ? undefined : labels[meshSwitch.key];
      const [value, kind] = label !== undefined ? [label, 'label'] : [annotations[meshSwitch.key], 'annotation'];
      if (value === undefined) continue;
      const setting = { mesh: mesh.name, where: `${kind} ${meshSwitch.key}`, value };
      const meaning = meshSwitch.read(value);
      if (meaning === 'asks') asks.push(setting);
      else if (meaning === 'opts-out') optsOut.push(setting);
    }
  }
  return { asks, optsOut };
}
