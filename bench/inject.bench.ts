// The in-process stages of one review, by pod size, so that a regression in
// `make bench`'s server numbers can be traced to where it comes from:
// decide, settings (annotations and routes), injection with rendering (the
// render cache warm, as in a scale-up), and the JSON Patch with its encoding.

import { DEFAULT_CONFIG } from '../src/config/config.js';
import { decide } from '../src/inject/decide.js';
import { injectPod } from '../src/inject/inject.js';
import { readProxySettings } from '../src/inject/settings.js';
import { createPatch } from '../src/model/json-patch.js';
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
console.log('\nin-process stages, median ms per review\n');
console.log('| size | decide | settings | inject + render | patch + base64 |');
console.log('| --- | --- | --- | --- | --- |');
for (const size of ['small', 'typical', 'large', 'huge'] as Size[]) {
  const runs = size === 'huge' ? 50 : 500;
  const subject = pod(size);
  const settings = readProxySettings(subject, namespace, DEFAULT_CONFIG);
  if (!settings.ok) throw new Error(settings.problems.join('; '));
  const injected = injectPod(subject, { namespace: 'shop', config: DEFAULT_CONFIG, settings: settings.value.settings });
  const cells = [
    median(runs, () => decide(subject, namespace, DEFAULT_CONFIG)),
    median(runs, () => readProxySettings(subject, namespace, DEFAULT_CONFIG)),
    median(runs, () => injectPod(subject, { namespace: 'shop', config: DEFAULT_CONFIG, settings: settings.value.settings })),
    median(runs, () => Buffer.from(JSON.stringify(createPatch(subject, injected))).toString('base64')),
  ];
  console.log(`| ${size} | ${cells.map((ms) => ms.toFixed(3)).join(' | ')} |`);
}
