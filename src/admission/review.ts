// One AdmissionReview in, one out. Pure: the namespace and service caches
// reach it through small lookups, so the same code answers in tests.

import type { InjectorConfig } from '../config/config.js';
import { evaluatePod } from '../inject/evaluate.js';
import type { Reason } from '../inject/reasons.js';
import { reroutePod } from '../inject/reroute.js';
import { isPlainObject, podShapeProblem, type NamespaceContext, type Pod } from '../model/kubernetes.js';
import type { NamespaceLookup, ServiceLookup } from '../model/lookups.js';
import { createPatch, type PatchOperation } from '../model/json-patch.js';
import { patchText } from '../model/json-text.js';
import { ADMISSION_API_VERSION, ADMISSION_KIND, type AdmissionRequest, type AdmissionResponse, type AdmissionReviewResponse } from './types.js';
import { quote } from '../syntax/quote.js';
import { boundedProblems, boundedWarnings } from '../model/bounded.js';

export interface ReviewDependencies {
  config: InjectorConfig;
  namespaces?: NamespaceLookup;
  services?: ServiceLookup;
}

/** What happened, for logs and metrics. */
export type ReviewResult = 'injected' | 'skipped' | 'rejected' | 'ignored' | 'routes-updated' | 'invalid';

export interface ReviewOutcome {
  review: AdmissionReviewResponse;
  result: ReviewResult;
  /** One of a fixed set: it is a metric label, and a request may say anything. */
  operation: OperationLabel;
  namespace?: string;
  name?: string;
  reasons: Reason[];
  problems: string[];
}

/** The review could not be read at all: no uid to answer with. */
export class BadReviewError extends Error {}

const OPERATIONS = ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'] as const;
export type OperationLabel = (typeof OPERATIONS)[number] | 'other';

function operationLabel(operation: unknown): OperationLabel {
  return OPERATIONS.find((known) => known === operation) ?? 'other';
}

/** Kubernetes uids are 36 characters; the answer echoes it, so it is bounded. */
const MAX_UID_LENGTH = 128;

export function readRequest(body: unknown): AdmissionRequest {
  if (!isPlainObject(body)) throw new BadReviewError('the body is not a JSON object');
  if (body.apiVersion !== ADMISSION_API_VERSION || body.kind !== ADMISSION_KIND) {
    throw new BadReviewError(`expected apiVersion ${ADMISSION_API_VERSION} and kind ${ADMISSION_KIND}, got ${quote(body.apiVersion)} and ${quote(body.kind)}`);
  }
  const request = body.request;
  if (!isPlainObject(request)) throw new BadReviewError('the AdmissionReview has no request');
  if (typeof request.uid !== 'string' || request.uid === '') throw new BadReviewError('the AdmissionReview request has no uid');
  if (request.uid.length > MAX_UID_LENGTH)
    throw new BadReviewError(`the AdmissionReview request's uid is ${request.uid.length} characters: not a Kubernetes uid`);
  for (const field of ['namespace', 'name'] as const) {
    const value = request[field];
    if (value !== undefined && value !== null && typeof value !== 'string') throw new BadReviewError(`the AdmissionReview request's ${field} is not a string`);
  }
  return request as unknown as AdmissionRequest;
}

function answer(uid: string, response: Omit<AdmissionResponse, 'uid'>): AdmissionReviewResponse {
  return { apiVersion: ADMISSION_API_VERSION, kind: ADMISSION_KIND, response: { uid, ...response } };
}

function withPatch(uid: string, patch: PatchOperation[], allWarnings: string[]): AdmissionReviewResponse {
  const warnings = boundedWarnings(allWarnings);
  return answer(uid, {
    allowed: true,
    ...(patch.length > 0 ? { patchType: 'JSONPatch' as const, patch: Buffer.from(patchText(patch)).toString('base64') } : {}),
    ...(warnings.length > 0 ? { warnings } : {}),
  });
}

/** `problems` as boundedProblems() left them: the log line says the same. */
function denied(uid: string, problems: string[]): AdmissionReviewResponse {
  return answer(uid, { allowed: false, status: { code: 400, reason: 'BadRequest', message: `envoy-injector: ${problems.join('; ')}` } });
}

export function errored(uid: string, error: Error): AdmissionReviewResponse {
  return answer(uid, { allowed: false, status: { code: 500, reason: 'InternalError', message: `envoy-injector: internal error: ${error.message}` } });
}

export function isPodRequest(request: AdmissionRequest): boolean {
  const { kind, resource, subResource } = request;
  const isPod = (kind?.kind === 'Pod' && kind.group === '') || (resource?.resource === 'pods' && resource.group === '');
  return isPod && !subResource;
}

function namespaceContext(name: string, lookup: NamespaceLookup | undefined): NamespaceContext {
  const metadata = lookup?.namespace(name);
  return metadata ? { name, metadata } : { name };
}

export function reviewAdmission(body: unknown, deps: ReviewDependencies): ReviewOutcome {
  return reviewRequest(readRequest(body), deps);
}

/** reviewAdmission() for a request already read (readRequest). */
export function reviewRequest(request: AdmissionRequest, deps: ReviewDependencies): ReviewOutcome {
  const { uid } = request;
  const operation = operationLabel(request.operation);
  const base = { operation, reasons: [] as Reason[], problems: [] as string[] };
  if (!isPodRequest(request) || (operation !== 'CREATE' && operation !== 'UPDATE')) {
    return { ...base, review: withPatch(uid, [], []), result: 'ignored' };
  }
  const shapeProblem = podShapeProblem(request.object);
  if (shapeProblem) {
    const problems = [`the request object ${shapeProblem}: it is not a Pod`];
    return { ...base, review: denied(uid, problems), result: 'invalid', problems };
  }
  const pod = request.object as Pod;
  const namespaceName = request.namespace || pod.metadata?.namespace || 'default';
  // Controllers create pods with generateName: the name is set after admission.
  const generated = pod.metadata?.generateName ? `${pod.metadata.generateName}*` : undefined;
  const podName = (pod.metadata?.name || request.name || generated)?.slice(0, 253);
  const who = { namespace: namespaceName, ...(podName ? { name: podName } : {}) };
  const namespace = namespaceContext(namespaceName, deps.namespaces);
  const input = { pod, namespace, config: deps.config, ...(deps.services ? { services: deps.services } : {}) };

  if (operation === 'UPDATE') {
    const update = reroutePod({ ...input, oldObject: request.oldObject });
    switch (update.kind) {
      case 'unchanged':
        return { ...base, ...who, review: withPatch(uid, [], []), result: 'ignored' };
      case 'rejected': {
        const problems = boundedProblems(update.problems);
        return { ...base, ...who, review: denied(uid, problems), result: 'rejected', problems };
      }
      case 'updated':
        return { ...base, ...who, review: withPatch(uid, createPatch(pod, update.pod), update.warnings), result: 'routes-updated' };
    }
  }

  const outcome = evaluatePod(input);
  switch (outcome.kind) {
    case 'injected':
      return { ...base, ...who, review: withPatch(uid, createPatch(pod, outcome.pod), outcome.warnings), result: 'injected' };
    case 'skipped':
      return { ...base, ...who, review: withPatch(uid, [], outcome.warnings), result: 'skipped', reasons: outcome.reasons };
    case 'rejected': {
      const problems = boundedProblems(outcome.problems);
      return { ...base, ...who, review: denied(uid, problems), result: 'rejected', problems };
    }
  }
}
