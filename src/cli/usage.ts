// What `--help` prints: the overview of the commands, and each command's
// flags with their defaults, examples and exit codes, from commands.ts.

import { COMMANDS, type CommandSpec } from './commands.js';
import { DEFAULT_CONFIG } from '../config/config.js';
import { INJECTOR_VERSION } from '../model/names.js';

function flagLine(name: string, spec: CommandSpec['flags'][string]): string[] {
  const short = spec.short ? `-${spec.short}, ` : '    ';
  const head = `  ${short}--${name}${spec.value ? ` ${spec.placeholder ?? 'VALUE'}` : ''}`;
  const notes = [spec.help, ...(spec.default === undefined ? [] : [`(default: ${spec.default})`])].join(' ');
  return [head, `        ${notes}`];
}

export function commandHelp(name: string, spec: CommandSpec): string {
  return [
    `envoy-injector ${name}: ${spec.summary}`,
    '',
    `usage: envoy-injector ${spec.synopsis}`,
    '',
    'flags:',
    ...Object.entries(spec.flags).flatMap(([flag, flagSpec]) => flagLine(flag, flagSpec)),
    '  -h, --help',
    '        this help',
    '',
    'examples:',
    ...spec.examples.map((example) => `  ${example}`),
    '',
    `exit codes: ${spec.exitCodes}`,
    '',
  ].join('\n');
}

export const USAGE = [
  'usage: envoy-injector COMMAND [flags]',
  '',
  'commands:',
  ...Object.entries(COMMANDS).map(([name, spec]) => `  ${name.padEnd(12)} ${spec.summary}`),
  '',
  '`envoy-injector COMMAND --help` lists its flags, defaults and examples; `envoy-injector --version` prints the version.',
  'Exit codes, every command: 0 success, 1 findings (a rejected pod, a failed route test, pods missing the proxy), 2 usage or environment error.',
  '',
].join('\n');

export const VERSION = `envoy-injector ${INJECTOR_VERSION} (default proxy image ${DEFAULT_CONFIG.proxy.image}, traffic capture image ${DEFAULT_CONFIG.init.image})\n`;

export function wantsHelp(argv: readonly string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}
