// `envoy-injector route-check`: Envoy's router_check_tool conventions. Failing
// tests go to stderr with their expected and actual values, --details lists
// passing tests on stdout too and the routes no test reached (by name with
// --detailed-coverage), the route coverage ends the report (--covall:
// by fields, --fail-under: a floor); exit 0 all pass, 1 a test failed or the
// coverage is under the floor, 2 bad input.

import { routeCheckReport } from '../offline/route-check.js';
import { formatMissingRoute, formatResults } from '../routes/router-check.js';
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
  const failUnder = percentFlag(single(flags, 'fail-under'));
  const options = simulationOptions(flags, 'injector-config');
  const report = routeCheckReport(readBadInput(configFile), readBadInput(testsFile), options);
  if (!report.ok) throw new UsageError(report.problems.join('; '));
  const { results } = report.value;
  const coverage = flags.has('covall') ? report.value.detailedCoverage : report.value.coverage;
  const failed = results.filter((r) => !r.passed).length;
  const underFloor = failUnder !== undefined && coverage.percent < failUnder;
  const exitCode = failed > 0 || underFloor ? 1 : 0;
  if (output === 'json') {
    const json = { passed: results.length - failed, failed, coverage: { percent: coverage.percent, missing: coverage.missing }, tests: results };
    return { stdout: `${JSON.stringify(json, null, 2)}\n`, exitCode };
  }
  const details = flags.has('details');
  const text = formatResults(results, details && !flags.has('only-show-failures'));
  // --details lists them by match, --detailed-coverage by name (router_check's two forms).
  const byName = flags.has('detailed-coverage');
  const missing = details || byName ? coverage.missing.map((route) => `${formatMissingRoute(route, byName)}\n`).join('') : '';
  const summary = `route-check: ${results.length - failed} of ${results.length} tests passed\nCurrent route coverage: ${formatPercent(coverage.percent)}%\n`;
  const floor = underFloor ? `Failed to meet coverage requirement: ${formatPercent(failUnder)}%\n` : '';
  return { stdout: text.passed + missing + summary, stderr: text.failed + floor, exitCode };
}

/** --fail-under: a percentage from 0 to 100. */
function percentFlag(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0 || value > 100)
    throw new UsageError(`--fail-under wants a percentage from 0 to 100, got ${JSON.stringify(text.slice(0, 20))}`);
  return value;
}

/** Up to two decimals, without trailing zeros: "87.5", "100", "33.33". */
function formatPercent(value: number): string {
  return String(Math.round(value * 100) / 100);
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
