// patchText() and sameJson() must agree with JSON.stringify: the patch is
// what the API server applies, and its base64 is what the goldens pin.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PatchOperation } from '../../src/model/json-patch.js';
import { sameJson } from '../../src/model/json.js';
import { patchText, quoted } from '../../src/model/json-text.js';
import { deepFreeze } from '../../src/model/memo.js';

const FROZEN = deepFreeze({ name: 'envoy', args: ['-c', '/etc/envoy/bootstrap.json'], env: [{ name: 'A', value: 'b' }] });
const ESCAPES = 'quote " backslash \\ newline \n tab \t nul \u0000 line-separator \u2028 emoji 🚀 lone surrogate \ud800 é';

describe('patchText', () => {
  it('writes exactly what JSON.stringify writes, for every kind of value', () => {
    const long = `{"resources":[${'{"name":"x","value":"y \\" z"},'.repeat(100)}{}]} ${ESCAPES}`;
    const operations: PatchOperation[] = [
      { op: 'add', path: '/metadata/annotations/envoy-injector.io~1envoy-bootstrap', value: long },
      { op: 'add', path: '/metadata/annotations/short', value: ESCAPES },
      { op: 'add', path: '/metadata/annotations', value: { [ESCAPES]: long, plain: 'v', '10': 'numeric key first' } },
      { op: 'add', path: '/spec/initContainers/0', value: { name: 'envoy', args: ['--a', ESCAPES], ports: [{ containerPort: 15001 }] } },
      { op: 'replace', path: '/spec/volumes', value: [] },
      { op: 'add', path: '/x', value: { mixed: 'a', number: 1, nested: { b: 'c' }, nothing: null } },
      { op: 'add', path: '/y', value: { skipped: undefined, kept: 'k' } },
      { op: 'add', path: '/z', value: undefined },
      { op: 'add', path: '/n', value: null },
      { op: 'add', path: '/t', value: true },
      { op: 'add', path: '/l', value: ['a', 1, null, undefined, () => 1, [ESCAPES, long], { k: 'v' }, { k: 1 }] },
      { op: 'add', path: '/spec/initContainers', value: [FROZEN, FROZEN, { name: 'app' }] },
      { op: 'remove', path: '/metadata/annotations/old~0key' },
    ];
    assert.equal(patchText(operations), JSON.stringify(operations));
    // Again, from what it remembered.
    assert.equal(patchText(operations), JSON.stringify(operations));
    assert.equal(patchText([]), '[]');
  });

  it('stays right for long strings pushed out of its memory by later ones', () => {
    const texts = Array.from({ length: 1500 }, (_, i) => `"${i}"`.repeat(200));
    for (const text of texts) assert.equal(quoted(text), JSON.stringify(text));
    for (const text of texts.slice(0, 10)) assert.equal(quoted(text), JSON.stringify(text));
  });
});

describe('sameJson', () => {
  it('is true exactly when JSON.stringify writes the same text', () => {
    const values: unknown[] = [
      null,
      0,
      '0',
      true,
      [],
      {},
      [1, 2],
      [2, 1],
      [1, [2]],
      { a: 1, b: 2 },
      { b: 2, a: 1 },
      { a: 1, b: [2, { c: null }] },
      { a: 1, b: [2, { c: 'null' }] },
      { a: 1, b: [2, { c: null, d: 1 }] },
      { a: [] },
      { a: {} },
      [{}],
      [[]],
    ];
    for (const a of values) {
      for (const b of values) {
        assert.equal(sameJson(a, b), JSON.stringify(a) === JSON.stringify(b), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
        assert.equal(sameJson(a, structuredClone(b)), JSON.stringify(a) === JSON.stringify(b));
      }
    }
  });
});
