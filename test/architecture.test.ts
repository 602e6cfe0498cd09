// The floors of docs/architecture.md, held against the imports of src/: no
// import runs up or sideways between folders, no files import each other in a
// circle, and the pure core reaches none of the outside world.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix, relative } from 'node:path';
import { describe, it } from 'node:test';
import { repoPath } from './support/repo.js';

const SRC = repoPath('src');

function floorsFromDocs(): Map<string, number> {
  const floors = new Map<string, number>();
  for (const line of readFileSync(repoPath('docs', 'architecture.md'), 'utf8').split('\n')) {
    const row = /^\| (\d+) \| `([a-z-]+)\/` \|/.exec(line);
    if (row) floors.set(row[2]!, Number(row[1]));
  }
  return floors;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') ? [posix.normalize(relative(SRC, path))] : [];
  });
}

interface Import {
  from: string;
  /** A file of src/ for relative imports, else the package or node: module. */
  to: string;
  relative: boolean;
}

/** Static and dynamic imports, as written (the test reads text, as a reviewer would). */
function importsOf(file: string): Import[] {
  const text = readFileSync(join(SRC, file), 'utf8');
  const specifiers = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'";]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g)].map((m) => m[1] ?? m[2] ?? '');
  return specifiers.map((specifier) =>
    specifier.startsWith('.')
      ? { from: file, to: posix.normalize(posix.join(posix.dirname(file), specifier)).replace(/\.js$/, '.ts'), relative: true }
      : { from: file, to: specifier, relative: false },
  );
}

const folderOf = (file: string): string => file.split('/')[0] ?? '';
const files = sourceFiles(SRC);
const imports = files.flatMap(importsOf);
const floors = floorsFromDocs();
const CORE = ['model', 'syntax', 'config', 'envoy', 'routes', 'inject', 'admission', 'offline'];
const OUTSIDE_WORLD =
  /^(fastify|pino|prom-client|@kubernetes\/client-node|node:(fs|fs\/promises|http|https|http2|tls|child_process|os|dgram|dns|worker_threads|process))$/;

function upwardImports(all: readonly Import[]): string[] {
  return all
    .filter((i) => i.relative)
    .filter((i) => {
      const [from, to] = [folderOf(i.from), folderOf(i.to)];
      return from !== to && !((floors.get(to) ?? Infinity) < (floors.get(from) ?? -Infinity));
    })
    .map((i) => `${i.from} (floor ${floors.get(folderOf(i.from))}) imports ${i.to} (floor ${floors.get(folderOf(i.to))})`);
}

function circles(nodes: readonly string[], all: readonly Import[]): string[] {
  const edges = new Map<string, string[]>(nodes.map((f) => [f, []]));
  for (const i of all.filter((i) => i.relative)) edges.get(i.from)?.push(i.to);
  const found: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const visit = (file: string, path: string[]): void => {
    if (state.get(file) === 'done') return;
    if (state.get(file) === 'open') {
      found.push([...path.slice(path.indexOf(file)), file].join(' -> '));
      return;
    }
    state.set(file, 'open');
    for (const next of edges.get(file) ?? []) visit(next, [...path, file]);
    state.set(file, 'done');
  };
  for (const file of nodes) visit(file, []);
  return found;
}

describe('architecture', () => {
  it('every folder of src/ has a floor in docs/architecture.md, and every floor a folder', () => {
    const folders = [...new Set(files.map(folderOf))].sort();
    assert.deepEqual(folders, [...floors.keys()].sort());
    assert.ok(floors.size >= 10, 'the table was read');
  });

  it('imports only run down, or within a folder', () => {
    assert.deepEqual(upwardImports(imports), []);
  });

  it('no files import each other in a circle', () => {
    assert.deepEqual(circles(files, imports), []);
  });

  it('every relative import names a file that exists in src/', () => {
    const missing = imports.filter((i) => i.relative && !files.includes(i.to)).map((i) => `${i.from} -> ${i.to}`);
    assert.deepEqual(missing, []);
  });

  it('the core reaches no network, file system, clock or environment', () => {
    const coreFiles = files.filter((f) => CORE.includes(folderOf(f)));
    const problems = [
      ...imports.filter((i) => CORE.includes(folderOf(i.from)) && OUTSIDE_WORLD.test(i.to)).map((i) => `${i.from} imports ${i.to}`),
      ...coreFiles.flatMap((file) => {
        const text = readFileSync(join(SRC, file), 'utf8');
        return [/\bDate\.now\(/, /\bnew Date\(/, /\bprocess\.(env|argv|exit|hrtime)\b/, /\bsetTimeout\(/, /\bMath\.random\(/]
          .filter((pattern) => pattern.test(text))
          .map((pattern) => `${file} uses ${pattern.source}`);
      }),
    ];
    assert.deepEqual(problems, []);
  });

  it('the checks themselves see an upward import, a sideways one and a circle', () => {
    const edge = (from: string, to: string): Import => ({ from, to, relative: true });
    assert.equal(upwardImports([edge('model/names.ts', 'inject/decide.ts')]).length, 1);
    assert.equal(upwardImports([edge('admission/review.ts', 'offline/offline.ts')]).length, 1, 'same floor, other folder');
    assert.equal(upwardImports([edge('inject/decide.ts', 'model/names.ts'), edge('inject/a.ts', 'inject/b.ts')]).length, 0);
    assert.deepEqual(circles(['a.ts', 'b.ts'], [edge('a.ts', 'b.ts'), edge('b.ts', 'a.ts')]), ['a.ts -> b.ts -> a.ts']);
    assert.ok(
      importsOf('inject/evaluate.ts').some((i) => i.to === 'inject/decide.ts'),
      'imports are read from the text',
    );
  });
});
