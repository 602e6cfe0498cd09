// Warnings for what an injected pod will do that its author may not expect
// (inject/run-warnings.ts), through evaluatePod as the webhook and `explain`
// call it: a run-to-completion pod with a classic sidecar never completes;
// an app probe on a proxy port probes the proxy.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_CONFIG } from '../../src/config/config.js';
import { evaluatePod } from '../../src/inject/evaluate.js';
import type { Pod } from '../../src/model/kubernetes.js';

const CLASSIC = { 'envoy-injector.io/native-sidecar': 'false' };

function pod(spec: Partial<Pod['spec']> = {}, metadata: Record<string, unknown> = {}, annotations: Record<string, string> = {}): Pod {
  return { metadata: { name: 'p', annotations, ...metadata }, spec: { containers: [{ name: 'app', image: 'app:1' }], ...spec } };
}

function warnings(p: Pod, owner?: { kind: string; name: string }): string[] {
  const outcome = evaluatePod({ pod: p, namespace: { name: 'shop' }, config: DEFAULT_CONFIG, ...(owner ? { owner } : {}) });
  assert.equal(outcome.kind, 'injected', JSON.stringify(outcome));
  return outcome.kind === 'injected' ? outcome.warnings : [];
}

const JOB_OWNED = { ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'migrate', uid: 'u', controller: true }] };

describe('a pod that runs to completion', () => {
  const CASES: Array<[string, Pod, { kind: string; name: string } | undefined, string | undefined]> = [
    ['a Job template offline, classic', pod({ restartPolicy: 'Never' }, {}, CLASSIC), { kind: 'Job', name: 'migrate' }, 'its Job will not complete'],
    [
      'a CronJob template offline, classic',
      pod({ restartPolicy: 'OnFailure' }, {}, CLASSIC),
      { kind: 'CronJob', name: 'nightly' },
      'its CronJob will not complete',
    ],
    ["a Job's pod at the webhook, classic", pod({ restartPolicy: 'Never' }, JOB_OWNED, CLASSIC), undefined, 'its Job will not complete'],
    ['a bare pod with restartPolicy Never, classic', pod({ restartPolicy: 'Never' }, {}, CLASSIC), undefined, 'the pod will not complete'],
    ['a bare pod with restartPolicy OnFailure, classic', pod({ restartPolicy: 'OnFailure' }, {}, CLASSIC), undefined, 'the pod will not complete'],
    ['a Job template, native', pod({ restartPolicy: 'Never' }), { kind: 'Job', name: 'migrate' }, undefined],
    ['a Deployment template, classic', pod({}, {}, CLASSIC), { kind: 'Deployment', name: 'web' }, undefined],
    ['a pod with restartPolicy Always, classic', pod({ restartPolicy: 'Always' }, {}, CLASSIC), undefined, undefined],
  ];
  for (const [name, p, owner, want] of CASES) {
    it(`${want ? 'warns about' : 'says nothing of'} ${name}`, () => {
      const said = warnings(p, owner).filter((w) => w.includes('will not complete'));
      if (want === undefined) assert.deepEqual(said, []);
      else {
        assert.equal(said.length, 1);
        assert.ok(said[0]?.startsWith(`${want}: the proxy runs as a classic sidecar`), said[0]);
        assert.match(said[0] ?? '', /set envoy-injector\.io\/native-sidecar: "true"/);
      }
    });
  }
});

describe('an app probe on a proxy port', () => {
  it('is said back for each probe that targets one, naming the container, the probe and the port', () => {
    const p = pod({
      containers: [
        { name: 'app', image: 'app:1', readinessProbe: { httpGet: { path: '/ready', port: 15021 } }, livenessProbe: { tcpSocket: { port: 8080 } } },
        { name: 'side', image: 'side:1', startupProbe: { grpc: { port: 15000 } }, livenessProbe: { httpGet: { path: '/', port: 'http' } } },
      ],
    });
    assert.deepEqual(warnings(p), [
      'container "app": its readinessProbe checks port 15021, the proxy\'s health port, so it probes the proxy, not the app; point it at the app\'s own port',
      'container "side": its startupProbe checks port 15000, the proxy\'s admin port, so it probes the proxy, not the app; point it at the app\'s own port',
    ]);
  });

  it('says nothing of probes on the app’s ports, named ports and exec probes', () => {
    const p = pod({
      containers: [
        {
          name: 'app',
          image: 'app:1',
          readinessProbe: { httpGet: { port: 8080 } },
          livenessProbe: { httpGet: { port: 'metrics' } },
          startupProbe: { exec: { command: ['true'] } },
        },
      ],
    });
    assert.deepEqual(warnings(p), []);
  });
});
