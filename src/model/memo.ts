// Remembering pure results: the pods of one workload ask the same questions
// (the same annotations, the same rendered config, the same answer), so each
// distinct question is answered once. Every cache here is bounded, and what
// it hands out is frozen, so a caller that changed a shared value would fail
// loudly instead of changing another pod's answer.

/** A map of at most `capacity` entries; the least recently used goes first. */
export class BoundedCache<V> {
  private readonly entries = new Map<string, V>();

  constructor(private readonly capacity: number) {}

  get(key: string): V | undefined {
    const found = this.entries.get(key);
    if (found !== undefined) {
      // Most recently used last, so the oldest is the first to go.
      this.entries.delete(key);
      this.entries.set(key, found);
    }
    return found;
  }

  set(key: string, value: V): V {
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value ?? '');
    return value;
  }

  get size(): number {
    return this.entries.size;
  }
}

const IDS = new WeakMap<object, number>();
let lastId = 0;

/** A number for this object, the same for as long as it lives: for keys that
 * must tell two lookups (or configs) apart without serializing them. */
export function identity(object: object): number {
  let id = IDS.get(object);
  if (id === undefined) {
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
