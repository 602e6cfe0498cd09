// Remembering pure results: the pods of one workload ask the same questions
// (the same annotations, the same rendered config, the same answer), so each
// distinct question is answered once. Every cache here is bounded, and what
// it hands out is frozen, so a caller that changed a shared value would fail
// loudly instead of changing another pod's answer.

import { jsonCost } from './json-cost.js';

/** Heap bytes, at most, of a JSON-like value held in a cache: the same
 * estimate as a review body's (model/json-cost.ts), from the value's text.
 * For values stored once per distinct question, not per review. */
export function heapBytesOf(value: unknown): number {
  // JSON.stringify(undefined) is undefined, whatever its declared type says.
  return value === undefined ? 0 : jsonCost(Buffer.from(JSON.stringify(value)), Infinity).heapBytes;
}

/** Heap bytes of a string, at most (two-byte characters). */
export function heapBytesOfString(text: string): number {
  return 2 * text.length;
}

/** A map of at most `capacity` entries and `maxBytes` bytes (each entry's
 * size said by its setter, key included); the least recently used goes
 * first. An entry larger than the whole budget is not kept. Counted in
 * bytes because a pod author chooses how large each entry is. */
export class BoundedCache<V> {
  private readonly entries = new Map<string, { value: V; bytes: number }>();
  private total = 0;

  constructor(
    private readonly capacity: number,
    private readonly maxBytes: number,
  ) {}

  get(key: string): V | undefined {
    const found = this.entries.get(key);
    if (found !== undefined) {
      // Most recently used last, so the oldest is the first to go.
      this.entries.delete(key);
      this.entries.set(key, found);
    }
    return found?.value;
  }

  /** Keeps `value` (of `valueBytes` heap bytes, the key's added here) and returns it. */
  set(key: string, value: V, valueBytes: number): V {
    const bytes = heapBytesOfString(key) + valueBytes;
    const old = this.entries.get(key);
    if (old !== undefined) {
      this.total -= old.bytes;
      this.entries.delete(key);
    }
    if (bytes > this.maxBytes) return value;
    this.entries.set(key, { value, bytes });
    this.total += bytes;
    // Oldest first (a Map iterates in insertion order; deleting the entry
    // being visited is safe).
    for (const [oldestKey, oldest] of this.entries) {
      if (this.entries.size <= this.capacity && this.total <= this.maxBytes) break;
      this.entries.delete(oldestKey);
      this.total -= oldest.bytes;
    }
    return value;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Bytes held, as the setters said. */
  get bytes(): number {
    return this.total;
  }
}

const IDS = new WeakMap<object, number>();
let lastId = 0;

/** A number for this object, the same for as long as it lives: for keys that
 * must tell two lookups (or configs) apart without serializing them. */
export function identity(object: object): number {
  let id = IDS.get(object);
  if (id === undefined) {
    // Stryker disable next-line UpdateOperator: equivalent, counting down gives distinct numbers as well
    id = ++lastId;
    IDS.set(object, id);
  }
  return id;
}

/** Freezes a JSON-like value and everything in it, so that a frozen object
 * here is immutable all the way down (json-text.ts relies on it). */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}
