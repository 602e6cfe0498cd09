// `route-check`: Envoy's router_check test file against either an Envoy v3
// RouteConfiguration, or a manifest whose pod is injected as the webhook
// would and whose rendered listener and routes then decide.

import { parse as parseYaml } from 'yaml';
import { isPlainObject } from '../model/kubernetes.js';
import { failed, ok, type Result } from '../model/result.js';
import { formatReason } from '../inject/reasons.js';
import { evaluateRouterTest, parseRouterTests, routeCoverage, type CoverageReport, type RouteFunction, type TestResult } from '../routes/router-check.js';
import type { RouteTable } from '../routes/router.js';
import { explainDocuments, parseDocuments, type OfflineOptions, type ParsedDocument } from './offline.js';
import { podRouting, routeTableOf, tableRouter } from './pod-router.js';
import { firstLine } from '../syntax/first-line.js';

export function routeCheck(configText: string, testsText: string, options: OfflineOptions): Result<TestResult[]> {
  const report = routeCheckReport(configText, testsText, options);
  return report.ok ? ok(report.value.results) : report;
}

/** The tests' results, and how much of the routes they cover, as router_check reports it. */
export function routeCheckReport(
  configText: string,
  testsText: string,
  options: OfflineOptions,
): Result<{ results: TestResult[]; coverage: CoverageReport; detailedCoverage: CoverageReport }> {
  const router = loadRouter(configText, options);
  if (!router.ok) return router;
  const document = parseYamlDocument(testsText);
  if (!document.ok) return failed(...document.problems.map((p) => `--tests: ${p}`));
  const tests = parseRouterTests(document.value);
  if (!tests.ok) return failed(...tests.problems.map((p) => `--tests${p.field ? ` at ${p.field}` : ''}: ${p.message}`));
  const evaluated = tests.value.map((test) => evaluateRouterTest(test, router.value.route));
  const marks = evaluated.flatMap((e) => e.marks);
  return ok({
    results: evaluated.map((e) => e.result),
    coverage: routeCoverage(router.value.table, marks, false),
    detailedCoverage: routeCoverage(router.value.table, marks, true),
  });
}

function parseYamlDocument(text: string): Result<unknown> {
  try {
    // The yaml package refuses a key given twice by default (uniqueKeys: true).
    return ok(parseYaml(text));
  } catch (error) {
    return failed(`invalid YAML or JSON: ${firstLine((error as Error).message)}`);
  }
}

/** A RouteConfiguration (it has virtual_hosts), else a manifest with one pod. */
export function loadRouter(text: string, options: OfflineOptions): Result<{ route: RouteFunction; table: RouteTable }> {
  const documents = parseDocuments(text);
  if (!documents.ok) return failed(...documents.problems.map((p) => `--config: ${p}`));
  const data = documents.value.map((d) => d.data).filter((d) => d !== null && d !== undefined);
  const [only] = data;
  if (data.length === 1 && isPlainObject(only) && 'virtual_hosts' in only) {
    const table = routeTableOf(only);
    if (!table.ok)
      return failed(
        ...table.problems.map((p) => `--config at ${p.field || 'the top'}: ${p.message} (route-check simulates the fields of the route language only)`),
      );
    return ok({ route: tableRouter(table.value), table: table.value });
  }
  return routerOfOnePod(documents.value, options);
}

function routerOfOnePod(documents: ParsedDocument[], options: OfflineOptions): Result<{ route: RouteFunction; table: RouteTable }> {
  const [verdict, ...others] = explainDocuments(documents, options);
  if (!verdict || others.length > 0) {
    return failed(
      `--config holds ${others.length + (verdict ? 1 : 0)} pods or pod templates: give route-check a RouteConfiguration (with virtual_hosts) or a manifest with exactly one pod`,
    );
  }
  const { outcome, object } = verdict;
  if (outcome.kind === 'rejected') return failed(`--config: ${object} is refused: ${outcome.problems.join('; ')}`);
  if (outcome.kind === 'skipped') return failed(`--config: ${object} would not be injected: ${outcome.reasons.map(formatReason).join('; ')}`);
  return podRouting(outcome.pod);
}
