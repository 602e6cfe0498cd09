// The offline commands over manifest text: `inject` (YAML in, YAML out, same
// documents in the same order) and `explain` (a verdict for every pod).
// Pure: text and options in, text or data out.

import type { Document } from 'yaml';
import { createPatch } from '../model/json-patch.js';
import type { InjectorConfig } from '../config/config.js';
import { evaluatePod, type Outcome } from '../inject/evaluate.js';
import { isPlainObject, podShapeProblem, type NamespaceContext, type Pod, type StringMap } from '../model/kubernetes.js';
import { failed, ok, type Result } from '../model/result.js';
import type { ServiceLookup } from '../model/lookups.js';
import { offlineServices, type ServiceFlag } from './services.js';
import { parseKubernetesYaml, patchDocument, replaceContents } from './kubernetes-yaml.js';
import { patchMismatch } from './verify-patch.js';
import { describeObject, findPods, resourceName, type PodLocation } from './workloads.js';
import { firstLine } from '../syntax/first-line.js';

export interface OfflineOptions {
  config: InjectorConfig;
  /** Namespace for objects that name none. */
  defaultNamespace: string;
  /** Simulated namespace settings; without any, the namespace counts as enrolled. */
  namespaceLabels?: StringMap;
  namespaceAnnotations?: StringMap;
  /** Services to simulate the webhook's cache with (Service manifests in the input count too). */
  serviceFlags?: ServiceFlag[];
}

export interface PodVerdict {
  document: number;
  object: string;
  /** "deployment/web", for a line per resource. */
  resource: string;
  /** "pod template" for workloads, "pod" for Pods. */
  pod: string;
  /** The pod's namespace, and where what is known of it came from. */
  namespace: { name: string; source: string };
  outcome: Outcome;
}

/** A document and its data, read once. */
export interface ParsedDocument {
  document: Document.Parsed;
  data: unknown;
}

export function parseDocuments(text: string): Result<ParsedDocument[]> {
  const documents = parseKubernetesYaml(text);
  const parsed: ParsedDocument[] = [];
  for (const [index, document] of documents.entries()) {
    const error = document.errors[0];
    if (error) return failed(`document ${index + 1}: invalid YAML: ${firstLine(error.message)}`);
    try {
      // Aliases are expanded here: a "billion laughs" of them throws, bounded by the parser's alias count.
      parsed.push({ document, data: document.toJS() });
    } catch (error) {
      return failed(`document ${index + 1}: ${(error as Error).message.slice(0, 200)}`);
    }
  }
  return ok(parsed);
}

/** A Namespace object of the input: what the webhook would read from the cluster. */
interface DeclaredNamespace {
  document: number;
  labels: StringMap;
  annotations: StringMap;
}

