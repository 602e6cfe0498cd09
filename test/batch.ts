// Runs many in-process test files in one process, for `make check`: the
// modules they share (the core, yaml, the Envoy protos) load once instead of
// once per file, which is most of the in-process suite's CPU. `make test`
// (CI) still runs each file in a process of its own.
//
//   node --test-reporter=dot dist/test/batch.js dist/test/a.test.js ...

import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

for (const file of process.argv.slice(2)) await import(pathToFileURL(resolve(file)).href);
