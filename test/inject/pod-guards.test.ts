// What refuses a pod before it is injected (inject/conflicts.ts and
// inject/limits.ts): the proxy's names, ports and UID already in use, and the
// sizes Kubernetes would refuse after admission. One row per rule, with the
// message the pod's author reads.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { findConflicts } from '../../src/inject/conflicts.js';
import { annotationBytes, inputLimitProblems, kib, MAX_SETTING_ANNOTATION_BYTES, renderedSizeProblem } from '../../src/inject/limits.js';
import type { Container, Pod } from '../../src/model/kubernetes.js';

const OPT_OUT = 'or label the pod envoy-injector.io/inject: "false" to keep it out of the mesh';

function pod(spec: Partial<Pod['spec']> = {}, metadata: Pod['metadata'] = { name: 'p' }): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata, spec: { containers: [{ name: 'app', image: 'a' }], ...spec } };
}

const app = (fields: Partial<Container>): Container => ({ name: 'app', image: 'a', ...fields });

describe('conflicts with the proxy', () => {
  const ROWS: Array<[string, Pod, string[]]> = [
    ['an ordinary pod', pod({ containers: [app({ ports: [{ containerPort: 8080 }], securityContext: { runAsUser: 1000, runAsGroup: 1000 } })] }), []],
    [
      'an app container named envoy',
      pod({ containers: [app({ name: 'envoy' })] }),
      [`the pod already has a container named "envoy" but no envoy-injector.io/status annotation: rename that container, ${OPT_OUT}`],
    ],
    [
      'an init container named envoy-init',
      pod({ initContainers: [app({ name: 'envoy-init' })] }),
      [`the pod already has a container named "envoy-init" but no envoy-injector.io/status annotation: rename that container, ${OPT_OUT}`],
    ],
    [
      "an app on the proxy's admin and inbound ports",
      pod({ containers: [app({ ports: [{ containerPort: 15000 }, { containerPort: 8080 }, { containerPort: 15006 }] })] }),
      [
        `container "app" declares port 15000, which the proxy uses (admin): move the app to another port, ${OPT_OUT}`,
        `container "app" declares port 15006, which the proxy uses (inbound): move the app to another port, ${OPT_OUT}`,
      ],
    ],
    [
      "a container running as the proxy's UID",
      pod({ containers: [app({ securityContext: { runAsUser: 1337 } })] }),
      [`container "app" runs as UID 1337, the proxy's UID, so its traffic would bypass capture: run it as another user, ${OPT_OUT}`],
    ],
    [
      "a pod running as the proxy's GID, its container as another",
      pod({ securityContext: { runAsGroup: 1337 }, containers: [app({ name: 'a' }), app({ name: 'b', securityContext: { runAsGroup: 2000 } })] }),
      [`container "a" runs with GID 1337, the proxy's GID, so its traffic would bypass capture: run it with another group, ${OPT_OUT}`],
    ],
    [
      "a pod running as the proxy's UID, its container as another",
      pod({ securityContext: { runAsUser: 1337 }, containers: [app({ securityContext: { runAsUser: 1000 } })] }),
      [],
    ],
    [
      'a volume named envoy-config',
      pod({ volumes: [{ name: 'data' }, { name: 'envoy-config' }] }),
      [`the pod already has a volume named "envoy-config" but no envoy-injector.io/status annotation: rename that volume, ${OPT_OUT}`],
    ],
  ];
  for (const [what, input, expected] of ROWS) it(what, () => assert.deepEqual(findConflicts(input), expected));
});

