// A temporary directory for one test process, removed when that process exits:
// a suite run a thousand times must not leave a thousand certificate folders in
// /tmp (private keys among them).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const created: string[] = [];

process.once('exit', () => {
  for (const dir of created) rmSync(dir, { recursive: true, force: true });
});

/** A fresh directory under the system's temp dir, named `<prefix>XXXXXX`, gone at exit. */
export function temporaryDirectory(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  created.push(dir);
  return dir;
}
