// A review's answer as the bytes the webhook sends, with the answers to
// identical pod creations reused. A ReplicaSet scaling up sends the same pod
// (same generateName, no name, no uid) once per replica: only the request's
// uid differs, so the answer for the first is, uid aside, the answer for all.
// The answer is a function of the request (uid aside), the config and what
// the namespace and Service lookups say; the lookups' generations stand for
// the latter, so a change in the cluster is never answered from before it.
// Without generations (a lookup that cannot tell), nothing is reused. A pod
// is found by its namespace, name and size, then compared in full.

import { sameJson } from '../model/json.js';
import { BoundedCache, deepFreeze, heapBytesOf } from '../model/memo.js';
import { MEMO_BYTES } from '../model/limits.js';
import { isPodRequest, readRequest, reviewRequest, type ReviewDependencies, type ReviewOutcome } from './review.js';
import { ADMISSION_API_VERSION, ADMISSION_KIND, type AdmissionRequest, type AdmissionReviewResponse } from './types.js';

export interface Answer {
  outcome: ReviewOutcome;
  /** The AdmissionReview response as sent: exactly JSON.stringify(outcome.review), UTF-8. */
  body: Buffer;
  /** True when the answer to an identical earlier request was reused. */
  reused: boolean;
}

export interface ReuseLimits {
  /** Distinct pods remembered, about: least recently used out first. */
  entries: number;
  /** Reviews larger than this are answered afresh and not remembered: the
   * pod is kept to compare with, so this bounds the memory and the compare. */
  maxReviewBytes: number;
  /** Heap bytes of remembered pods and answers. */
  maxBytes: number;
}

/** A Deployment's pods in a rollout or scale-up are one entry; 128 covers
 * that many workloads scaling at once. Each holds a pod of at most 32 KiB
 * (a typical review is 4–10 KiB) and its answer: 128 pods of 32 KiB held
 * 12.7 MiB of heap when measured. */
export const DEFAULT_REUSE_LIMITS: ReuseLimits = { entries: 128, maxReviewBytes: 32 * 1024, maxBytes: MEMO_BYTES.answers };

/** What JSON.stringify writes before the uid: answer() puts the uid first. */
const PREFIX = Buffer.from(`{"apiVersion":${JSON.stringify(ADMISSION_API_VERSION)},"kind":${JSON.stringify(ADMISSION_KIND)},"response":{"uid":`);

interface Remembered {
  /** The pod it answered; frozen once reused. */
  pod: unknown;
  outcome: ReviewOutcome;
  /** The answer's bytes after its uid: a reused answer is three copies of
   * bytes, not a string built and encoded again. */
  tail: Buffer;
  /** The pod's heap, estimated: what the cache is charged for it. */
  heapBytes: number;
  /** Reused at least once, and so frozen. */
  shared: boolean;
}

/** Pods of the same size, namespace and lookup generations: compared in full. */
const MAX_PER_BUCKET = 2;

export class Reviewer {
  private readonly remembered: BoundedCache<Remembered[]>;

  constructor(
    private readonly dependencies: ReviewDependencies,
    private readonly limits: ReuseLimits = DEFAULT_REUSE_LIMITS,
  ) {
    this.remembered = new BoundedCache(Math.max(1, Math.ceil(limits.entries / MAX_PER_BUCKET)), limits.maxBytes);
  }

