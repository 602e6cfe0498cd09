// The JSON Patch (RFC 6902) that turns one JSON value into another, e.g. the
// submitted pod into the injected one, built from what changed rather than by
// diffing two whole pods field by field: the
// injection adds list items (init containers, the proxy, the volume) and map
// keys (annotations), and keeps the app's own items as the same objects. So a
// list that only gained items is patched with one `add` per new item at its
// index, never field by field, and an item is recognised as kept by identity
// (or, for a copy, by value: sameJson) in one pass.

import { sameJson } from './json.js';
import { isPlainObject } from './kubernetes.js';

export type PatchOperation = { op: 'add' | 'replace'; path: string; value: unknown } | { op: 'remove'; path: string };

export function createPatch(original: unknown, changed: unknown): PatchOperation[] {
  const operations: PatchOperation[] = [];
  diff(original, changed, '', operations);
  return operations;
}

/** RFC 6901: "~" and "/" in a key are escaped. */
function pointer(path: string, key: string | number): string {
  const text = String(key);
  // Most keys need no escape: not scanned twice more for nothing.
  const escaped = text.includes('~') || text.includes('/') ? text.replaceAll('~', '~0').replaceAll('/', '~1') : text;
  return `${path}/${escaped}`;
}

function diff(before: unknown, after: unknown, path: string, operations: PatchOperation[]): void {
  if (before === after) return;
  if (isPlainObject(before) && isPlainObject(after)) {
    // A key whose value is undefined is no key in JSON (JSON.stringify leaves it out).
    for (const key of Object.keys(before)) {
      if (before[key] !== undefined && after[key] === undefined) operations.push({ op: 'remove', path: pointer(path, key) });
    }
    for (const [key, value] of Object.entries(after)) {
      if (value === undefined) continue;
      if (before[key] !== undefined) diff(before[key], value, pointer(path, key), operations);
      else operations.push({ op: 'add', path: pointer(path, key), value });
    }
    return;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const added = insertedIndexes(before, after);
    if (added) {
      // In increasing order, each add lands at its final index.
      for (const index of added) operations.push({ op: 'add', path: pointer(path, index), value: after[index] });
      return;
    }
    if (before.length === after.length) {
      before.forEach((item, index) => diff(item, after[index], pointer(path, index), operations));
      return;
    }
  }
  // Values of different kinds, lists of different lengths, different
  // scalars: never the same JSON here (the same scalar returned above).
  operations.push({ op: 'replace', path, value: after });
}

/** The indexes of `after` that are new, when `after` is `before` with items
 * inserted (kept items in the same order); otherwise undefined. */
function insertedIndexes(before: readonly unknown[], after: readonly unknown[]): number[] | undefined {
  // A shortcut: without it the loop below finds no insertion all the same.
  // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent, a shortcut
  if (after.length <= before.length) return undefined;
  const added: number[] = [];
  let kept = 0;
  for (let index = 0; index < after.length; index++) {
    // Stryker disable next-line ConditionalExpression,EqualityOperator: equivalent, before[before.length] is undefined and no JSON item equals it
    if (kept < before.length && sameJson(before[kept], after[index])) kept++;
    else added.push(index);
  }
  return kept === before.length ? added : undefined;
}
