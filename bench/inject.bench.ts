// The in-process stages of one review, by pod size, so that a regression in
// `make bench`'s server numbers can be traced to where it comes from:
// decide, settings (annotations and routes), injection with rendering, each
// for a workload's first pod and for its next replicas (read and rendered
// once, then remembered), and the JSON Patch with its text and encoding.

import { DEFAULT_CONFIG } from '../src/config/config.js';
import { decide } from '../src/inject/decide.js';
import { injectPod } from '../src/inject/inject.js';
import { readProxySettings, type ProxySettings } from '../src/inject/settings.js';
import type { Pod } from '../src/model/kubernetes.js';
import { createPatch } from '../src/model/json-patch.js';
import { patchText } from '../src/model/json-text.js';
import { pod, type Size } from './bodies.js';

function median(runs: number, work: () => void): number {
  for (let i = 0; i < 20; i++) work(); // warm-up: JIT and caches
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    work();
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? 0;
}

const namespace = { name: 'shop' };
const config = DEFAULT_CONFIG;
let counter = 0;

/** The pod as another workload's first pod: a grace period no pod had
 * (settings are read afresh) and an owner no pod had (rendered afresh). */
function firstOfItsKind(subject: Pod): Pod {
  counter++;
  const owner = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `shop-${counter}`, uid: String(counter), controller: true };
  return { ...subject, metadata: { ...subject.metadata, ownerReferences: [owner] }, spec: { ...subject.spec, terminationGracePeriodSeconds: 30 + counter } };
}

function settingsOf(subject: Pod): ProxySettings {
  const read = readProxySettings(subject, namespace, config);
  if (!read.ok) throw new Error(read.problems.join('; '));
  return read.value.settings;
}

console.log('\nin-process stages, median ms per review: "first" is the first pod of a workload, "again" its next replicas\n');
console.log('| size | decide | settings, first | settings, again | settings + inject + render, first | inject + render, again | patch + text + base64 |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const size of ['small', 'typical', 'large', 'huge'] as Size[]) {
  const runs = size === 'huge' ? 50 : 500;
  const subject = pod(size);
  const settings = settingsOf(subject);
  const injected = injectPod(subject, { namespace: 'shop', config, settings });
  const cells = [
    median(runs, () => decide(subject, namespace, config)),
    median(runs, () => readProxySettings(firstOfItsKind(subject), namespace, config)),
    median(runs, () => readProxySettings(subject, namespace, config)),
    median(runs, () => {
      const first = firstOfItsKind(subject);
      injectPod(first, { namespace: 'shop', config, settings: settingsOf(first) });
    }),
    median(runs, () => injectPod(subject, { namespace: 'shop', config, settings })),
    median(runs, () => Buffer.from(patchText(createPatch(subject, injected))).toString('base64')),
  ];
  console.log(`| ${size} | ${cells.map((ms) => ms.toFixed(3)).join(' | ')} |`);
}