function stringsOf(value: unknown): StringMap {
  if (!isPlainObject(value)) return {};
  return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

/** The Namespaces declared in the input (at the top level or in a List), by name; the first declaration of a name wins. */
function declaredNamespaces(documents: readonly unknown[]): Map<string, DeclaredNamespace> {
  const declared = new Map<string, DeclaredNamespace>();
  const visit = (object: unknown, document: number): void => {
    if (!isPlainObject(object)) return;
    if (object.kind === 'List' && Array.isArray(object.items)) {
      for (const item of object.items) visit(item, document);
      return;
    }
    if (object.kind !== 'Namespace' || object.apiVersion !== 'v1' || !isPlainObject(object.metadata)) return;
    const { name, labels, annotations } = object.metadata;
    // A Namespace without a name (or with one that is no string) is never looked up: pods without one are in the default namespace.
    // Stryker disable next-line ConditionalExpression,LogicalOperator,StringLiteral: equivalent, see above
    if (typeof name !== 'string' || name === '' || declared.has(name)) return;
    declared.set(name, { document, labels: stringsOf(labels), annotations: stringsOf(annotations) });
  };
  documents.forEach((data, index) => visit(data, index + 1));
  return declared;
}

/** What is known of the pod's namespace, and from where: a Namespace of the
 * input, as the webhook reads the cluster's; the command line's
 * --namespace-label/--namespace-annotation over it, key by key; or nothing
 * (the namespace then counts as enrolled, as the webhook's unknown ones do). */
function namespaceFor(
  owner: Record<string, unknown>,
  options: OfflineOptions,
  declared: Map<string, DeclaredNamespace>,
): { context: NamespaceContext; source: string } {
  const meta = isPlainObject(owner.metadata) ? owner.metadata : {};
  const name = typeof meta.namespace === 'string' && meta.namespace ? meta.namespace : options.defaultNamespace;
  const inInput = declared.get(name);
  const flags = options.namespaceLabels !== undefined || options.namespaceAnnotations !== undefined;
  if (!inInput && !flags) return { context: { name }, source: 'not in the input and no --namespace-label: not known, so it counts as enrolled' };
  const fromFlags = 'the --namespace-label/--namespace-annotation flags';
  const fromInput = inInput && `the Namespace in document ${inInput.document}`;
  const source = !fromInput ? fromFlags : flags ? `${fromInput}, with ${fromFlags} over it` : fromInput;
  // Without a Namespace in the input, annotations alone do not make the
  // namespace one without labels: running `inject` asks for injection, and
  // a default annotation does not undo that.
  const labels = inInput || options.namespaceLabels ? { ...inInput?.labels, ...options.namespaceLabels } : undefined;
  const annotations = { ...inInput?.annotations, ...options.namespaceAnnotations };
  return { context: { name, metadata: { ...(labels ? { labels } : {}), annotations } }, source };
}

function evaluateLocation(location: PodLocation, options: OfflineOptions, services: ServiceLookup | undefined, namespace: NamespaceContext): Outcome {
  const problem = podShapeProblem(location.holder);
  if (problem) return { kind: 'rejected', problems: [`the ${location.isTemplate ? `pod template (${location.path})` : 'pod'} ${problem}`] };
  const ownerMeta = isPlainObject(location.owner.metadata) ? location.owner.metadata : {};
  const owner =
    location.isTemplate && typeof ownerMeta.name === 'string' && typeof location.owner.kind === 'string'
      ? { kind: location.owner.kind, name: ownerMeta.name }
      : undefined;
  return evaluatePod({
    pod: location.holder as unknown as Pod,
    namespace,
    config: options.config,
    ...(services ? { services } : {}),
    // Stryker disable next-line ConditionalExpression: equivalent, an owner undefined is no owner
    ...(owner === undefined ? {} : { owner }),
  });
}

interface EvaluatedDocument {
  document: Document.Parsed;
  /** The document as data: the pod locations point into it. */
  data: unknown;
  verdicts: Array<PodVerdict & { location: PodLocation }>;
}

function evaluateDocuments(documents: ParsedDocument[], options: OfflineOptions): EvaluatedDocument[] {
  const services = offlineServices(
    documents.map(({ data }) => data),
    // Stryker disable next-line ArrayDeclaration: equivalent, a flag that is no ServiceFlag is never read as one
    options.serviceFlags ?? [],
    options.defaultNamespace,
  );
  const declared = declaredNamespaces(documents.map(({ data }) => data));
  return documents.map(({ document, data }, index) => {
    const found = findPods(data).map((location) => {
      const namespace = namespaceFor(location.owner, options, declared);
      return {
        document: index + 1,
        object: describeObject(location.owner),
        resource: resourceName(location.owner),
        pod: location.isTemplate ? 'pod template' : 'pod',
        namespace: { name: namespace.context.name, source: namespace.source },
        location,
        outcome: evaluateLocation(location, options, services, namespace.context),
      };
    });
    return { document, data, verdicts: found };
  });
}

const withoutLocation = ({ location: _location, ...verdict }: PodVerdict & { location: PodLocation }): PodVerdict => verdict;

/** What `inject` made of the input: the manifests with every injected pod's
 * document edited (a document with a rejected pod edited for its other pods
 * only), and a verdict for every pod. */
export interface InjectReport {
  text: string;
  verdicts: PodVerdict[];
}

/** Every pod's verdict and the edited manifests; failed only when the input
 * cannot be read as YAML. */
export function injectWithReport(text: string, options: OfflineOptions): Result<InjectReport> {
  const parsed = parseDocuments(text);
  if (!parsed.ok) return parsed;
  const evaluated = evaluateDocuments(parsed.value, options);
  // Only documents with an injected pod change, and in them only what the
  // injection added: from the last document to the first, so the offsets of
  // the ones still to edit stay right.
  let output = text;
  for (const { document, verdicts } of [...evaluated].reverse()) {
    let edited = false;
    for (const { location, outcome, document: index, object } of verdicts) {
      if (outcome.kind !== 'injected') continue;
      const before = { metadata: location.holder.metadata, spec: location.holder.spec };
      const after = { metadata: outcome.pod.metadata, spec: outcome.pod.spec };
      const patch = createPatch(before, after);
      const mismatch = patchMismatch(before, patch, after);
      // Stryker disable next-line ConditionalExpression: equivalent, a mismatch is a bug no input gives (verify-patch.test.ts tests the check)
      if (mismatch) throw new Error(`document ${index} (${object}): ${mismatch}; this is a bug of envoy-injector, please report it`);
      patchDocument(document, location.pointer, patch);
      edited = true;
    }
    if (edited) output = replaceContents(output, document, { lineWidth: 0 });
  }
  return ok({ text: output, verdicts: evaluated.flatMap(({ verdicts }) => verdicts.map(withoutLocation)) });
}

/** Each rejected pod's problems, named by document and object. */
export function rejectionProblems(verdicts: readonly PodVerdict[]): string[] {
  return verdicts.flatMap(({ document, object, outcome }) =>
    outcome.kind === 'rejected' ? outcome.problems.map((p) => `document ${document} (${object}): ${p}`) : [],
  );
}

/** The injected manifests, or every rejected pod's problems. */
export function injectManifests(text: string, options: OfflineOptions): Result<string> {
  const report = injectWithReport(text, options);
  if (!report.ok) return report;
  const problems = rejectionProblems(report.value.verdicts);
  return problems.length > 0 ? failed(...problems) : ok(report.value.text);
}

export function explainManifests(text: string, options: OfflineOptions): Result<PodVerdict[]> {
  const parsed = parseDocuments(text);
  return parsed.ok ? ok(explainDocuments(parsed.value, options)) : parsed;
}

/** A verdict for every pod of documents read already. */
export function explainDocuments(documents: ParsedDocument[], options: OfflineOptions): PodVerdict[] {
  return evaluateDocuments(documents, options).flatMap(({ verdicts }) => verdicts.map(withoutLocation));
}
