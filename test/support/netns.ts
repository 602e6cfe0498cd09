// Network namespaces for the capture tests: a pod's namespace joined to a
// peer's by a veth pair, with a default route as every pod has (without one,
// the kernel refuses a connect before any capture rule sees it).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VALIDATE_UID } from '../../src/model/names.js';
import { repoPath } from './repo.js';

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function run(command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv } = {}): Ran {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 30_000, ...(options.env ? { env: options.env } : {}) });
  return { code: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? result.error?.message ?? '' };
}

/** Why this machine cannot run a namespace test, or undefined when it can. */
export function netnsUnavailable(probe: string): string | undefined {
  if (process.getuid?.() !== 0) return 'not root: network namespaces and iptables need root (CI runs as root)';
  const added = run('ip', ['netns', 'add', probe]);
  if (added.code !== 0) return `cannot create a network namespace (ip netns add: ${(added.stderr || 'ip not found').trim()})`;
  run('ip', ['netns', 'del', probe]);
  return undefined;
}

/** `pod` and `peer` namespaces joined by `<device>a`/`<device>b`, the pod at `<subnet>.1/24` routing by default through `<subnet>.2`. */
export function podNetwork(pod: string, peer: string, device: string, subnet: string): void {
  for (const command of [
    ['netns', 'add', pod],
    ['netns', 'add', peer],
    ['link', 'add', `${device}a`, 'netns', pod, 'type', 'veth', 'peer', 'name', `${device}b`, 'netns', peer],
    ['-n', pod, 'addr', 'add', `${subnet}.1/24`, 'dev', `${device}a`],
    ['-n', pod, 'link', 'set', `${device}a`, 'up'],
    ['-n', pod, 'link', 'set', 'lo', 'up'],
    ['-n', peer, 'link', 'set', `${device}b`, 'up'],
    ['-n', pod, 'route', 'add', 'default', 'via', `${subnet}.2`, 'dev', `${device}a`],
  ]) {
    const result = run('ip', command);
    assert.equal(result.code, 0, `ip ${command.join(' ')}: ${result.stderr}`);
  }
}

export function removeNetns(...names: readonly string[]): void {
  for (const name of names) run('ip', ['netns', 'del', name]);
}

/** envoy-validate where its UID may read it (a clone under /root, or a 0700 temporary folder, is not). */
export function validatorCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'envoy-validate-'));
  chmodSync(dir, 0o755);
  const copy = join(dir, 'envoy-validate');
  copyFileSync(repoPath('images', 'envoy-init', 'envoy-validate'), copy);
  chmodSync(copy, 0o755);
  return copy;
}

/** Runs envoy-validate in a pod's namespace as the pod runs it: its own UID, with a short deadline. */
export function validateIn(netns: string, validator: string, args: readonly string[]): Ran {
  return run('ip', [
    'netns',
    'exec',
    netns,
    'setpriv',
    `--reuid=${VALIDATE_UID}`,
    `--regid=${VALIDATE_UID}`,
    '--clear-groups',
    validator,
    ...args,
    '--timeout-seconds=2',
  ]);
}
