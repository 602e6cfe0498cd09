// podShapeProblem (model/kubernetes.ts): the shapes the core refuses to read,
// one table row per rule, each with the message the pod author gets; and the
// shapes it accepts (absent and null fields, as the API server sends them).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { podShapeProblem } from '../../src/model/kubernetes.js';

const SPEC = { containers: [{ name: 'app' }] };

const REFUSED: Array<[string, unknown, string]> = [
  ['a list', [], 'is not an object'],
  ['null', null, 'is not an object'],
  ['a string', 'pod', 'is not an object'],
  ['metadata a list', { metadata: [], spec: SPEC }, 'metadata is not an object'],
  ['metadata a string', { metadata: 'm', spec: SPEC }, 'metadata is not an object'],
  ['a numeric name', { metadata: { name: 1 }, spec: SPEC }, 'metadata.name must be a string'],
  ['an object generateName', { metadata: { generateName: {} }, spec: SPEC }, 'metadata.generateName must be a string'],
  ['a boolean namespace', { metadata: { namespace: true }, spec: SPEC }, 'metadata.namespace must be a string'],
  ['labels a list', { metadata: { labels: ['a'] }, spec: SPEC }, 'metadata.labels must map strings to strings'],
  ['a numeric label value', { metadata: { labels: { a: 'x', b: 1 } }, spec: SPEC }, 'metadata.labels must map strings to strings'],
  ['a null annotation value', { metadata: { annotations: { a: null } }, spec: SPEC }, 'metadata.annotations must map strings to strings'],
  ['no spec', { metadata: {} }, 'has no spec'],
  ['a list spec', { spec: [] }, 'has no spec'],
  ['no containers', { spec: {} }, 'spec.containers must be a non-empty list'],
  ['containers an object', { spec: { containers: { name: 'app' } } }, 'spec.containers must be a non-empty list'],
  ['no container in the list', { spec: { containers: [] } }, 'spec.containers must be a non-empty list'],
  ['a container without a name', { spec: { containers: [{ name: 'app' }, { image: 'x' }] } }, 'spec.containers must be a list of containers with names'],
  ['a container that is a string', { spec: { containers: ['app'] } }, 'spec.containers must be a list of containers with names'],
  ['initContainers an object', { spec: { ...SPEC, initContainers: { name: 'i' } } }, 'spec.initContainers must be a list of containers with names'],
  [
    'an init container without a name',
    { spec: { ...SPEC, initContainers: [{ name: 'i' }, {}] } },
    'spec.initContainers must be a list of containers with names',
  ],
  [
    'ports an object',
    { spec: { containers: [{ name: 'app', ports: { containerPort: 80 } }] } },
    'spec.containers: container "app" must have a list of ports and an object securityContext',
  ],
  [
    'a port that is a number',
    { spec: { containers: [{ name: 'app', ports: [{ containerPort: 80 }, 8080] }] } },
    'spec.containers: container "app" must have a list of ports and an object securityContext',
  ],
  [
    'a container securityContext that is a list',
    { spec: { ...SPEC, initContainers: [{ name: 'i', securityContext: [] }] } },
    'spec.initContainers: container "i" must have a list of ports and an object securityContext',
  ],
  [
    'a long container name, cut in the message',
    { spec: { containers: [{ name: 'n'.repeat(100), securityContext: 'root' }] } },
    `spec.containers: container "${'n'.repeat(63)}" must have a list of ports and an object securityContext`,
  ],
  ['a pod securityContext that is a string', { spec: { ...SPEC, securityContext: 'root' } }, 'spec.securityContext must be an object'],
  ['a pod securityContext that is a list', { spec: { ...SPEC, securityContext: [] } }, 'spec.securityContext must be an object'],
  ['volumes an object', { spec: { ...SPEC, volumes: { name: 'v' } } }, 'spec.volumes must be a list of volumes with names'],
  ['a volume without a name', { spec: { ...SPEC, volumes: [{ name: 'v' }, { emptyDir: {} }] } }, 'spec.volumes must be a list of volumes with names'],
  ['a volume that is a string', { spec: { ...SPEC, volumes: ['v'] } }, 'spec.volumes must be a list of volumes with names'],
];

const ACCEPTED: Array<[string, unknown]> = [
  ['the least pod', { spec: SPEC }],
  ['null metadata fields', { metadata: { name: null, generateName: null, namespace: null, labels: null, annotations: null }, spec: SPEC }],
  ['string metadata', { metadata: { name: 'p', generateName: 'p-', namespace: 'n', labels: { a: 'b' }, annotations: {} }, spec: SPEC }],
  [
    'null lists and contexts',
    { spec: { containers: [{ name: 'app', ports: null, securityContext: null }], initContainers: null, volumes: null, securityContext: null } },
  ],
  [
    'full lists and contexts',
    {
      spec: {
        containers: [{ name: 'app', ports: [{ containerPort: 80 }], securityContext: { runAsUser: 1 } }],
        initContainers: [{ name: 'i', ports: [] }],
        volumes: [{ name: 'v', emptyDir: {} }],
        securityContext: { runAsNonRoot: true },
      },
    },
  ],
];

describe('podShapeProblem', () => {
  for (const [name, value, problem] of REFUSED) {
    it(`refuses ${name}`, () => assert.equal(podShapeProblem(value), problem));
  }
  for (const [name, value] of ACCEPTED) {
    it(`accepts ${name}`, () => assert.equal(podShapeProblem(value), undefined));
  }
});
