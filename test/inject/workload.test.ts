// The workload a pod belongs to (inject/workload.ts), which names its proxy's
// service cluster: every replica and every scheduled run of one workload must
// get the same name. One row per rule.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { controllerOf, workloadName, type PodOwner } from '../../src/inject/workload.js';
import type { Pod } from '../../src/model/kubernetes.js';

function pod(metadata: Pod['metadata']): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata, spec: { containers: [{ name: 'app', image: 'a' }] } };
}

const controlledBy = (kind: string, name: string) => [{ apiVersion: 'v1', kind, name, uid: 'u', controller: true }];

describe('workloadName', () => {
  const ROWS: Array<[string, Pod['metadata'], string, PodOwner?]> = [
    [
      'the app.kubernetes.io/name label first',
      { name: 'p', labels: { 'app.kubernetes.io/name': 'shop', app: 'other' }, ownerReferences: controlledBy('ReplicaSet', 'web-5d8f') },
      'shop',
    ],
    ['then the app label', { name: 'p', labels: { app: 'cart' } }, 'cart'],
    ['an empty label does not count', { name: 'p', labels: { app: '' } }, 'p'],
    [
      "a Deployment's ReplicaSet, without its template hash",
      { name: 'web-5d8f-x1', labels: { 'pod-template-hash': '5d8f' }, ownerReferences: controlledBy('ReplicaSet', 'web-5d8f') },
      'web',
    ],
    ['a ReplicaSet of its own, whose name has no hash', { name: 'p', ownerReferences: controlledBy('ReplicaSet', 'frontend') }, 'frontend'],
    [
      'a ReplicaSet whose name ends otherwise than the hash',
      { name: 'p', labels: { 'pod-template-hash': '5d8f' }, ownerReferences: controlledBy('ReplicaSet', 'web-abcd') },
      'web-abcd',
    ],
    ["a CronJob's Job, without its scheduled minute", { name: 'p', ownerReferences: controlledBy('Job', 'report-29000000') }, 'report'],
    ['a Job whose number is too short for a minute', { name: 'p', ownerReferences: controlledBy('Job', 'batch-1234567') }, 'batch-1234567'],
    ['a Job named only by digits', { name: 'p', ownerReferences: controlledBy('Job', '29000000') }, '29000000'],
    ['a Job whose digits follow no dash', { name: 'p', ownerReferences: controlledBy('Job', 'run29000000') }, 'run29000000'],
    ["a StatefulSet's pods", { name: 'db-0', ownerReferences: controlledBy('StatefulSet', 'db') }, 'db'],
    [
      'a reference that is not the controller is not the owner',
      { name: 'p', ownerReferences: [{ apiVersion: 'v1', kind: 'ReplicaSet', name: 'web-1', uid: 'u' }] },
      'p',
    ],
    ['generateName without its dashes and template hash', { generateName: 'web-5d8f-', labels: { 'pod-template-hash': '5d8f' } }, 'web'],
    ['generateName before name', { name: 'web-x', generateName: 'web--' }, 'web'],
    ['a generateName of dashes only falls back to the name', { name: 'p', generateName: '---' }, 'p'],
    ['no name at all', {}, 'unknown'],
  ];
  for (const [what, metadata, expected] of ROWS) it(what, () => assert.equal(workloadName(pod(metadata)), expected));

  it('takes the owner a caller knows (offline: the workload holding the template) over the pod’s references', () => {
    assert.equal(workloadName(pod({ name: 'p', ownerReferences: controlledBy('ReplicaSet', 'other') }), { kind: 'Deployment', name: 'web' }), 'web');
  });

  it('strips a long run of dashes in linear time', () => {
    assert.equal(workloadName(pod({ generateName: `web${'-'.repeat(100_000)}` })), 'web');
  });
});

describe('controllerOf', () => {
  it('is the first reference marked controller, with a kind and a non-empty name', () => {
    const references = [
      { kind: 'ReplicaSet', name: 'a', controller: false },
      { kind: 'ReplicaSet', name: '', controller: true },
      { kind: 7, name: 'b', controller: true },
      { kind: 'ReplicaSet', name: 8, controller: true },
      'junk',
      { kind: 'ReplicaSet', name: 'c', controller: 'true' },
      { kind: 'Job', name: 'd', controller: true },
    ];
    assert.deepEqual(controllerOf(pod({ name: 'p', ownerReferences: references })), {
      kind: 'Job',
      name: 'd',
    });
  });
  it('is undefined without references, or with references that are not a list', () => {
    assert.equal(controllerOf(pod({ name: 'p' })), undefined);
    assert.equal(controllerOf(pod({ name: 'p', ownerReferences: {} })), undefined);
  });
});
