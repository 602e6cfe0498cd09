#!/usr/bin/env node
// The envoy-injector command: the only place that reads argv and exits.

import { UsageError } from './args.js';
import { InputError } from './files.js';
import { CommandFailure, type CommandOutput } from './command.js';
import { runExplain, runInject } from './offline-commands.js';
import { COMMAND_USAGE, USAGE, wantsHelp } from './usage.js';

type Command = (argv: readonly string[]) => string | CommandOutput | Promise<string | CommandOutput>;

async function loadCommand(name: string): Promise<Command | undefined> {
  switch (name) {
    case 'inject':
      return runInject;
    case 'explain':
      return runExplain;
    // The server's modules load only for the commands that need them.
    case 'serve':
      return (await import('./serve.js')).runServe;
    case 'certs':
      return (await import('./certs.js')).runCerts;
    case 'route-check':
      return (await import('./route-check.js')).runRouteCheck;
    case 'status':
      return (await import('./status.js')).runStatus;
    default:
      return undefined;
  }
}

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return name === undefined ? 2 : 0;
  }
  const command = await loadCommand(name);
  if (!command) {
    process.stderr.write(`envoy-injector: unknown command ${JSON.stringify(name)}\n${USAGE}\n`);
    return 2;
  }
  if (wantsHelp(rest)) {
    process.stdout.write(`usage:\n  ${COMMAND_USAGE[name] ?? ''}\n`);
    return 0;
  }
  try {
    const result = await command(rest);
    const output = typeof result === 'string' ? { stdout: result } : result;
    process.stdout.write(output.stdout);
    if (output.stderr) process.stderr.write(output.stderr);
    return output.exitCode ?? 0;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`envoy-injector ${name}: ${error.message}\n`);
      return 2;
    }
    if (error instanceof InputError || error instanceof CommandFailure) {
      process.stderr.write(`envoy-injector ${name}: ${error.message}\n`);
      return 1;
    }
    process.stderr.write(`envoy-injector ${name}: unexpected error: ${(error as Error).stack ?? String(error)}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
