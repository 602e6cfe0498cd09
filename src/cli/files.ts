// Reading the inputs of the CLI: manifests from a file or stdin, the config file.

import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { parseConfig, type InjectorConfig, DEFAULT_CONFIG } from '../config/config.js';

export class InputError extends Error {}

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
    throw new InputError(`config ${file}: invalid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  const result = parseConfig(raw);
  if (!result.ok) throw new InputError(`config ${file}: ${result.problems.join('; ')}`);
  return result.value;
}
