// patchMismatch (offline/verify-patch.ts): fast-json-patch, an RFC 6902
// implementation of its own, checks the webhook's patch before `inject`
// writes the YAML made from it.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createPatch } from '../../src/model/json-patch.js';
import { patchMismatch } from '../../src/offline/verify-patch.js';

const BEFORE = { metadata: { name: 'web' }, spec: { containers: [{ name: 'app' }] } };
const AFTER = { metadata: { name: 'web', annotations: { a: 'b' } }, spec: { initContainers: [{ name: 'envoy' }], containers: [{ name: 'app' }] } };

describe('patchMismatch', () => {
  it('passes the patch createPatch writes, whatever the key order', () => {
    assert.equal(patchMismatch(BEFORE, createPatch(BEFORE, AFTER), AFTER), undefined);
    const reordered = { spec: AFTER.spec, metadata: { annotations: { a: 'b' }, name: 'web' } };
    assert.equal(patchMismatch(BEFORE, createPatch(BEFORE, AFTER), reordered), undefined);
  });

  it('names the first difference when the patch gives another pod', () => {
    const short = createPatch(BEFORE, AFTER).slice(1);
    assert.match(
      patchMismatch(BEFORE, short, AFTER) ?? '',
      /^the patch gives another pod than the injected one \(first difference at \/metadata\/annotations\)$/,
    );
  });

  it('says so when the patch cannot be applied, and leaves the pod as it was', () => {
    const before = structuredClone(BEFORE);
    assert.match(
      patchMismatch(before, [{ op: 'replace', path: '/spec/volumes', value: [] }], AFTER) ?? '',
      /^the patch cannot be applied: Cannot perform the operation at a path that does not exist$/,
    );
    assert.deepEqual(before, BEFORE);
  });
});
