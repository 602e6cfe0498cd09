// `envoy-injector route-check`: Envoy's router_check_tool conventions. Failing
// tests go to stderr with their expected and actual values, --details lists
// passing tests on stdout too; exit 0 all pass, 1 a test failed, 2 bad input.

import { routeCheck } from '../offline/route-check.js';
import { formatResults } from '../routes/router-check.js';
import { outputFormat, parseFlags, single, UsageError } from './args.js';
import { InputError, readInput } from './files.js';
import type { CommandOutput } from './command.js';
import { simulationOptions } from './offline-commands.js';
import { COMMANDS } from './commands.js';

export function runRouteCheck(argv: readonly string[]): CommandOutput {
  const flags = parseFlags(argv, COMMANDS['route-check'].flags);
  const configFile = single(flags, 'config');
  const testsFile = single(flags, 'tests');
  if (configFile === undefined || testsFile === undefined) throw new UsageError('--config FILE and --tests FILE are both required');
  const output = outputFormat(flags);
  const options = simulationOptions(flags, 'injector-config');
  const results = routeCheck(readBadInput(configFile), readBadInput(testsFile), options);
  if (!results.ok) throw new UsageError(results.problems.join('; '));
  const failed = results.value.filter((r) => !r.passed).length;
  const exitCode = failed > 0 ? 1 : 0;
  if (output === 'json') {
    return { stdout: `${JSON.stringify({ passed: results.value.length - failed, failed, tests: results.value }, null, 2)}\n`, exitCode };
  }
  const report = formatResults(results.value, flags.has('details'));
  const summary = `route-check: ${results.value.length - failed} of ${results.value.length} tests passed\n`;
  return { stdout: report.passed + summary, stderr: report.failed, exitCode };
}

/** An unreadable file is bad input: exit 2, as router_check does. */
function readBadInput(file: string): string {
  try {
    return readInput(file);
  } catch (error) {
    if (error instanceof InputError) throw new UsageError(error.message);
    throw error;
  }
}
