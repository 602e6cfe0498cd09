// A process's memory as Linux reports it: current (VmRSS) or peak (VmHWM).

import { readFileSync } from 'node:fs';

export function processMemoryMiB(pid: number | undefined, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Math.round(Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) / 1024);
}
