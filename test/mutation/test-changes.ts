// Stryker's incremental mode reuses a survivor's result while no *new* test
// covers it. The tap runner names tests by file and reports no test source,
// so a case added to an existing test file is not seen as new, and the
// survivor it kills would stay "survived". This keeps that honest: after a
// run it records a hash of each test file; before the next run it forgets
// every undetected result covered by a test file that changed since (or
// whose test support code did), so Stryker tests those mutants again.
//
//   node dist/test/mutation/test-changes.js forget|record reports/mutation/PART.json

import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoPath } from '../support/repo.js';

interface RecordedMutant {
  status: string;
  coveredBy?: string[];
}

interface RecordedRun {
  files: Record<string, { mutants: RecordedMutant[] }>;
  testFiles?: Record<string, { tests: Array<{ id: string }> }>;
}

type Hashes = Record<string, string>;

/** The test support code every test file may use: a change there is a change of every test. */
function supportFiles(): string[] {
  const dir = repoPath('dist', 'test', 'support');
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((name) => name.endsWith('.js'))
        .sort()
        .map((name) => join(dir, name))
    : [];
}

function hashOf(testFile: string, support: readonly string[]): string | undefined {
  const path = repoPath(testFile);
  if (!existsSync(path)) return undefined;
  const hash = createHash('sha256').update(readFileSync(path));
  for (const file of support) hash.update(readFileSync(file));
  return hash.digest('hex');
}

function hashesFile(reportFile: string): string {
  return reportFile.replace(/\.json$/, '.tests.json');
}

function record(reportFile: string, run: RecordedRun): void {
  const hashes: Hashes = {};
  const support = supportFiles();
  for (const testFile of Object.keys(run.testFiles ?? {}).sort()) {
    const hash = hashOf(testFile, support);
    if (hash !== undefined) hashes[testFile] = hash;
  }
  writeFileSync(hashesFile(reportFile), `${JSON.stringify(hashes, null, 1)}\n`);
}

/** Drops the undetected results covered by a test file that changed (or
 * that no hash was recorded for); returns how many. */
function forget(reportFile: string, run: RecordedRun): number {
  const hashes: Hashes = existsSync(hashesFile(reportFile)) ? (JSON.parse(readFileSync(hashesFile(reportFile), 'utf8')) as Hashes) : {};
  const changedTestIds = new Set<string>();
  const support = supportFiles();
  for (const [testFile, { tests }] of Object.entries(run.testFiles ?? {})) {
    if (hashes[testFile] !== undefined && hashes[testFile] === hashOf(testFile, support)) continue;
    for (const { id } of tests) changedTestIds.add(id);
  }
  let forgotten = 0;
  for (const file of Object.values(run.files)) {
    const kept = file.mutants.filter((m) => m.status === 'Killed' || !(m.coveredBy ?? []).some((id) => changedTestIds.has(id)));
    forgotten += file.mutants.length - kept.length;
    file.mutants = kept;
  }
  if (forgotten > 0) writeFileSync(reportFile, JSON.stringify(run));
  return forgotten;
}

function main(): void {
  const [action, reportFile] = process.argv.slice(2);
  if ((action !== 'forget' && action !== 'record') || reportFile === undefined) {
    console.error('usage: test-changes.js forget|record reports/mutation/PART.json');
    process.exit(2);
  }
  if (!existsSync(reportFile)) return; // the first run of a part: nothing to forget or record yet
  const run = JSON.parse(readFileSync(reportFile, 'utf8')) as RecordedRun;
  if (action === 'record') record(reportFile, run);
  else {
    const forgotten = forget(reportFile, run);
    if (forgotten > 0) console.log(`${reportFile}: ${forgotten} undetected mutants tested again (their tests changed)`);
  }
}

main();
