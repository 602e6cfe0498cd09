// The slice of the Kubernetes object model that injection reads and writes.
// Every type keeps an index signature: fields we do not know must survive a
// round trip untouched, because the app's own spec is never ours to rewrite.

export type StringMap = Record<string, string>;

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  labels?: StringMap;
  annotations?: StringMap;
  [field: string]: unknown;
}

export interface SecurityContext {
  runAsUser?: number;
  runAsGroup?: number;
  runAsNonRoot?: boolean;
  [field: string]: unknown;
}

export interface ContainerPort {
  containerPort: number;
  name?: string;
  protocol?: string;
  [field: string]: unknown;
}

export interface Container {
  name: string;
  image?: string;
  ports?: ContainerPort[];
  securityContext?: SecurityContext;
  [field: string]: unknown;
}

export interface Volume {
  name: string;
  [field: string]: unknown;
}

export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  volumes?: Volume[];
  hostNetwork?: boolean;
  securityContext?: SecurityContext;
  [field: string]: unknown;
}

export interface Pod {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  spec: PodSpec;
  [field: string]: unknown;
}

/** What the core knows of the pod's namespace. `metadata` is absent when the
 * namespace is unknown (no cluster, cache not yet synced): docs/reference.md ("Who gets the proxy") says such a
 * namespace counts as enrolled and the pod decides alone. */
export interface NamespaceContext {
  name: string;
  /** `labels` is absent when only the annotations are known (offline,
   * --namespace-annotation alone): the namespace then counts as enrolled. */
  metadata?: { labels?: StringMap; annotations: StringMap };
}

function isObjectOrAbsent(value: unknown): boolean {
  return value === undefined || value === null || isPlainObject(value);
}

function isListOfObjects(value: unknown): boolean {
  return value === undefined || value === null || (Array.isArray(value) && value.every(isPlainObject));
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks that a value has the shape of a pod (or pod template) before the
 * core reads it; returns what is wrong otherwise. */
export function podShapeProblem(value: unknown): string | undefined {
  if (!isPlainObject(value)) return 'is not an object';
  if (value.metadata !== undefined && !isPlainObject(value.metadata)) return 'metadata is not an object';
  const meta = value.metadata;
  for (const field of ['name', 'generateName', 'namespace'] as const) {
    const text = meta?.[field];
    if (text !== undefined && text !== null && typeof text !== 'string') return `metadata.${field} must be a string`;
  }
  for (const field of ['labels', 'annotations'] as const) {
    const map = meta?.[field];
    if (map === undefined || map === null) continue;
    if (!isPlainObject(map) || Object.values(map).some((v) => typeof v !== 'string')) return `metadata.${field} must map strings to strings`;
  }
  if (!isPlainObject(value.spec)) return 'has no spec';
  const spec = value.spec;
  if (!Array.isArray(spec.containers) || spec.containers.length === 0) return 'spec.containers must be a non-empty list';
  for (const list of ['containers', 'initContainers'] as const) {
    const containers = spec[list];
    if (containers === undefined || containers === null) continue;
    if (!Array.isArray(containers) || containers.some((c) => !isPlainObject(c) || typeof c.name !== 'string'))
      return `spec.${list} must be a list of containers with names`;
    const odd = (containers as Array<Record<string, unknown>>).find((c) => !isListOfObjects(c.ports) || !isObjectOrAbsent(c.securityContext));
    if (odd) return `spec.${list}: container ${JSON.stringify(String(odd.name).slice(0, 63))} must have a list of ports and an object securityContext`;
  }
  if (!isObjectOrAbsent(spec.securityContext)) return 'spec.securityContext must be an object';
  if (
    spec.volumes !== undefined &&
    spec.volumes !== null &&
    (!Array.isArray(spec.volumes) || spec.volumes.some((v) => !isPlainObject(v) || typeof v.name !== 'string'))
  ) {
    return 'spec.volumes must be a list of volumes with names';
  }
  return undefined;
}
