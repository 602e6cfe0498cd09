// What every command returns or throws: main.ts turns it into output and an exit code.

/** A command that ran but could not do what was asked (exit 1). */
export class CommandFailure extends Error {}

/** What a command prints, and its exit code when it is not 0. */
export interface CommandOutput {
  stdout: string;
  stderr?: string;
  exitCode?: number;
}
