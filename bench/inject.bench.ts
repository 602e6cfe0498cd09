// `make bench`: in-process injection time for the golden huge pod (1,500 env
// vars) and a plain pod, with the patch, as the webhook computes them.

import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { DEFAULT_CONFIG } from '../src/config/config.js';
import { evaluatePod } from '../src/inject/evaluate.js';
import type { Pod } from '../src/model/kubernetes.js';
import { createPatch } from '../src/model/json-patch.js';
import { repoPath } from '../test/support/repo.js';

function measure(name: string, pod: Pod, iterations: number): void {
  const once = (): void => {
    const outcome = evaluatePod({ pod, namespace: { name: 'bench' }, config: DEFAULT_CONFIG });
    if (outcome.kind !== 'injected') throw new Error(`${name}: not injected (${outcome.kind})`);
    createPatch(pod, outcome.pod);
  };
  for (let i = 0; i < 20; i++) once(); // warm-up: JIT and the YAML/RE2 caches
  const times: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const start = process.hrtime.bigint();
    once();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  const at = (q: number): string => (times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0).toFixed(2);
  console.log(`${name}: ${iterations} runs, evaluate+inject+patch p50 ${at(0.5)} ms, p95 ${at(0.95)} ms, max ${at(1)} ms`);
}

const load = (file: string): Pod => parse(readFileSync(repoPath('test', 'golden', 'cases', file), 'utf8')) as Pod;
measure('plain pod', load('plain-pod.yaml'), 500);
measure('routes pod', load('routes-spec-example.yaml'), 500);
measure('1,500 env vars', load('huge-pod.yaml'), 200);