  /** reviewAdmission(), serialized; throws what it throws (BadReviewError for
   * a body that is not a readable review). `bodyBytes` is the
   * size of the review as received (its Content-Length). */
  answer(body: unknown, bodyBytes: number, heapBytes?: number): Answer {
    const request = readRequest(body);
    const reusable = this.reusable(request, bodyBytes, heapBytes);
    const bucket = reusable && this.remembered.get(reusable.bucket);
    // Equal as JSON.stringify would write them, compared without writing them:
    // serializing a pod and hashing the text cost more than one pass over it.
    const found = reusable && bucket?.find((candidate) => sameJson(candidate.pod, reusable.pod));
    if (reusable && found) {
      // The most recently used first, so the other is the one to go.
      if (bucket && bucket[0] !== found) this.keep(reusable.bucket, [found, ...bucket.filter((entry) => entry !== found)]);
      // Shared from now on: frozen, so no caller can change another's answer.
      // (Frozen here rather than when remembered: most pods are never asked twice.)
      // Stryker disable next-line ConditionalExpression: equivalent, freezing twice changes nothing (the flag only saves the walk)
      if (!found.shared) {
        deepFreeze(found.pod);
        deepFreeze(found.outcome);
        // Stryker disable next-line BooleanLiteral: equivalent, as above
        found.shared = true;
      }
      return withUid(found, reusable.uid);
    }
    const outcome = reviewRequest(request, this.dependencies);
    const bytes = Buffer.from(reviewText(outcome.review));
    if (reusable) this.remember(reusable, outcome, bytes, bucket || []);
    return { outcome, body: bytes, reused: false };
  }

  private remember(reusable: Reusable, outcome: ReviewOutcome, bytes: Buffer, bucket: Remembered[]): void {
    const uid = Buffer.from(JSON.stringify(reusable.uid));
    const head = PREFIX.length + uid.length;
    // Always true for answer()'s output; checked so a change there cannot
    // make a reused answer differ from a fresh one.
    // Stryker disable next-line ConditionalExpression: equivalent while answer() writes the uid first, which this guards
    if (!bytes.subarray(0, head).equals(Buffer.concat([PREFIX, uid]))) return;
    const entry = { pod: reusable.pod, outcome, tail: bytes.subarray(head), heapBytes: reusable.heapBytes, shared: false };
    this.keep(reusable.bucket, [entry, ...bucket].slice(0, MAX_PER_BUCKET));
  }

  /** A bucket, charged for its pods' heap and their answers' bytes. */
  private keep(bucket: string, entries: Remembered[]): void {
    const bytes = entries.reduce((sum, entry) => sum + entry.heapBytes + entry.tail.length, 0);
    this.remembered.set(bucket, entries, bytes);
  }

  /** Undefined when this review's answer is not to be reused: not a pod
   * creation, too large, or a lookup that cannot say whether it changed. The
   * answer depends on the request only through these (the uid aside). */
  private reusable(request: AdmissionRequest, bodyBytes: number, heapBytes: number | undefined): Reusable | undefined {
    if (bodyBytes > this.limits.maxReviewBytes) return undefined;
    const { namespaces, services } = this.dependencies;
    if ((namespaces && !namespaces.generation) || (services && !services.generation)) return undefined;
    if (request.operation !== 'CREATE' || !isPodRequest(request)) return undefined;
    const bucket = JSON.stringify([
      namespaces?.generation?.() ?? null,
      services?.generation?.() ?? null,
      request.namespace ?? null,
      request.name ?? null,
      bodyBytes,
    ]);
    // The server estimated the body's heap as it read it; otherwise (tests, in-process callers) it is measured here.
    return { bucket, pod: request.object, uid: request.uid, heapBytes: heapBytes ?? heapBytesOf(request.object) };
  }
}

interface Reusable {
  bucket: string;
  /** The pod's heap, estimated (model/json-cost.ts). */
  heapBytes: number;
  pod: unknown;
  uid: string;
}

/** Exactly JSON.stringify(review), without scanning the patch: base64 has
 * nothing to escape, and JSON.stringify would read all of it to find that. */
function reviewText(review: AdmissionReviewResponse): string {
  const { patch } = review.response;
  // Stryker disable next-line ConditionalExpression: equivalent, only speed: both ways write JSON.stringify's text
  if (patch === undefined) return JSON.stringify(review);
  const json = JSON.stringify({ ...review, response: { ...review.response, patch: '' } });
  // The first `"patch":""` is the key: inside a JSON string, quotes are escaped.
  return json.replace('"patch":""', () => `"patch":"${patch}"`);
}

function withUid(found: Remembered, uid: string): Answer {
  const review = { ...found.outcome.review, response: { ...found.outcome.review.response, uid } };
  return { outcome: { ...found.outcome, review }, body: Buffer.concat([PREFIX, Buffer.from(JSON.stringify(uid)), found.tail]), reused: true };
}
