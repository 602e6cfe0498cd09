// The proxy's production life as injected: how many workers it runs, how it
// drains when the pod stops, what it logs, and what kubectl shows by default.
// Table tests over readProxySettings() and injectPod() through evaluatePod().

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_CONFIG, type InjectorConfig } from '../../src/config/config.js';
import { evaluatePod } from '../../src/inject/evaluate.js';
import { readProxySettings } from '../../src/inject/settings.js';
import type { Container, Pod } from '../../src/model/kubernetes.js';
import { ANNOTATION, KUBECTL_DEFAULT_CONTAINER, SIDECAR_CONTAINER } from '../../src/model/names.js';

function pod(annotations: Record<string, string> = {}, spec: Partial<Pod['spec']> = {}): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', annotations }, spec: { containers: [{ name: 'app', image: 'a' }], ...spec } };
}

function settingsOf(input: Pod, config: InjectorConfig = DEFAULT_CONFIG) {
  const read = readProxySettings(input, { name: 'apps' }, config);
  assert.ok(read.ok, read.ok ? '' : read.problems.join('\n'));
  return read.value.settings;
}

function problemsOf(input: Pod): string {
  const read = readProxySettings(input, { name: 'apps' }, DEFAULT_CONFIG);
  assert.equal(read.ok, false, 'the annotations were refused');
  return read.ok ? '' : read.problems.join('\n');
}

function sidecarOf(input: Pod): Container {
  const outcome = evaluatePod({ pod: input, namespace: { name: 'apps' }, config: DEFAULT_CONFIG });
  assert.equal(outcome.kind, 'injected', JSON.stringify(outcome));
  if (outcome.kind !== 'injected') throw new Error('not injected');
  const all = [...outcome.pod.spec.containers, ...(outcome.pod.spec.initContainers ?? [])];
  const sidecar = all.find((c) => c.name === SIDECAR_CONTAINER);
  assert.ok(sidecar);
  return sidecar;
}

interface Lifecycle {
  postStart?: unknown;
  preStop?: { exec?: { command?: string[] } };
}
const lifecycleOf = (container: Container): Lifecycle => (container.lifecycle as Lifecycle | undefined) ?? {};

const flag = (container: Container, name: string): string | undefined => {
  const args = (container.args ?? []) as string[];
  const at = args.indexOf(name);
  return at < 0 ? undefined : args[at + 1];
};

