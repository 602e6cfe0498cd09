// Quantities as Kubernetes writes them, bounded in value as well as length.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseQuantity } from '../../src/syntax/values.js';

describe('parseQuantity', () => {
  const cases: Array<[string, number | RegExp]> = [
    ['100m', 0.1],
    ['0.5', 0.5],
    ['128Mi', 128 * 2 ** 20],
    ['1e3', 1000],
    ['1e-400', 0],
    ['1e400', /is too large for a Kubernetes quantity \(at most 9007199254740991\)/],
    ['9Ei', /is too large/],
    ['9'.repeat(30), /is too large/],
    ['-1', /is negative/],
    ['12x', /is not a Kubernetes quantity/],
  ];
  for (const [text, want] of cases) {
    it(`${text} → ${String(want)}`, () => {
      const parsed = parseQuantity(text);
      if (typeof want === 'number') assert.deepEqual(parsed, { ok: true, value: want });
      else assert.match(parsed.ok ? '' : (parsed.problems[0] ?? ''), want);
    });
  }
});
