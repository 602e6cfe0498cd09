#!/usr/bin/env node
// The envoy-injector command: the only place that reads argv and exits.
// Exit codes (commands.ts, EXIT): 0 success, 1 findings, 2 usage or
// environment error; every error is one line on stderr, never a stack trace
// (ENVOY_INJECTOR_DEBUG=1 adds it for an internal error).

import { UsageError } from './args.js';
import { InputError } from './files.js';
import { errorLine, type CommandOutput } from './command.js';
import { COMMANDS, EXIT, isCommandName, type CommandName } from './commands.js';
import { runExplain, runInject } from './offline-commands.js';
import { commandHelp, USAGE, VERSION, wantsHelp } from './usage.js';

type Command = (argv: readonly string[]) => string | CommandOutput | Promise<string | CommandOutput>;

async function loadCommand(name: CommandName): Promise<Command> {
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
    case 'cni':
      return (await import('./cni.js')).runCni;
    case 'cni-install':
      return (await import('./cni-install.js')).runCniInstall;
  }
}

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === '--version' || name === 'version') {
    process.stdout.write(VERSION);
    return EXIT.ok;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    const topic = rest[0];
    process.stdout.write(topic !== undefined && isCommandName(topic) ? commandHelp(topic, COMMANDS[topic]) : USAGE);
    return EXIT.ok;
  }
  if (name === undefined || !isCommandName(name)) {
    process.stderr.write(
      `${name === undefined ? 'envoy-injector: a command is needed' : `envoy-injector: unknown command ${JSON.stringify(name.slice(0, 40))}`}\n${USAGE}`,
    );
    return EXIT.usage;
  }
  if (wantsHelp(rest)) {
    process.stdout.write(commandHelp(name, COMMANDS[name]));
    return EXIT.ok;
  }
  try {
    const result = await (await loadCommand(name))(rest);
    const output = typeof result === 'string' ? { stdout: result } : result;
    if (output.preface) process.stderr.write(output.preface);
    process.stdout.write(output.stdout);
    if (output.stderr) process.stderr.write(output.stderr);
    return output.exitCode ?? EXIT.ok;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`envoy-injector ${name}: ${error.message} (envoy-injector ${name} --help)\n`);
      return EXIT.usage;
    }
    if (error instanceof InputError) {
      process.stderr.write(`envoy-injector ${name}: ${error.message}\n`);
      return EXIT.usage;
    }
    const debug = process.env.ENVOY_INJECTOR_DEBUG === '1' && error instanceof Error ? `\n${error.stack ?? ''}` : ' (ENVOY_INJECTOR_DEBUG=1 shows where)';
    process.stderr.write(`envoy-injector ${name}: internal error: ${errorLine(error)}${debug}\n`);
    return EXIT.usage;
  }
}

process.exitCode = await main(process.argv.slice(2));