describe('proxy concurrency', () => {
  const cases: Array<[string, Record<string, string>, number, RegExp]> = [
    ['the default CPU request (100m) rounds up to one worker', {}, 1, /CPU request 100m/],
    [
      'a CPU request of 1200m rounds up to two workers, not to the nearest',
      { [ANNOTATION.proxyCpu]: '1200m', [ANNOTATION.proxyCpuLimit]: '4' },
      2,
      /CPU request 1200m/,
    ],
    ['a CPU request of 2500m gives three workers', { [ANNOTATION.proxyCpu]: '2500m', [ANNOTATION.proxyCpuLimit]: '4' }, 3, /CPU request 2500m/],
    ['rounding up stops at the CPU limit', { [ANNOTATION.proxyCpu]: '1500m', [ANNOTATION.proxyCpuLimit]: '1500m' }, 1, /CPU request 1500m/],
    ['a fractional CPU limit still leaves one worker', { [ANNOTATION.proxyCpu]: '200m', [ANNOTATION.proxyCpuLimit]: '500m' }, 1, /CPU request/],
    ['the annotation wins', { [ANNOTATION.proxyConcurrency]: '4' }, 4, /annotation envoy-injector.io\/proxy-concurrency/],
  ];
  for (const [name, annotations, workers, source] of cases) {
    it(name, () => {
      const { concurrency } = settingsOf(pod(annotations));
      assert.equal(concurrency.workers, workers);
      assert.match(concurrency.source, source);
      assert.equal(flag(sidecarOf(pod(annotations)), '--concurrency'), String(workers));
    });
  }

  it('without a CPU request in the config, one worker; without a CPU limit, as many as the request rounds up to', () => {
    const unbounded: InjectorConfig = { ...DEFAULT_CONFIG, proxy: { ...DEFAULT_CONFIG.proxy, resources: { requests: {}, limits: {} } } };
    assert.deepEqual(settingsOf(pod(), unbounded).concurrency, { workers: 1, source: 'the CPU request (none), rounded up' });
    assert.deepEqual(settingsOf(pod({ [ANNOTATION.proxyCpu]: '5500m' }), unbounded).concurrency, { workers: 6, source: 'the CPU request 5500m, rounded up' });
    assert.equal(settingsOf(pod({ [ANNOTATION.proxyCpu]: '500' }), unbounded).concurrency.workers, 64, 'at most 64');
  });

  it('the config value wins over the CPU request, and the annotation over the config', () => {
    const config: InjectorConfig = { ...DEFAULT_CONFIG, proxy: { ...DEFAULT_CONFIG.proxy, concurrency: 6 } };
    assert.deepEqual(settingsOf(pod(), config).concurrency, { workers: 6, source: 'config proxy.concurrency' });
    assert.equal(settingsOf(pod({ [ANNOTATION.proxyConcurrency]: '2' }), config).concurrency.workers, 2);
  });

  for (const bad of ['0', '-1', '65', '2.5', 'two', '1e3', '9'.repeat(400)]) {
    it(`refuses proxy-concurrency ${JSON.stringify(bad.slice(0, 12))}`, () => {
      const problems = problemsOf(pod({ [ANNOTATION.proxyConcurrency]: bad }));
      assert.match(problems, /envoy-injector.io\/proxy-concurrency/);
      assert.ok(problems.length < 400, 'the value is not echoed whole');
    });
  }
});

