// `inject` and `explain`: the offline commands over manifests.

import { writeFileSync } from 'node:fs';
import { formatReason } from '../inject/reasons.js';
import type { ProxySettings } from '../inject/settings.js';
import { explainManifests, injectWithReport, rejectionProblems, type OfflineOptions, type PodVerdict } from '../offline/offline.js';
import { keyValues, outputFormat, parseFlags, single, UsageError, type ParsedFlags } from './args.js';
import { EXIT, COMMANDS } from './commands.js';
import type { CommandOutput } from './command.js';
import { explainOneRequest, parseRequestFlag } from './explain-request.js';
import { parseServiceFlag } from './service-flag.js';
import { InputError, joinManifests, loadConfig, readInput, readManifestInputs } from './files.js';

/** `configFlag` names the injector's config file: route-check's --config is the routes. */
export function simulationOptions(flags: ParsedFlags, configFlag = 'config'): OfflineOptions {
  const config = loadConfig(single(flags, configFlag));
  const xdsCa = single(flags, 'xds-ca');
  const options: OfflineOptions = {
    config: xdsCa === undefined ? config : { ...config, xds: { ...config.xds, caBundle: readCaFile(xdsCa) } },
    defaultNamespace: single(flags, 'namespace') ?? 'default',
    serviceFlags: (flags.get('service') ?? []).map(parseServiceFlag),
  };
  const labels = keyValues(flags, 'namespace-label');
  const annotations = keyValues(flags, 'namespace-annotation');
  if (labels) options.namespaceLabels = labels;
  if (annotations) options.namespaceAnnotations = annotations;
  return options;
}

/** A PEM certificate file, checked as the config checks xds.caBundle. */
function readCaFile(file: string): string {
  const pem = readInput(file);
  if (!pem.trimStart().startsWith('-----BEGIN CERTIFICATE-----')) throw new UsageError(`--xds-ca ${file} is not a PEM certificate`);
  return pem;
}

function offlineInput(flags: ParsedFlags): { text: string; options: OfflineOptions } {
  const files = flags.get('filename');
  if (files === undefined) throw new UsageError('-f FILE (a file, a directory, or - for standard input) is required');
  const options = simulationOptions(flags);
  return { text: joinManifests(readManifestInputs(files)), options };
}

