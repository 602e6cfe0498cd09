// What every command returns: main.ts turns it into output and an exit code.
// A command throws UsageError (args.ts) or InputError (files.ts) for exit 2;
// findings are an exit code it returns.

import { firstLine } from '../syntax/first-line.js';

/** What a command prints, and its exit code when it is not 0. */
export interface CommandOutput {
  stdout: string;
  /** Said on stderr before stdout: what the output is. */
  preface?: string;
  stderr?: string;
  exitCode?: number;
}

/** An error's first line, bounded: what a one-line message may quote of it
 * (the Kubernetes client's can carry a whole response). */
export function errorLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return firstLine(message).slice(0, 300);
}
