// Paths inside the repository, wherever the compiled test runs from.

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('package.json not found above the test files');
    dir = parent;
  }
  return dir;
}

export const REPO_ROOT = findRoot();

export function repoPath(...parts: string[]): string {
  return join(REPO_ROOT, ...parts);
}

/** The command line as the image runs it: the esbuild bundle of src/cli/main.ts
 * (`npm run bundle`, which `make test` and `make bench` run first), so the
 * system tests and benchmarks exercise what is deployed. */
export const DEPLOYED_CLI = repoPath('dist', 'bundle', 'envoy-injector.js');

/** NODE_OPTIONS as the Deployment sets them: tests and benchmarks that speak
 * of the deployed server's memory run it with exactly these. */
export function deployedNodeOptions(): string {
  const manifest = readFileSync(repoPath('manifests', 'base', 'deployment.yaml'), 'utf8');
  const found = /- name: NODE_OPTIONS\s+value: (.+)/.exec(manifest)?.[1];
  if (found === undefined) throw new Error('manifests/base/deployment.yaml sets no NODE_OPTIONS');
  return found.trim();
}
