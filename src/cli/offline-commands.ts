// `inject` and `explain`: the offline commands over manifests.

import { formatReason } from '../inject/reasons.js';
import type { ProxySettings } from '../inject/settings.js';
import { explainManifests, injectManifests, type OfflineOptions, type PodVerdict } from '../offline/offline.js';
import { keyValues, outputFormat, parseFlags, single, UsageError, type FlagSpec, type ParsedFlags } from './args.js';
import { CommandFailure } from './command.js';
import { explainOneRequest, parseRequestFlag } from './explain-request.js';
import { parseServiceFlag } from './service-flag.js';
import { loadConfig, readInput } from './files.js';

/** The flags every offline command shares: the namespace and Services to simulate. */
export const SIMULATION_FLAGS: Record<string, FlagSpec> = {
  config: { value: true },
  namespace: { value: true, short: 'n' },
  'namespace-label': { value: true, repeatable: true },
  'namespace-annotation': { value: true, repeatable: true },
  service: { value: true, repeatable: true },
};

const OFFLINE_FLAGS: Record<string, FlagSpec> = {
  ...SIMULATION_FLAGS,
  filename: { value: true, short: 'f' },
  output: { value: true, short: 'o' },
  request: { value: true },
  header: { value: true, repeatable: true, short: 'H' },
};

/** `configFlag` names the injector's config file: route-check's --config is the routes. */
export function simulationOptions(flags: ParsedFlags, configFlag = 'config'): OfflineOptions {
  const options: OfflineOptions = {
    config: loadConfig(single(flags, configFlag)),
    defaultNamespace: single(flags, 'namespace') ?? 'default',
    serviceFlags: (flags.get('service') ?? []).map(parseServiceFlag),
  };
  const labels = keyValues(flags, 'namespace-label');
  const annotations = keyValues(flags, 'namespace-annotation');
  if (labels) options.namespaceLabels = labels;
  if (annotations) options.namespaceAnnotations = annotations;
  return options;
}

function offlineInput(argv: readonly string[]): { text: string; options: OfflineOptions; flags: ParsedFlags } {
  const flags = parseFlags(argv, OFFLINE_FLAGS);
  const file = single(flags, 'filename');
  if (file === undefined) throw new UsageError('-f FILE (or -f - for standard input) is required');
  return { text: readInput(file), options: simulationOptions(flags), flags };
}

export function runInject(argv: readonly string[]): string {
  const { text, options, flags } = offlineInput(argv);
  if (flags.has('request') || flags.has('header')) throw new UsageError('--request and -H are for explain');
  const output = single(flags, 'output');
  if (output !== undefined) throw new UsageError('inject writes YAML only: -o is for explain');
  const result = injectManifests(text, options);
  if (!result.ok) throw new CommandFailure(result.problems.join('; '));
  return result.value;
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

function describeProxyLife({ concurrency, drainSeconds, accessLog }: ProxySettings): string[] {
  return [
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
        warnings: outcome.warnings,
      };
    case 'skipped':
      return { ...base, reasons: outcome.reasons.map(({ code, message }) => ({ code, message })), warnings: outcome.warnings };
    case 'rejected':
      return { ...base, problems: outcome.problems };
  }
}

export function runExplain(argv: readonly string[]): string {
  const { text, options, flags } = offlineInput(argv);
  const output = outputFormat(flags);
  const request = single(flags, 'request');
  if (request !== undefined) return explainOneRequest(text, options, parseRequestFlag(request, flags.get('header') ?? []), output);
  if (flags.has('header')) throw new UsageError('-H goes with --request');
  const result = explainManifests(text, options);
  if (!result.ok) throw new CommandFailure(result.problems.join('; '));
  if (output === 'json') return `${JSON.stringify(result.value.map(verdictJson), null, 2)}\n`;
  if (result.value.length === 0) return 'no pods or pod templates found\n';
  return `${result.value.map(describeVerdict).join('\n')}\n`;
}
