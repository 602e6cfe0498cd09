// `inject` and `explain`: the offline commands over manifests.

import { formatReason } from '../inject/reasons.js';
import { explainManifests, injectManifests, type OfflineOptions, type PodVerdict } from '../offline/offline.js';
import { keyValues, parseFlags, single, UsageError, type FlagSpec } from './args.js';
import { loadConfig, readInput } from './files.js';

export class CommandFailure extends Error {}

const OFFLINE_FLAGS: Record<string, FlagSpec> = {
  filename: { value: true, short: 'f' },
  config: { value: true },
  namespace: { value: true, short: 'n' },
  'namespace-label': { value: true, repeatable: true },
  'namespace-annotation': { value: true, repeatable: true },
  output: { value: true, short: 'o' },
};

function offlineInput(argv: readonly string[]): { text: string; options: OfflineOptions; output: string | undefined } {
  const flags = parseFlags(argv, OFFLINE_FLAGS);
  const file = single(flags, 'filename');
  if (file === undefined) throw new UsageError('-f FILE (or -f - for standard input) is required');
  const options: OfflineOptions = {
    config: loadConfig(single(flags, 'config')),
    defaultNamespace: single(flags, 'namespace') ?? 'default',
  };
  const labels = keyValues(flags, 'namespace-label');
  const annotations = keyValues(flags, 'namespace-annotation');
  if (labels) options.namespaceLabels = labels;
  if (annotations) options.namespaceAnnotations = annotations;
  return { text: readInput(file), options, output: single(flags, 'output') };
}

export function runInject(argv: readonly string[]): string {
  const { text, options, output } = offlineInput(argv);
  if (output !== undefined) throw new UsageError('inject writes YAML only: -o is for explain');
  const result = injectManifests(text, options);
  if (!result.ok) throw new CommandFailure(result.problems.join('; '));
  return result.value;
}

function describeVerdict(verdict: PodVerdict): string {
  const head = `${verdict.object} (document ${verdict.document}, ${verdict.pod})`;
  const { outcome } = verdict;
  switch (outcome.kind) {
    case 'injected':
      return [`${head}: injected`, `  because ${outcome.because}`, ...outcome.warnings.map((w) => `  warning: ${w}`)].join('\n');
    case 'skipped':
      return [`${head}: skipped`, ...outcome.reasons.map((r) => `  ${formatReason(r)}`), ...outcome.warnings.map((w) => `  warning: ${w}`)].join('\n');
    case 'rejected':
      return [`${head}: rejected`, ...outcome.problems.map((p) => `  ${p}`)].join('\n');
  }
}

function verdictJson(verdict: PodVerdict): Record<string, unknown> {
  const { outcome } = verdict;
  const base = { document: verdict.document, object: verdict.object, pod: verdict.pod, decision: outcome.kind };
  switch (outcome.kind) {
    case 'injected':
      return { ...base, because: outcome.because, warnings: outcome.warnings };
    case 'skipped':
      return { ...base, reasons: outcome.reasons.map(({ code, message }) => ({ code, message })), warnings: outcome.warnings };
    case 'rejected':
      return { ...base, problems: outcome.problems };
  }
}

export function runExplain(argv: readonly string[]): string {
  const { text, options, output = 'text' } = offlineInput(argv);
  if (output !== 'text' && output !== 'json') throw new UsageError(`-o must be text or json, got ${JSON.stringify(output)}`);
  const result = explainManifests(text, options);
  if (!result.ok) throw new CommandFailure(result.problems.join('; '));
  if (output === 'json') return `${JSON.stringify(result.value.map(verdictJson), null, 2)}\n`;
  if (result.value.length === 0) return 'no pods or pod templates found\n';
  return `${result.value.map(describeVerdict).join('\n')}\n`;
}
