// The bounded caches of remembered answers (model/memo.ts): what they keep,
// what they drop first, and the bytes they hold, at and past each limit.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonCost } from '../../src/model/json-cost.js';
import { BoundedCache, deepFreeze, heapBytesOf, heapBytesOfString, identity } from '../../src/model/memo.js';

describe('BoundedCache', () => {
  it('drops the least recently used entry past its capacity', () => {
    const cache = new BoundedCache<number>(2, 1_000);
    cache.set('a', 1, 0);
    cache.set('b', 2, 0);
    assert.equal(cache.get('a'), 1); // now b is the oldest
    cache.set('c', 3, 0);
    assert.equal(cache.size, 2);
    assert.equal(cache.get('b'), undefined);
    assert.equal(cache.get('a'), 1);
    assert.equal(cache.get('c'), 3);
  });

  it('counts each entry as its key (two bytes a character) plus what the setter said', () => {
    const cache = new BoundedCache<string>(10, 1_000);
    cache.set('key', 'v', 10);
    assert.equal(cache.bytes, 6 + 10);
    cache.set('key', 'w', 4); // replaced, not added
    assert.equal(cache.bytes, 6 + 4);
    assert.equal(cache.size, 1);
    assert.equal(cache.get('key'), 'w');
  });

  it('keeps an entry of exactly the budget, and drops the oldest ones to make room', () => {
    const cache = new BoundedCache<string>(10, 20);
    cache.set('a', 'x', 8);
    cache.set('b', 'y', 8);
    assert.equal(cache.bytes, 20);
    assert.equal(cache.size, 2);
    cache.set('c', 'z', 18);
    assert.equal(cache.bytes, 20);
    assert.deepEqual([cache.get('a'), cache.get('b'), cache.get('c')], [undefined, undefined, 'z']);
  });

  it('does not keep an entry larger than the budget, and forgets the one it replaces', () => {
    const cache = new BoundedCache<string>(10, 20);
    cache.set('a', 'small', 2);
    assert.equal(cache.set('a', 'large', 19), 'large');
    assert.equal(cache.get('a'), undefined);
    assert.equal(cache.size, 0);
    assert.equal(cache.bytes, 0);
    assert.equal(cache.set('b', 'huge', 1_000), 'huge');
    assert.equal(cache.size, 0);
  });

  it('holds no more than its budget however many entries come', () => {
    const cache = new BoundedCache<number>(1_000, 500);
    for (let i = 0; i < 10_000; i++) cache.set(`key-${i}`, i, i % 97);
    assert.ok(cache.bytes <= 500, `${cache.bytes} bytes`);
    assert.equal(cache.get('key-9999'), 9999);
  });
});

describe('heap estimates', () => {
  it('prices a value as its JSON text is priced, and undefined as nothing', () => {
    const value = { name: 'envoy', args: ['-c', 'x'], ports: [{ containerPort: 15001 }] };
    assert.equal(heapBytesOf(value), jsonCost(Buffer.from(JSON.stringify(value)), Infinity).heapBytes);
    assert.ok(heapBytesOf(value) > JSON.stringify(value).length);
    assert.equal(heapBytesOf(undefined), 0);
    assert.equal(heapBytesOf(null), 0);
  });

  it('prices a string at two bytes a character', () => {
    assert.equal(heapBytesOfString('abc'), 6);
    assert.equal(heapBytesOfString(''), 0);
  });
});

describe('identity', () => {
  it('gives one number per object for as long as it lives', () => {
    const a = {};
    const b = {};
    assert.equal(identity(a), identity(a));
    assert.notEqual(identity(a), identity(b));
  });
});

describe('deepFreeze', () => {
  it('freezes every object and list inside, through nulls and scalars', () => {
    const value = deepFreeze({ a: null, b: [1, { c: 'd' }], e: { f: { g: [] } }, h: 'text' });
    assert.ok(Object.isFrozen(value));
    assert.ok(Object.isFrozen(value.b));
    assert.ok(Object.isFrozen(value.b[1]));
    assert.ok(Object.isFrozen(value.e.f.g));
    assert.throws(() => (value.e.f.g as unknown[]).push(1), TypeError);
    assert.equal(deepFreeze(null), null);
    assert.equal(deepFreeze('s'), 's');
  });
});
