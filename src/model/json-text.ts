// JSON text of a patch, exactly as JSON.stringify writes it, without escaping
// the same long strings again on every review. The rendered Envoy documents
// are JSON inside annotation strings (quotes escaped on every character or
// so), the same few for all pods of a workload, and JSON.stringify scans
// each one again for every pod; here each distinct long string is escaped
// once and its text reused (a bounded cache, oldest first out).

import { isPlainObject } from './kubernetes.js';
import type { PatchOperation } from './json-patch.js';
import { BoundedCache, heapBytesOfString } from './memo.js';
import { MEMO_BYTES } from './limits.js';

/** Shorter strings cost less to escape than to look up. */
const MIN_REMEMBERED_LENGTH = 512;
const QUOTED = new BoundedCache<string>(1024, MEMO_BYTES.quoted);

/** JSON.stringify(text), remembered for long strings. */
export function quoted(text: string): string {
  // Stryker disable next-line all: equivalent, only speed: remembered or not, the text is JSON.stringify's
  if (text.length < MIN_REMEMBERED_LENGTH) return JSON.stringify(text);
  const found = QUOTED.get(text);
  // Stryker disable next-line all: equivalent, only speed: remembered or not, the text is JSON.stringify's
  if (found !== undefined) return found;
  const json = JSON.stringify(text);
  return QUOTED.set(text, json, heapBytesOfString(json));
}

/** The text of frozen objects (memo.ts freezes them all the way down): the
 * proxy's containers and volume, shared by the pods of a workload. */
const FROZEN_TEXT = new WeakMap<object, string>();

function objectText(value: object): string {
  // Stryker disable next-line all: equivalent, only speed: remembered or not, the text is JSON.stringify's
  if (!Object.isFrozen(value)) return JSON.stringify(value);
  let text = FROZEN_TEXT.get(value);
  // Stryker disable next-line all: equivalent, only speed: remembered or not, the text is JSON.stringify's
  if (text === undefined) FROZEN_TEXT.set(value, (text = JSON.stringify(value)));
  return text;
}

/** A value of a patch: strings and maps of strings (annotations) through
 * quoted(), frozen objects and lists of them through objectText(); anything
 * else as JSON.stringify writes it. */
function valueText(value: unknown): string {
  // Stryker disable next-line all: equivalent, a string not sent to quoted() is written by JSON.stringify below
  if (typeof value === 'string') return quoted(value);
  // Stryker disable next-line all: equivalent, a list not taken apart here is written by JSON.stringify below
  if (Array.isArray(value)) {
    // JSON.stringify writes undefined (and functions) in a list as null.
    return `[${value.map((item: unknown) => (item === undefined || typeof item === 'function' ? 'null' : valueText(item))).join(',')}]`;
  }
  // Stryker disable next-line all: equivalent, an object not taken apart here is written by JSON.stringify below
  if (isPlainObject(value)) {
    const entries = Object.entries(value);
    // Stryker disable next-line all: equivalent, quoted() and objectText() both write JSON.stringify's text
    if (entries.every(([, item]) => typeof item === 'string')) {
      return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${quoted(item as string)}`).join(',')}}`;
    }
    return objectText(value);
  }
  return JSON.stringify(value);
}

/** Exactly JSON.stringify(operations). */
export function patchText(operations: readonly PatchOperation[]): string {
  const texts = operations.map((operation) =>
    // JSON.stringify leaves out a key whose value is undefined.
    // Stryker disable next-line StringLiteral,ConditionalExpression: equivalent, a remove has no value
    operation.op === 'remove' || operation.value === undefined
      ? `{"op":${JSON.stringify(operation.op)},"path":${JSON.stringify(operation.path)}}`
      : `{"op":${JSON.stringify(operation.op)},"path":${JSON.stringify(operation.path)},"value":${valueText(operation.value)}}`,
  );
  return `[${texts.join(',')}]`;
}
