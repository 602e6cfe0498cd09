// Checks that an injected pod (or template) is a pod the API server accepts
// and kubelet can run: Kubernetes schema, unique names, mounts backed by volumes.

import { Pod as PodModel } from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';
import { findPods } from '../../src/offline/workloads.js';
import { unknownFieldProblems } from './kube-strict.js';
import type { Pod } from '../../src/model/kubernetes.js';

/** `claimVolumes`: names a StatefulSet's volumeClaimTemplates add to its pods. */
export function podProblems(pod: Pod, claimVolumes: readonly string[] = []): string[] {
  const problems: string[] = [];
  try {
    new PodModel({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'checked', ...(pod.metadata ?? {}) }, spec: pod.spec } as ConstructorParameters<
      typeof PodModel
    >[0]).validate();
  } catch (error) {
    problems.push(`schema: ${(error as Error).message}`);
  }
  problems.push(
    ...unknownFieldProblems({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'checked', ...(pod.metadata ?? {}) }, spec: pod.spec }).map(
      (problem) => `schema: ${problem}`,
    ),
  );
  const containers = [...(pod.spec.initContainers ?? []), ...pod.spec.containers];
  const names = containers.map((c) => c.name);
  const duplicates = names.filter((name, index) => names.indexOf(name) !== index);
  if (duplicates.length > 0) problems.push(`duplicate container names: ${duplicates.join(', ')}`);
  const volumes = new Set([...(pod.spec.volumes ?? []).map((v) => v.name), ...claimVolumes]);
  for (const container of containers) {
    for (const mount of (container.volumeMounts ?? []) as Array<{ name: string }>) {
      if (!volumes.has(mount.name)) problems.push(`container ${container.name} mounts ${mount.name}, which is not a volume`);
    }
  }
  return problems;
}

export interface ManifestPod {
  /** Document and pod position, for test names. */
  where: string;
  pod: Pod;
  /** Volumes the owner adds to its pods (a StatefulSet's volumeClaimTemplates). */
  claimVolumes: string[];
}

export function manifestPods(text: string): ManifestPod[] {
  return parseAllDocuments(text).flatMap((doc, docIndex) =>
    findPods(doc.toJS()).map(({ owner, holder }, podIndex) => {
      const claims = (owner.spec as { volumeClaimTemplates?: Array<{ metadata?: { name?: string } }> } | undefined)?.volumeClaimTemplates ?? [];
      return { where: `#${docIndex + 1}.${podIndex + 1}`, pod: holder as unknown as Pod, claimVolumes: claims.map((c) => c.metadata?.name ?? '') };
    }),
  );
}

/**
 * The files kubelet writes for a downwardAPI volume, resolving each item's
 * `metadata.annotations['…']` / `metadata.labels['…']` fieldRef on the pod.
 */
export function projectDownwardApiVolume(pod: Pod, volumeName: string): Map<string, string> {
  const volume = (pod.spec.volumes ?? []).find((v) => v.name === volumeName) as
    { downwardAPI?: { items?: { path: string; fieldRef?: { fieldPath: string } }[] } } | undefined;
  if (!volume?.downwardAPI) throw new Error(`pod has no downwardAPI volume ${volumeName}`);
  const files = new Map<string, string>();
  for (const item of volume.downwardAPI.items ?? []) {
    const match = /^metadata\.(annotations|labels)\['([^']+)'\]$/.exec(item.fieldRef?.fieldPath ?? '');
    if (!match) throw new Error(`unsupported fieldRef ${item.fieldRef?.fieldPath} for ${item.path}`);
    const source = match[1] === 'annotations' ? pod.metadata?.annotations : pod.metadata?.labels;
    files.set(item.path, source?.[match[2] ?? ''] ?? '');
  }
  return files;
}
