// Where the pods are in a manifest: a Pod itself, the pod template of a
// workload, a CronJob's job template, or the items of a List.

import { isPlainObject } from '../model/kubernetes.js';

export interface PodLocation {
  /** The object that owns the pod (the Pod, or the workload). */
  owner: Record<string, unknown>;
  /** Where to read and write the pod: the Pod itself or the template. */
  holder: Record<string, unknown>;
  isTemplate: boolean;
  /** Dotted path of the template inside the owner, for messages. */
  path: string;
  /** Where the holder is in the document, key by key. */
  pointer: Array<string | number>;
}

const TEMPLATE_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController', 'Job']);

function kindAndName(object: Record<string, unknown>): { kind: string; name: string; namespace: string | undefined } {
  const kind = typeof object.kind === 'string' ? object.kind : 'object';
  const meta = isPlainObject(object.metadata) ? object.metadata : {};
  const name = typeof meta.name === 'string' ? meta.name : typeof meta.generateName === 'string' ? `${meta.generateName}*` : '(unnamed)';
  return { kind, name, namespace: typeof meta.namespace === 'string' ? meta.namespace : undefined };
}

/** "Deployment shop/web". */
export function describeObject(object: Record<string, unknown>): string {
  const { kind, name, namespace } = kindAndName(object);
  return namespace === undefined ? `${kind} ${name}` : `${kind} ${namespace}/${name}`;
}

/** "deployment/web", as kubectl names a resource. */
export function resourceName(object: Record<string, unknown>): string {
  const { kind, name } = kindAndName(object);
  return `${kind.toLowerCase()}/${name}`;
}

function child(object: unknown, ...path: string[]): Record<string, unknown> | undefined {
  let current = object;
  for (const key of path) {
    if (!isPlainObject(current)) return undefined;
    current = current[key];
  }
  return isPlainObject(current) ? current : undefined;
}

/** Every pod in `object`, in document order. Kinds without pods yield nothing. */
export function findPods(object: unknown, pointer: Array<string | number> = []): PodLocation[] {
  if (!isPlainObject(object)) return [];
  const kind = object.kind;
  if (kind === 'List' && Array.isArray(object.items)) return object.items.flatMap((item, index) => findPods(item, [...pointer, 'items', index]));
  if (kind === 'Pod') return [{ owner: object, holder: object, isTemplate: false, path: '', pointer }];
  const templatePath =
    typeof kind === 'string' && TEMPLATE_KINDS.has(kind) ? ['spec', 'template'] : kind === 'CronJob' ? ['spec', 'jobTemplate', 'spec', 'template'] : undefined;
  const template = templatePath ? child(object, ...templatePath) : undefined;
  if (!templatePath || !template) return [];
  return [{ owner: object, holder: template, isTemplate: true, path: templatePath.join('.'), pointer: [...pointer, ...templatePath] }];
}