describe('proxy drain on stop', () => {
  it('drains for 5 s by default, with a preStop hook and a matching --drain-time-s', () => {
    const sidecar = sidecarOf(pod());
    assert.equal(settingsOf(pod()).drainSeconds, 5);
    assert.equal(flag(sidecar, '--drain-time-s'), '5');
    const command = lifecycleOf(sidecar).preStop?.exec?.command ?? [];
    assert.equal(command[0], 'bash');
    assert.match(command[2] ?? '', /deadline=\$\(\(SECONDS \+ 5\)\)/);
  });

  it('takes the annotation, and 0 turns draining off', () => {
    assert.equal(settingsOf(pod({ [ANNOTATION.drainSeconds]: '20' })).drainSeconds, 20);
    const off = sidecarOf(pod({ [ANNOTATION.drainSeconds]: '0' }));
    assert.equal(lifecycleOf(off).preStop, undefined);
    assert.equal(flag(off, '--drain-time-s'), undefined);
  });

  it('shortens the default to fit a short grace period: the pod chose to stop fast', () => {
    assert.equal(settingsOf(pod({}, { terminationGracePeriodSeconds: 3 })).drainSeconds, 2);
    assert.equal(settingsOf(pod({}, { terminationGracePeriodSeconds: 0 })).drainSeconds, 0);
    assert.equal(settingsOf(pod({}, { terminationGracePeriodSeconds: 5 })).drainSeconds, 4, 'a drain as long as the grace period leaves no time to stop');
    assert.equal(settingsOf(pod({}, { terminationGracePeriodSeconds: 6 })).drainSeconds, 5);
    assert.equal(
      settingsOf(pod({}, { terminationGracePeriodSeconds: '30' as unknown as number })).drainSeconds,
      5,
      'a grace period that is no number is the default 30 s',
    );
  });

  it('takes an annotated drain of 0 whatever the grace period, and one just under it', () => {
    assert.equal(settingsOf(pod({ [ANNOTATION.drainSeconds]: '0' }, { terminationGracePeriodSeconds: 0 })).drainSeconds, 0);
    assert.equal(settingsOf(pod({ [ANNOTATION.drainSeconds]: '9' }, { terminationGracePeriodSeconds: 10 })).drainSeconds, 9);
  });

  it('refuses an annotated drain that does not fit the grace period, naming both numbers', () => {
    assert.match(problemsOf(pod({ [ANNOTATION.drainSeconds]: '30' })), /30 s of draining does not fit in the pod's terminationGracePeriodSeconds \(30 s\)/);
    assert.match(problemsOf(pod({ [ANNOTATION.drainSeconds]: '10' }, { terminationGracePeriodSeconds: 10 })), /lower it below 10/);
    assert.equal(settingsOf(pod({ [ANNOTATION.drainSeconds]: '50' }, { terminationGracePeriodSeconds: 60 })).drainSeconds, 50);
  });

  for (const bad of ['601', '-5', '5s', '']) {
    it(`refuses drain-seconds ${JSON.stringify(bad)}`, () => {
      assert.match(problemsOf(pod({ [ANNOTATION.drainSeconds]: bad }, { terminationGracePeriodSeconds: 900 })), /envoy-injector.io\/drain-seconds/);
    });
  }

  it('an unreadable drain-seconds is reported once, not also as not fitting', () => {
    const problems = problemsOf(pod({ [ANNOTATION.drainSeconds]: '5s' }, { terminationGracePeriodSeconds: 2 }));
    assert.equal(problems.split('\n').length, 1, problems);
    assert.doesNotMatch(problems, /does not fit/);
  });

  it('keeps the hold-application postStart next to the preStop drain', () => {
    const sidecar = sidecarOf(pod({ [ANNOTATION.nativeSidecar]: 'false', [ANNOTATION.holdApplicationUntilProxyStarts]: 'true' }));
    assert.ok(lifecycleOf(sidecar).postStart, 'postStart kept');
    assert.ok(lifecycleOf(sidecar).preStop, 'preStop added');
  });
});

describe('proxy access log', () => {
  it('is off by default, and the annotation picks text or json', () => {
    assert.equal(settingsOf(pod()).accessLog, 'off');
    assert.equal(settingsOf(pod({ [ANNOTATION.accessLog]: 'json' })).accessLog, 'json');
    assert.equal(settingsOf(pod({ [ANNOTATION.accessLog]: 'text' })).accessLog, 'text');
  });

  it('refuses another format and lists the ones there are', () => {
    assert.match(problemsOf(pod({ [ANNOTATION.accessLog]: 'jsn' })), /envoy-injector.io\/access-log: "jsn" is not one of off, text, json/);
  });

  it('changes the rendered config, so the config hash tells the pods apart', () => {
    const hash = (annotations: Record<string, string>): string => {
      const outcome = evaluatePod({ pod: pod(annotations), namespace: { name: 'apps' }, config: DEFAULT_CONFIG });
      return outcome.kind === 'injected' ? (outcome.pod.metadata?.annotations?.[ANNOTATION.status] ?? '') : '';
    };
    assert.notEqual(hash({}), hash({ [ANNOTATION.accessLog]: 'json' }));
  });
});

describe('kubectl default container', () => {
  const annotationsOf = (input: Pod): Record<string, string> => {
    const outcome = evaluatePod({ pod: input, namespace: { name: 'apps' }, config: DEFAULT_CONFIG });
    return outcome.kind === 'injected' ? { ...outcome.pod.metadata?.annotations } : {};
  };

  it('is the first app container, also when the proxy was put before it', () => {
    const held = pod({ [ANNOTATION.nativeSidecar]: 'false', [ANNOTATION.holdApplicationUntilProxyStarts]: 'true' });
    assert.equal(annotationsOf(held)[KUBECTL_DEFAULT_CONTAINER], 'app');
    assert.equal(annotationsOf(pod())[KUBECTL_DEFAULT_CONTAINER], 'app');
  });

  it("keeps the author's own choice", () => {
    const input = pod(
      { [KUBECTL_DEFAULT_CONTAINER]: 'worker' },
      {
        containers: [
          { name: 'app', image: 'a' },
          { name: 'worker', image: 'w' },
        ],
      },
    );
    assert.equal(annotationsOf(input)[KUBECTL_DEFAULT_CONTAINER], 'worker');
  });
});
