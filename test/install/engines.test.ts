// A fresh `npm ci` on the Node versions the project supports (20, and the
// image's 24) prints no engine warning: every locked package accepts them.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import semver from 'semver';
import { repoPath } from '../support/repo.js';

interface Lock {
  packages: Record<string, { version?: string; engines?: { node?: string } | string[] }>;
}

const lock = JSON.parse(readFileSync(repoPath('package-lock.json'), 'utf8')) as Lock;
const SUPPORTED = ['20.19.0', process.versions.node, '24.11.1'];

describe('engines', () => {
  it('every locked package accepts Node 20 and Node 24', () => {
    const refusing: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      const range = !Array.isArray(entry.engines) ? entry.engines?.node : undefined;
      if (path === '' || range === undefined) continue;
      for (const version of SUPPORTED) {
        if (!semver.satisfies(version, range))
          refusing.push(`${path.replace(/^.*node_modules\//, '')}@${entry.version ?? '?'} wants node ${range}, not ${version}`);
      }
    }
    assert.deepEqual(refusing, []);
  });
});
