// jsonCost (model/json-cost.ts): the heap estimate and nesting depth read
// from JSON bytes before JSON.parse, each kind of token priced exactly.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonCost } from '../../src/model/json-cost.js';

const cost = (text: string, maxDepth = Infinity) => jsonCost(Buffer.from(text), maxDepth);

// The prices of model/json-cost.ts: object 72, array 48, each entry 40, a
// string 24 plus its bytes (quotes included).
const CASES: Array<[string, number, number]> = [
  ['1', 0, 0],
  ['"ab"', 24 + 3, 0],
  ['"a\\"b"', 24 + 5, 0],
  ['"a\\\\"', 24 + 4, 0],
  ['"abc', 24 + 4, 0],
  ['{}', 72 + 40, 1],
  ['[]', 48 + 40, 1],
  ['[1,2,3]', 48 + 40 * 3, 1],
  ['{"k":"v"}', 72 + 40 + 2 * (24 + 2), 1],
  ['[[],[]]', 48 + 40 + 40 + 2 * (48 + 40), 2],
  ['[{"a":[1]}]', 48 + 40 + 72 + 40 + (24 + 2) + 48 + 40, 3],
  ['["[{,"]', 48 + 40 + 24 + 4, 1],
];

describe('jsonCost', () => {
  for (const [text, heapBytes, depth] of CASES) {
    it(`prices ${text}`, () => assert.deepEqual(cost(text), { heapBytes, depth }));
  }

  it('counts the deepest nesting, not the last one', () => {
    assert.equal(cost('[[[1]],[2]]').depth, 3);
    assert.equal(cost('{"a":{"b":{}},"c":{}}').depth, 3);
  });

  it('stops at the first bracket past the deepest allowed, with what it counted', () => {
    assert.deepEqual(cost('[[[[[[]]]]]]', 2), { heapBytes: 3 * (48 + 40), depth: 3 });
    assert.equal(cost('[[[]]]', 3).depth, 3);
  });

  it('prices dense structure far above its size on the wire', () => {
    const text = `[${'{},'.repeat(9999)}{}]`;
    assert.ok(cost(text).heapBytes > 30 * text.length);
  });
});