/** Writes `text` to --output-file, or returns it for standard output. */
function written(flags: ParsedFlags, text: string): string {
  const file = single(flags, 'output-file');
  if (file === undefined) return text;
  try {
    writeFileSync(file, text);
  } catch (error) {
    throw new InputError(`cannot write ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return '';
}

/** One line per pod, as `linkerd inject` says what it did: "deployment/web injected". */
function summaryLine(verdict: PodVerdict): string {
  const { outcome } = verdict;
  switch (outcome.kind) {
    case 'injected':
      return `${verdict.resource} injected`;
    case 'skipped':
      return `${verdict.resource} skipped [${outcome.reasons.map((r) => r.code).join(', ')}]`;
    case 'rejected':
      return `${verdict.resource} rejected: ${outcome.problems[0] ?? ''}${outcome.problems.length > 1 ? ` (and ${outcome.problems.length - 1} more)` : ''}`;
  }
}

export function runInject(argv: readonly string[]): CommandOutput {
  const flags = parseFlags(argv, COMMANDS.inject.flags);
  const { text, options } = offlineInput(flags);
  const report = injectWithReport(text, options);
  if (!report.ok) throw new InputError(report.problems.join('; '));
  const { verdicts } = report.value;
  const summary = verdicts.map((verdict) => `${summaryLine(verdict)}\n`).join('');
  const problems = rejectionProblems(verdicts);
  if (problems.length > 0 && !flags.has('continue-on-error')) {
    return {
      stdout: '',
      stderr: `${summary}${problems.map((p) => `envoy-injector inject: ${p}\n`).join('')}nothing written: a pod was rejected (--continue-on-error writes the other documents)\n`,
      exitCode: EXIT.findings,
    };
  }
  return { stdout: written(flags, report.value.text), stderr: summary, exitCode: problems.length > 0 ? EXIT.findings : EXIT.ok };
}

function describeVerdict(verdict: PodVerdict): string {
  const head = `${verdict.object} (document ${verdict.document}, ${verdict.pod})`;
  const { outcome } = verdict;
  const namespace = `  namespace ${verdict.namespace.name}: from ${verdict.namespace.source}`;
  switch (outcome.kind) {
    case 'injected':
      return [
        `${head}: injected`,
        `  because ${outcome.because}`,
        `  HTTP ports: ${outcome.settings.httpPorts.map((p) => `${p.port} (${p.origins.join(', ')})`).join(', ')}`,
        ...describeProxyLife(outcome.settings),
        ...outcome.warnings.map((w) => `  warning: ${w}`),
        namespace,
      ].join('\n');
    case 'skipped':
      return [`${head}: skipped`, ...outcome.reasons.map((r) => `  ${formatReason(r)}`), ...outcome.warnings.map((w) => `  warning: ${w}`), namespace].join(
        '\n',
      );
    case 'rejected':
      return [`${head}: rejected`, ...outcome.problems.map((p) => `  ${p}`), namespace].join('\n');
  }
}

function describeProxyLife({ concurrency, drainSeconds, accessLog, configSource, configSourceFrom, captureMode, captureModeFrom }: ProxySettings): string[] {
  return [
    `  capture by: ${captureMode === 'cni' ? "the node's CNI plugin (cni; envoy-validate checks it, no privilege)" : 'envoy-init (init; root with NET_ADMIN and NET_RAW)'}, set by ${captureModeFrom}`,
    `  config from: ${configSource === 'xds' ? "the injector's ADS server (xds; until a replica answers, the routes in its bootstrap)" : 'the envoy-config volume (file)'}, set by ${configSourceFrom}`,
    `  workers: ${concurrency.workers} (from ${concurrency.source})`,
    `  drain on stop: ${drainSeconds === 0 ? 'off' : `up to ${drainSeconds} s`}`,
    `  access log: ${accessLog}`,
  ];
}

function verdictJson(verdict: PodVerdict): Record<string, unknown> {
  const { outcome } = verdict;
  const base = { document: verdict.document, object: verdict.object, pod: verdict.pod, namespace: verdict.namespace, decision: outcome.kind };
  switch (outcome.kind) {
    case 'injected':
      return {
        ...base,
        because: outcome.because,
        httpPorts: outcome.settings.httpPorts,
        concurrency: outcome.settings.concurrency,
        drainSeconds: outcome.settings.drainSeconds,
        accessLog: outcome.settings.accessLog,
        configSource: { value: outcome.settings.configSource, from: outcome.settings.configSourceFrom },
        capture: { mode: outcome.settings.captureMode, from: outcome.settings.captureModeFrom },
        warnings: outcome.warnings,
      };
    case 'skipped':
      return { ...base, reasons: outcome.reasons.map(({ code, message }) => ({ code, message })), warnings: outcome.warnings };
    case 'rejected':
      return { ...base, problems: outcome.problems };
  }
}

export function runExplain(argv: readonly string[]): CommandOutput {
  const flags = parseFlags(argv, COMMANDS.explain.flags);
  const { text, options } = offlineInput(flags);
  const output = outputFormat(flags);
  const request = single(flags, 'request');
  if (request !== undefined) return { stdout: written(flags, explainOneRequest(text, options, parseRequestFlag(request, flags.get('header') ?? []), output)) };
  if (flags.has('header')) throw new UsageError('-H goes with --request');
  const result = explainManifests(text, options);
  if (!result.ok) throw new InputError(result.problems.join('; '));
  const exitCode = result.value.some((verdict) => verdict.outcome.kind === 'rejected') ? EXIT.findings : EXIT.ok;
  if (output === 'json') return { stdout: written(flags, `${JSON.stringify(result.value.map(verdictJson), null, 2)}\n`), exitCode };
  if (result.value.length === 0) return { stdout: written(flags, 'no pods or pod templates found\n'), exitCode };
  return { stdout: written(flags, `${result.value.map(describeVerdict).join('\n')}\n`), exitCode };
}