describe('limits on what a pod author writes', () => {
  it('counts annotation bytes in UTF-8, keys included', () => {
    assert.equal(annotationBytes({ a: 'bc', é: '€' }), 1 + 2 + 2 + 3);
    assert.equal(annotationBytes({}), 0);
  });

  it('writes KiB with one decimal', () => {
    assert.equal(kib(1536), '1.5');
    assert.equal(kib(256 * 1024), '256.0');
  });

  const ROWS: Array<[string, Pod['metadata'], string[]]> = [
    ['names at their limit', { name: 'n'.repeat(253), generateName: 'g'.repeat(253), labels: { 'envoy-injector.io/inject': 'x'.repeat(63) } }, []],
    ['a name past its limit', { name: 'n'.repeat(254) }, ["metadata.name is 254 characters, over Kubernetes' limit of 253"]],
    ['a generateName past its limit', { generateName: 'g'.repeat(300) }, ["metadata.generateName is 300 characters, over Kubernetes' limit of 253"]],
    ['a null name', { name: null as unknown as string }, []],
    [
      'the inject label past a label value',
      { name: 'p', labels: { 'envoy-injector.io/inject': 'x'.repeat(64) } },
      ["label envoy-injector.io/inject is 64 characters, over Kubernetes' limit of 63 for a label value"],
    ],
    ['another long label', { name: 'p', labels: { other: 'x'.repeat(64) } }, []],
    ['annotations at the total limit', { name: 'p', annotations: { a: 'x'.repeat(256 * 1024 - 1) } }, []],
    [
      'annotations past the total limit',
      { name: 'p', annotations: { a: 'x'.repeat(256 * 1024) } },
      ["metadata.annotations are 256.0 KiB, over Kubernetes' limit of 256.0 KiB"],
    ],
    ['a setting at its limit', { name: 'p', annotations: { 'envoy-injector.io/log-level': 'x'.repeat(MAX_SETTING_ANNOTATION_BYTES) } }, []],
    [
      'a setting past its limit',
      { name: 'p', annotations: { 'envoy-injector.io/log-level': 'x'.repeat(MAX_SETTING_ANNOTATION_BYTES + 1) } },
      [`annotation envoy-injector.io/log-level is ${MAX_SETTING_ANNOTATION_BYTES + 1} bytes, over the limit of ${MAX_SETTING_ANNOTATION_BYTES}`],
    ],
    [
      'a long unknown key of ours, cut to 100 characters',
      { name: 'p', annotations: { [`envoy-injector.io/${'k'.repeat(200)}`]: 'x'.repeat(5000) } },
      [`annotation envoy-injector.io/${'k'.repeat(82)} is 5000 bytes, over the limit of ${MAX_SETTING_ANNOTATION_BYTES}`],
    ],
    ['large routes (their own limit is elsewhere)', { name: 'p', annotations: { 'envoy-injector.io/routes': 'x'.repeat(5000) } }, []],
    ['a large status (written by the injector)', { name: 'p', annotations: { 'envoy-injector.io/status': 'x'.repeat(5000) } }, []],
    ["another domain's large annotation", { name: 'p', annotations: { 'example.com/config': 'x'.repeat(5000) } }, []],
    [
      'every problem at once',
      { name: 'n'.repeat(254), generateName: 'g'.repeat(254), labels: { 'envoy-injector.io/inject': 'x'.repeat(64) } },
      [
        "metadata.name is 254 characters, over Kubernetes' limit of 253",
        "metadata.generateName is 254 characters, over Kubernetes' limit of 253",
        "label envoy-injector.io/inject is 64 characters, over Kubernetes' limit of 63 for a label value",
      ],
    ],
  ];
  for (const [what, metadata, expected] of ROWS) it(what, () => assert.deepEqual(inputLimitProblems(pod({}, metadata)), expected));
});

describe('the rendered size of an injected pod', () => {
  it('fits at the limit, and is refused past it with what to shrink', () => {
    assert.equal(renderedSizeProblem(pod({}, { name: 'p', annotations: { a: 'x'.repeat(256 * 1024 - 1) } })), undefined);
    assert.equal(renderedSizeProblem(pod({}, { name: 'p' })), undefined);
    assert.equal(
      renderedSizeProblem(pod({}, { name: 'p', annotations: { a: 'x'.repeat(300 * 1024) } })),
      "the rendered Envoy config would make the pod's annotations 300.0 KiB, over Kubernetes' limit of 256.0 KiB: shrink envoy-injector.io/routes (the pod's or its namespace's default) or the pod's own annotations",
    );
  });
});
