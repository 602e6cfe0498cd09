// Runs a shell hook the injector writes (argv as the container would exec
// it), collecting its exit, its stderr and whether the guard had to kill it:
// a hook that outlives its own deadline by far is a hang.

import { spawn } from 'node:child_process';

export interface ScriptRun {
  code: number | null;
  stderr: string;
  /** Killed by the guard. */
  killed: boolean;
}

export function runScript(argv: readonly string[], guardSeconds: number): Promise<ScriptRun> {
  const [command = 'bash', ...args] = argv;
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: guardSeconds * 1000 });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    // 'close', not 'exit': at exit the script's last stderr may still be in
    // the pipe (a busy machine then reads ""); close comes after it is read.
    child.on('close', (code, signal) => resolve({ code, stderr, killed: signal !== null }));
  });
}
