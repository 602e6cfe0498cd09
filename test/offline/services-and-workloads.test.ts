// What the offline commands know of Services (offline/services.ts) and where
// they find pods (offline/workloads.ts): the input's own manifests and the
// --service flags, and every kind that holds a pod template.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { offlineServices } from '../../src/offline/services.js';
import { describeObject, findPods, resourceName } from '../../src/offline/workloads.js';

const service = (name: string, ports: unknown[], namespace?: string): Record<string, unknown> => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name, ...(namespace === undefined ? {} : { namespace }) },
  spec: { ports },
});

describe('offlineServices', () => {
  it('knows nothing, and says so, without Services or flags', () => {
    assert.equal(offlineServices([{ kind: 'Pod' }], [], 'default'), undefined);
  });

  it('reads the Services of the input, in their namespace or the default one, with each port as written', () => {
    const lookup = offlineServices(
      [
        service('web', [{ port: 80, name: 'http' }, { port: 9090, appProtocol: 'grpc' }, { port: 'x' }, 'junk'], 'shop'),
        { kind: 'List', items: [service('cart', [{ port: 7070 }])] },
        service('nameless', [{ port: 1 }], ''),
        { kind: 'Service', metadata: { name: 7 }, spec: { ports: [{ port: 1 }] } },
        { kind: 'Deployment', metadata: { name: 'web' } },
      ],
      [],
      'default',
    );
    assert.ok(lookup);
    assert.equal(lookup.partial, true, 'a Service it was not given may still exist');
    assert.deepEqual(lookup.service('shop', 'web'), {
      ports: [
        { port: 80, name: 'http' },
        { port: 9090, appProtocol: 'grpc' },
      ],
    });
    assert.deepEqual(lookup.service('default', 'cart'), { ports: [{ port: 7070 }] });
    assert.deepEqual(lookup.service('default', 'nameless'), { ports: [{ port: 1 }] });
    assert.equal(lookup.service('default', 'web'), undefined);
    assert.equal(lookup.service('shop', 'cart'), undefined);
    assert.equal(lookup.service('default', '7'), undefined, 'a name that is no string');
  });

  it('reads Services only, at the top level or in a List', () => {
    const ported = (kind: string): Record<string, unknown> => ({ kind, metadata: { name: kind.toLowerCase() }, spec: { ports: [{ port: 1 }] } });
    const lookup = offlineServices(
      [
        ported('Endpoints'),
        { kind: 'ServiceList', items: [service('listed', [{ port: 2 }])] },
        { kind: 'List', items: {} },
        'text',
        service('real', [{ port: 3 }]),
      ],
      [],
      'default',
    );
    assert.equal(lookup?.service('default', 'endpoints'), undefined);
    assert.equal(lookup?.service('default', 'listed'), undefined);
    assert.deepEqual(lookup?.service('default', 'real'), { ports: [{ port: 3 }] });
  });

  it('takes a flag with a namespace for that namespace, and one without for any', () => {
    const lookup = offlineServices(
      [],
      [
        { name: 'reviews', namespace: 'shop', port: { port: 9080, name: 'http' } },
        { name: 'reviews', namespace: 'shop', port: { port: 9443 } },
        { name: 'ratings', port: { port: 9080 } },
      ],
      'default',
    );
    assert.ok(lookup);
    assert.deepEqual(lookup.service('shop', 'reviews'), { ports: [{ port: 9080, name: 'http' }, { port: 9443 }] });
    assert.equal(lookup.service('other', 'reviews'), undefined);
    assert.deepEqual(lookup.service('anywhere', 'ratings'), { ports: [{ port: 9080 }] });
  });

  it('prefers the Service of the namespace to a flag for any namespace', () => {
    const lookup = offlineServices([service('ratings', [{ port: 8080 }], 'shop')], [{ name: 'ratings', port: { port: 9080 } }], 'default');
    assert.deepEqual(lookup?.service('shop', 'ratings'), { ports: [{ port: 8080 }] });
    assert.deepEqual(lookup?.service('other', 'ratings'), { ports: [{ port: 9080 }] });
  });
});

describe('findPods', () => {
  const template = { metadata: {}, spec: { containers: [] } };
  for (const kind of ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController', 'Job']) {
    it(`a ${kind}'s pod template`, () => {
      const owner = { kind, metadata: { name: 'w' }, spec: { template } };
      assert.deepEqual(findPods(owner), [{ owner, holder: template, isTemplate: true, path: 'spec.template', pointer: ['spec', 'template'] }]);
    });
  }

  it("a CronJob's job template", () => {
    const owner = { kind: 'CronJob', spec: { jobTemplate: { spec: { template } } } };
    assert.deepEqual(findPods(owner), [
      { owner, holder: template, isTemplate: true, path: 'spec.jobTemplate.spec.template', pointer: ['spec', 'jobTemplate', 'spec', 'template'] },
    ]);
  });

  it('a Pod itself, and the items of a List with where they are', () => {
    const pod = { kind: 'Pod', spec: {} };
    const deployment = { kind: 'Deployment', spec: { template } };
    const found = findPods({ kind: 'List', items: [{ kind: 'Service' }, pod, deployment] });
    assert.deepEqual(
      found.map((p) => [p.pointer, p.isTemplate, p.path]),
      [
        [['items', 1], false, ''],
        [['items', 2, 'spec', 'template'], true, 'spec.template'],
      ],
    );
    assert.equal(found[0]?.holder, pod);
  });

  it('nothing in kinds without pods, or templates that are not mappings', () => {
    assert.deepEqual(findPods({ kind: 'Service', spec: { template } }), []);
    assert.deepEqual(findPods({ kind: 'Deployment', spec: { template: 'x' } }), []);
    assert.deepEqual(findPods({ kind: 'Deployment', spec: 'x' }), []);
    assert.deepEqual(findPods({ kind: 'CronJob', spec: { jobTemplate: { spec: null } } }), []);
    assert.deepEqual(findPods({ kind: 'List', items: 'x' }), []);
    assert.deepEqual(findPods('Pod'), []);
  });
});

describe('names of objects', () => {
  it('as explain writes them, and as kubectl does', () => {
    assert.equal(describeObject({ kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' } }), 'Deployment shop/web');
    assert.equal(describeObject({ kind: 'Pod', metadata: { generateName: 'web-' } }), 'Pod web-*');
    assert.equal(describeObject({ metadata: 'x' }), 'object (unnamed)');
    assert.equal(resourceName({ kind: 'CronJob', metadata: { name: 'report', namespace: 'shop' } }), 'cronjob/report');
  });
});
