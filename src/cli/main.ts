#!/usr/bin/env node
// The envoy-injector command: the only place that reads argv and exits.

import { UsageError } from './args.js';
import { InputError } from './files.js';
import { CommandFailure, runExplain, runInject } from './offline-commands.js';

const USAGE = `usage:
  envoy-injector serve [--cert-dir DIR] [--port 8443] [--address 0.0.0.0] [--config FILE] [--log-level info]
                       [--self-manage [--namespace NS] [--service envoy-injector] [--secret envoy-injector-tls] [--webhook-config envoy-injector]]
  envoy-injector inject -f FILE|- [--config FILE] [--namespace NS] [--namespace-label k=v]... [--namespace-annotation k=v]...
  envoy-injector explain -f FILE|- [-o text|json] [same flags as inject]
  envoy-injector certs --out DIR [--service envoy-injector] [--namespace envoy-injector]`;

type Command = (argv: readonly string[]) => string | Promise<string>;

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
  try {
    process.stdout.write(await command(rest));
    return 0;
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
