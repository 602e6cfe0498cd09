// createPatch (model/json-patch.ts): the operations it writes, exactly, for
// each way a value can change, and that an independent RFC 6902
// implementation (rfc6902) turns the first value into the second with them.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyPatch } from 'rfc6902';
import { createPatch, type PatchOperation } from '../../src/model/json-patch.js';

function applied(before: unknown, operations: PatchOperation[]): unknown {
  const copy: unknown = JSON.parse(JSON.stringify(before));
  const errors = applyPatch(copy, operations);
  assert.deepEqual(
    errors.filter((error) => error !== null),
    [],
  );
  return copy;
}

const CASES: Array<{ name: string; before: unknown; after: unknown; patch: PatchOperation[] }> = [
  { name: 'nothing changed', before: { a: [1, { b: 'c' }] }, after: { a: [1, { b: 'c' }] }, patch: [] },
  {
    name: 'a key added and one removed',
    before: { keep: 1, gone: 2 },
    after: { keep: 1, added: 3 },
    patch: [
      { op: 'remove', path: '/gone' },
      { op: 'add', path: '/added', value: 3 },
    ],
  },
  {
    name: 'keys with "~" and "/" escaped as RFC 6901 says',
    before: { annotations: { 'example.io/a~b': 'x' } },
    after: { annotations: { 'example.io/a~b': 'y', plain: 'z' } },
    patch: [
      { op: 'replace', path: '/annotations/example.io~1a~0b', value: 'y' },
      { op: 'add', path: '/annotations/plain', value: 'z' },
    ],
  },
  {
    name: 'items inserted into a list, each added at its final index',
    before: { containers: [{ name: 'app' }, { name: 'db' }] },
    after: { containers: [{ name: 'init' }, { name: 'app' }, { name: 'proxy' }, { name: 'db' }, { name: 'last' }] },
    patch: [
      { op: 'add', path: '/containers/0', value: { name: 'init' } },
      { op: 'add', path: '/containers/2', value: { name: 'proxy' } },
      { op: 'add', path: '/containers/4', value: { name: 'last' } },
    ],
  },
  {
    name: 'an item changed in a list of the same length: only that field',
    before: {
      containers: [
        { name: 'app', image: 'a:1' },
        { name: 'db', image: 'd:1' },
      ],
    },
    after: {
      containers: [
        { name: 'app', image: 'a:1' },
        { name: 'db', image: 'd:2' },
      ],
    },
    patch: [{ op: 'replace', path: '/containers/1/image', value: 'd:2' }],
  },
  {
    name: 'a longer list that is not the old one with items inserted: replaced whole',
    before: { args: ['a', 'b'] },
    after: { args: ['c', 'd', 'e'] },
    patch: [{ op: 'replace', path: '/args', value: ['c', 'd', 'e'] }],
  },
  {
    name: 'a longer list keeping only some old items: replaced whole',
    before: { args: ['a', 'b'] },
    after: { args: ['a', 'x', 'y'] },
    patch: [{ op: 'replace', path: '/args', value: ['a', 'x', 'y'] }],
  },
  {
    name: 'a shorter list: replaced whole',
    before: { args: ['a', 'b', 'c'] },
    after: { args: ['a', 'c'] },
    patch: [{ op: 'replace', path: '/args', value: ['a', 'c'] }],
  },
  {
    name: 'a key whose value is undefined is no key, as in JSON',
    before: { metadata: undefined, spec: { a: 1, gone: 2 } },
    after: { metadata: { name: 'p' }, spec: { a: 1, gone: undefined, skipped: undefined } },
    patch: [
      { op: 'add', path: '/metadata', value: { name: 'p' } },
      { op: 'remove', path: '/spec/gone' },
    ],
  },
  {
    name: 'a value of another kind: replaced',
    before: { a: { b: 1 }, c: [1], d: 'x', e: null },
    after: { a: [1], c: { b: 1 }, d: 2, e: 'now' },
    patch: [
      { op: 'replace', path: '/a', value: [1] },
      { op: 'replace', path: '/c', value: { b: 1 } },
      { op: 'replace', path: '/d', value: 2 },
      { op: 'replace', path: '/e', value: 'now' },
    ],
  },
];

describe('createPatch', () => {
  for (const { name, before, after, patch } of CASES) {
    it(name, () => {
      assert.deepEqual(createPatch(before, after), patch);
      assert.deepEqual(applied(before, patch), JSON.parse(JSON.stringify(after)));
    });
  }

  it('replaces a whole scalar at the root (rfc6902 applies in place, so not applied here)', () => {
    assert.deepEqual(createPatch('a', 'b'), [{ op: 'replace', path: '', value: 'b' }]);
  });

  it('recognises kept items by value as well as by identity', () => {
    const app = { name: 'app', env: [{ name: 'A', value: '1' }] };
    const before = { containers: [app] };
    const after = { containers: [{ name: 'proxy' }, structuredClone(app)] };
    assert.deepEqual(createPatch(before, after), [{ op: 'add', path: '/containers/0', value: { name: 'proxy' } }]);
  });
});
