// What a JSON text will cost once parsed, read from its bytes in one pass
// before JSON.parse runs. Bytes on the wire are the wrong unit for memory:
// 7 MiB of "[{},{},…]" parse into ~150 MiB of objects, 7 MiB of one string
// into 7 MiB. The estimate is an upper bound of V8's heap for the parsed
// value (calibrated on Node 20 and 24, see SECURITY.md), and the nesting
// depth bounds every recursive walk of it.

/** Heap bytes, at most, for each kind of thing JSON.parse makes (64-bit V8,
 * measured with --expose-gc; each rounded up): an empty object is ~64 bytes,
 * an empty array ~40, a slot in either 8–16 (a dictionary-mode object's
 * member more), a string 16–24 plus its characters. */
const COST = { object: 72, array: 48, entry: 40, string: 24 } as const;

export interface JsonCost {
  /** Estimated heap bytes of the parsed value (an upper bound). */
  heapBytes: number;
  /** Deepest nesting of objects and arrays. */
  depth: number;
}

/** Scans `bytes` (UTF-8 JSON) and returns its cost; stops early, with what it
 * counted so far, once the depth passes `maxDepth`. Invalid JSON is measured
 * all the same: JSON.parse refuses it afterwards. */
export function jsonCost(bytes: Uint8Array, maxDepth: number): JsonCost {
  let heapBytes = 0;
  let depth = 0;
  let deepest = 0;
  const length = bytes.length;
  // Stryker disable next-line EqualityOperator: equivalent, bytes[length] is undefined and counts as nothing
  for (let i = 0; i < length; i++) {
    const c = bytes[i];
    if (c === 0x22) {
      // A string: its characters (one heap byte each at most for UTF-8 input:
      // a two-byte string's characters take 2 to 4 UTF-8 bytes), up to the
      // closing quote; escapes are skipped over.
      const start = i;
      for (i++; i < length && bytes[i] !== 0x22; i++) if (bytes[i] === 0x5c) i++;
      heapBytes += COST.string + (i - start);
    } else if (c === 0x7b || c === 0x5b) {
      // With its first entry, which has no comma before it.
      heapBytes += (c === 0x7b ? COST.object : COST.array) + COST.entry;
      // Stryker disable next-line EqualityOperator: equivalent, at equal depths deepest is set to what it was
      if (++depth > deepest) {
        deepest = depth;
        if (deepest > maxDepth) break;
      }
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    } else if (c === 0x2c) {
      heapBytes += COST.entry;
    }
  }
  return { heapBytes, depth: deepest };
}
