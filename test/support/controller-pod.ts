// The pod a workload's controller creates from its template, as the webhook
// then sees it: generateName (or, for a StatefulSet, the name), the labels
// the controller adds, and the ownerReference to the controller.

import type { Pod } from '../../src/model/kubernetes.js';

const HASH = '7d9f8b6c5';
const SCHEDULED_MINUTE = '29000000';

export function controllerPod(workload: Record<string, unknown>, template: Pod): Pod {
  const kind = String(workload.kind);
  const name = String((workload.metadata as { name?: string } | undefined)?.name);
  const labels = { ...(template.metadata?.labels ?? {}) };
  const owner = (ownerKind: string, ownerName: string, apiVersion = 'apps/v1') => [
    { apiVersion, kind: ownerKind, name: ownerName, uid: '00000000-0000-4000-8000-000000000001', controller: true, blockOwnerDeletion: true },
  ];
  let identity: Record<string, unknown>;
  switch (kind) {
    case 'Deployment':
      labels['pod-template-hash'] = HASH;
      identity = { generateName: `${name}-${HASH}-`, ownerReferences: owner('ReplicaSet', `${name}-${HASH}`) };
      break;
    case 'StatefulSet':
      labels['statefulset.kubernetes.io/pod-name'] = `${name}-0`;
      identity = { name: `${name}-0`, ownerReferences: owner('StatefulSet', name) };
      break;
    case 'CronJob': {
      const job = `${name}-${SCHEDULED_MINUTE}`;
      labels['batch.kubernetes.io/job-name'] = job;
      identity = { generateName: `${job}-`, ownerReferences: owner('Job', job, 'batch/v1') };
      break;
    }
    case 'Job':
      labels['batch.kubernetes.io/job-name'] = name;
      identity = { generateName: `${name}-`, ownerReferences: owner('Job', name, 'batch/v1') };
      break;
    default:
      identity = { generateName: `${name}-`, ownerReferences: owner(kind, name, kind === 'ReplicationController' ? 'v1' : 'apps/v1') };
  }
  return { apiVersion: 'v1', kind: 'Pod', metadata: { ...template.metadata, ...identity, labels }, spec: template.spec };
}
