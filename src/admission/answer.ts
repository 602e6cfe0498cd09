// A review's answer as the bytes the webhook sends, with the answers to
// identical pod creations reused. A ReplicaSet scaling up sends the same pod
// (same generateName, no name, no uid) once per replica: only the request's
// uid differs, so the answer for the first is, uid aside, the answer for all.
// The answer is a function of the request (uid aside), the config and what
// the namespace and Service lookups say; the lookups' generations stand for
// the latter in the key, so a change in the cluster is never answered from
// before it. Without generations (a lookup that cannot tell), nothing is reused.

import { isPlainObject } from '../model/kubernetes.js';
import { BoundedCache, deepFreeze } from '../model/memo.js';
import { isPodRequest, readRequest, reviewAdmission, type ReviewDependencies, type ReviewOutcome } from './review.js';
import { ADMISSION_API_VERSION, ADMISSION_KIND, type AdmissionReviewResponse } from './types.js';

export interface Answer {
  outcome: ReviewOutcome;
  /** The AdmissionReview response, serialized: exactly JSON.stringify(outcome.review). */
  json: string;
  /** True when the answer to an identical earlier request was reused. */
  reused: boolean;
}

export interface ReuseLimits {
  /** Distinct pods remembered, least recently used out first. */
  entries: number;
  /** Reviews larger than this are answered afresh and not remembered: the key
   * is the pod itself, so this bounds the memory and the cost of the key. */
  maxReviewBytes: number;
}

/** A Deployment's pods in a rollout or scale-up are one entry; 256 covers
 * that many workloads changing at once, at most ~64 KiB of key + answer each. */
export const DEFAULT_REUSE_LIMITS: ReuseLimits = { entries: 256, maxReviewBytes: 64 * 1024 };

/** What JSON.stringify writes before the uid: answer() puts the uid first. */
const PREFIX = `{"apiVersion":${JSON.stringify(ADMISSION_API_VERSION)},"kind":${JSON.stringify(ADMISSION_KIND)},"response":{"uid":`;

interface Remembered {
  outcome: ReviewOutcome;
  /** The serialized answer after its uid. */
  tail: string;
}

export class Reviewer {
  private readonly remembered: BoundedCache<Remembered>;

  constructor(
    private readonly dependencies: ReviewDependencies,
    private readonly limits: ReuseLimits = DEFAULT_REUSE_LIMITS,
  ) {
    this.remembered = new BoundedCache(limits.entries);
  }

  /** reviewAdmission(), serialized; throws what it throws. `bodyBytes` is the
   * size of the review as received, known before anything is serialized. */
  answer(body: unknown, bodyBytes: number): Answer {
    const key = this.keyOf(body, bodyBytes);
    const found = key === undefined ? undefined : this.remembered.get(key);
    if (found) return withUid(found, readRequest(body).uid);
    const outcome = reviewAdmission(body, this.dependencies);
    const json = reviewText(outcome.review);
    if (key !== undefined) this.remember(key, outcome, json);
    return { outcome, json, reused: false };
  }

  private remember(key: string, outcome: ReviewOutcome, json: string): void {
    const uid = JSON.stringify(outcome.review.response.uid);
    // Always true for answer()'s output; checked so a change there cannot
    // make a reused answer differ from a fresh one.
    if (!json.startsWith(PREFIX + uid)) return;
    this.remembered.set(key, { outcome: deepFreeze(outcome), tail: json.slice(PREFIX.length + uid.length) });
  }

  /** Undefined when this review's answer is not to be reused: not a pod
   * creation, too large, or a lookup that cannot say whether it changed. */
  private keyOf(body: unknown, bodyBytes: number): string | undefined {
    if (bodyBytes > this.limits.maxReviewBytes || !isPlainObject(body)) return undefined;
    const { namespaces, services } = this.dependencies;
    if ((namespaces && !namespaces.generation) || (services && !services.generation)) return undefined;
    let request;
    try {
      request = readRequest(body);
    } catch {
      return undefined;
    }
    if (request.operation !== 'CREATE' || !isPodRequest(request)) return undefined;
    const key = JSON.stringify([
      namespaces?.generation?.() ?? null,
      services?.generation?.() ?? null,
      request.namespace ?? null,
      request.name ?? null,
      request.object ?? null,
    ]);
    return key.length <= this.limits.maxReviewBytes ? key : undefined;
  }
}

/** Exactly JSON.stringify(review), without scanning the patch: base64 has
 * nothing to escape, and JSON.stringify would read all of it to find that. */
function reviewText(review: AdmissionReviewResponse): string {
  const { patch } = review.response;
  if (patch === undefined) return JSON.stringify(review);
  const json = JSON.stringify({ ...review, response: { ...review.response, patch: '' } });
  // The first `"patch":""` is the key: inside a JSON string, quotes are escaped.
  return json.replace('"patch":""', () => `"patch":"${patch}"`);
}

function withUid(found: Remembered, uid: string): Answer {
  const review = { ...found.outcome.review, response: { ...found.outcome.review.response, uid } };
  return { outcome: { ...found.outcome, review }, json: PREFIX + JSON.stringify(uid) + found.tail, reused: true };
}
