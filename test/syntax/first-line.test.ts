// firstLine: what a problem may quote of a library's message.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { firstLine } from '../../src/syntax/first-line.js';

describe('firstLine', () => {
  for (const [text, want] of [
    ['one line', 'one line'],
    ['first\nsecond\nthird', 'first'],
    ['\nafter an empty first line', ''],
    ['ends with a newline\n', 'ends with a newline'],
    ['carriage return\r\nkept', 'carriage return\r'],
    ['', ''],
  ]) {
    it(JSON.stringify(text), () => assert.equal(firstLine(text ?? ''), want));
  }
});
