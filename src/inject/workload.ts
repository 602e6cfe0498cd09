// The workload a pod belongs to, for the proxy's service cluster name: one
// rule for the webhook and the offline commands, from what the pod that the
// workload's controller creates will carry. Its labels first; else its
// controller, read the same way from a pod's ownerReferences (webhook) or
// from the workload holding a pod template (offline); else the pod's own name.
// A Deployment's pods belong to a ReplicaSet "<deployment>-<pod-template-hash>",
// a CronJob's to a Job "<cronjob>-<scheduled minute>": both stand for the
// workload, without the hash or the time, so every replica and every run of a
// schedule gets the same name.

import { isPlainObject, type Pod } from '../model/kubernetes.js';

export interface PodOwner {
  kind: string;
  name: string;
}

export function workloadName(pod: Pod, owner: PodOwner | undefined = controllerOf(pod)): string {
  const meta = pod.metadata ?? {};
  const labels = meta.labels ?? {};
  const fromLabel = labels['app.kubernetes.io/name'] ?? labels.app;
  if (fromLabel) return fromLabel;
  const templateHash = labels['pod-template-hash'];
  if (owner) return ownerWorkload(owner, templateHash);
  // generateName before name: a pod's name is set after admission, and its
  // proxy must render the same on CREATE and on later UPDATEs.
  if (meta.generateName) {
    const base = withoutTemplateHash(withoutTrailingDashes(meta.generateName), templateHash);
    if (base) return base;
  }
  return meta.name || 'unknown';
}

/** The pod's controller, from its ownerReferences. */
export function controllerOf(pod: Pod): PodOwner | undefined {
  const references = pod.metadata?.ownerReferences;
  if (!Array.isArray(references)) return undefined;
  for (const reference of references) {
    if (
      isPlainObject(reference) &&
      reference.controller === true &&
      typeof reference.kind === 'string' &&
      typeof reference.name === 'string' &&
      reference.name !== ''
    ) {
      return { kind: reference.kind, name: reference.name };
    }
  }
  return undefined;
}

function ownerWorkload(owner: PodOwner, templateHash: string | undefined): string {
  if (owner.kind === 'ReplicaSet') return withoutTemplateHash(owner.name, templateHash);
  if (owner.kind === 'Job') return withoutScheduledTime(owner.name);
  return owner.name;
}

/** A Deployment's ReplicaSet is "<deployment>-<pod-template-hash>". */
function withoutTemplateHash(name: string, templateHash: string | undefined): string {
  return templateHash && name.endsWith(`-${templateHash}`) ? name.slice(0, -templateHash.length - 1) : name;
}

/** "<cronjob>-29000000" → "<cronjob>": a CronJob names its Jobs after the
 * scheduled minute (8 or more digits); other Job names are kept. */
function withoutScheduledTime(name: string): string {
  let start = name.length;
  while (start > 0 && name.charCodeAt(start - 1) >= 48 && name.charCodeAt(start - 1) <= 57) start--;
  const digits = name.length - start;
  return digits >= 8 && start > 1 && name[start - 1] === '-' ? name.slice(0, start - 1) : name;
}

/** A loop, not /-+$/: that regex is quadratic on a long run of dashes. */
function withoutTrailingDashes(text: string): string {
  let end = text.length;
  while (end > 0 && text[end - 1] === '-') end--;
  return text.slice(0, end);
}
