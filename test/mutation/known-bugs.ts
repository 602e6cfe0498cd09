// Bugs a developer could plausibly write, each of which once passed every
// test. Each is put into the compiled code (dist/) one at a time; the tests
// that speak of that behaviour must then fail. Run by `make mutate` after
// Stryker, whose operators do not produce these exact mistakes.
//
// The compiled file is patched in place and restored in a finally block (and
// on Ctrl-C), so a run that is interrupted leaves dist/ as it found it.

import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { repoPath } from '../support/repo.js';

interface KnownBug {
  /** What the developer got wrong, as the issue that found it says it. */
  bug: string;
  /** Compiled file, relative to dist/src. */
  file: string;
  /** Text that must occur exactly once in the compiled file. */
  find: string;
  replace: string;
  /** Compiled tests (relative to dist/test) that must fail with the bug in. */
  tests: string[];
}

const KNOWN_BUGS: KnownBug[] = [
  {
    bug: 'a suffix wildcard (*.example.com) ranked like a prefix wildcard (api.*)',
    file: 'routes/router.js',
    find: "how: 'suffix wildcard', rank: 1,",
    replace: "how: 'suffix wildcard', rank: 2,",
    tests: ['routes/router.test.js'],
  },
  {
    bug: 'weighted clusters picked with random_value % 100 instead of % the total weight',
    file: 'routes/router.js',
    find: 'randomValue % clusters.reduce((sum, c) => sum + c.weight, 0)',
    replace: 'randomValue % 100',
    tests: ['routes/router.test.js'],
  },
  {
    bug: 'proxy worker threads from the CPU request rounded instead of rounded up',
    file: 'inject/settings.js',
    find: 'Math.max(1, Math.ceil(request))',
    replace: 'Math.max(1, Math.round(request))',
    tests: ['inject/proxy-life.test.js'],
  },
  {
    bug: 'a pod in phase Failed counted as missing the proxy by the fleet view',
    file: 'inject/fleet.js',
    find: "phase === 'Succeeded' || phase === 'Failed'",
    replace: "phase === 'Succeeded'",
    tests: ['inject/fleet.test.js'],
  },
  {
    bug: "remembered answers looked up without the request's namespace",
    file: 'admission/answer.js',
    find: 'request.namespace ?? null,',
    replace: 'null,',
    tests: ['admission/answer.test.js'],
  },
  {
    bug: 'the in-flight byte budget refusing a single review larger than the budget with nothing else in flight',
    file: 'server/review-body.js',
    find: 'if (!oldest && this.used + bytes > this.limit)',
    replace: 'if (this.used + bytes > this.limit)',
    tests: ['server/review-body.test.js'],
  },
];

function patchOnce(text: string, bug: KnownBug): string {
  const at = text.indexOf(bug.find);
  if (at < 0 || text.indexOf(bug.find, at + 1) >= 0) {
    throw new Error(`dist/src/${bug.file}: expected ${JSON.stringify(bug.find)} exactly once; has the code changed? Update test/mutation/known-bugs.ts`);
  }
  return text.slice(0, at) + bug.replace + text.slice(at + bug.find.length);
}

/** True when the tests fail with the bug in place. */
function caught(bug: KnownBug): boolean {
  const path = repoPath('dist', 'src', bug.file);
  const original = readFileSync(path, 'utf8');
  const restore = (): void => writeFileSync(path, original);
  process.once('SIGINT', restore);
  try {
    writeFileSync(path, patchOnce(original, bug));
    const run = spawnSync(process.execPath, ['--test', ...bug.tests.map((t) => repoPath('dist', 'test', t))], { stdio: 'ignore' });
    return run.status !== 0;
  } finally {
    restore();
    process.removeListener('SIGINT', restore);
  }
}

function main(): void {
  let missed = 0;
  for (const bug of KNOWN_BUGS) {
    const ok = caught(bug);
    if (!ok) missed++;
    console.log(`${ok ? 'caught' : 'MISSED'}  ${bug.bug}  (${bug.tests.join(', ')})`);
  }
  console.log(`known bugs: ${KNOWN_BUGS.length - missed} of ${KNOWN_BUGS.length} caught`);
  process.exitCode = missed === 0 ? 0 : 1;
}

main();
