// Reading the inputs of the CLI: manifests from files, directories or stdin,
// the config file. Whatever cannot be read is an InputError: exit 2, one line.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parseConfig, type InjectorConfig, DEFAULT_CONFIG } from '../config/config.js';
import { firstLine } from '../syntax/first-line.js';

/** An input or the environment cannot be used (exit 2): a file that cannot
 * be read, a config that is invalid, a cluster that cannot be reached. */
export class InputError extends Error {}

/** Manifest files kubectl reads from a directory. */
const MANIFEST_FILE = /\.(ya?ml|json)$/;

/** The manifest files of a directory and those below it, in path order. */
function manifestFiles(dir: string): string[] {
  const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return entries.flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return manifestFiles(path);
    return entry.isFile() && MANIFEST_FILE.test(entry.name) ? [path] : [];
  });
}

/** The manifests of every `-f`: files, directories (recursively, their
 * .yaml, .yml and .json files in path order, as `kubectl apply -f` reads
 * them) and `-` for standard input, once. */
export function readManifestInputs(specs: readonly string[]): Array<{ name: string; text: string }> {
  if (specs.filter((spec) => spec === '-').length > 1) throw new InputError('-f - (standard input) can be given once');
  return specs.flatMap((spec) => {
    if (spec === '-') return [{ name: 'standard input', text: readInput('-') }];
    let isDirectory: boolean;
    try {
      isDirectory = statSync(spec).isDirectory();
    } catch (error) {
      throw new InputError(`cannot read ${spec}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    if (!isDirectory) return [{ name: spec, text: readInput(spec) }];
    let files: string[];
    try {
      files = manifestFiles(spec);
    } catch (error) {
      throw new InputError(`cannot read ${spec}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    if (files.length === 0) throw new InputError(`${spec} holds no .yaml, .yml or .json file`);
    return files.map((file) => ({ name: file, text: readInput(file) }));
  });
}

/** Several manifest files as one stream of documents, each file starting a new document. */
export function joinManifests(inputs: ReadonlyArray<{ text: string }>): string {
  return inputs
    .map(({ text }, index) => {
      const ended = text === '' || text.endsWith('\n') ? text : `${text}\n`;
      return index === 0 || /^---(\s|$)/.test(ended) ? ended : `---\n${ended}`;
    })
    .join('');
}

export function readInput(file: string): string {
  try {
    return readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read ${file === '-' ? 'standard input' : file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

export function loadConfig(file: string | undefined): InjectorConfig {
  if (file === undefined) return structuredClone(DEFAULT_CONFIG);
  let raw: unknown;
  try {
    raw = parseYaml(readInput(file), { uniqueKeys: true });
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(`config ${file}: invalid YAML: ${firstLine((error as Error).message)}`);
  }
  const result = parseConfig(raw);
  if (!result.ok) throw new InputError(`config ${file}: ${result.problems.join('; ')}`);
  return result.value;
}
