// The route language's schema checker (routes/schema.ts), one row per rule:
// the value, and the exact problems it gets, with the field path a person
// can follow.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProblemList } from '../../src/model/result.js';
import { check, durationText, join, type FieldProblem, type Spec } from '../../src/routes/schema.js';

function problems(value: unknown, spec: Spec): FieldProblem[] {
  const list = new ProblemList<FieldProblem>();
  check(value, spec, 'x', list);
  return [...list.all()];
}

const at = (message: string, field = 'x'): FieldProblem[] => [{ field, message }];

const OBJECT: Spec = {
  kind: 'object',
  fields: { name: { kind: 'string', nonEmpty: true }, a: { kind: 'boolean' }, b: { kind: 'boolean' }, c: { kind: 'boolean' } },
  required: ['name'],
  exactlyOne: [['a', 'b']],
  atMostOne: [['b', 'c']],
  hints: { old: 'old is gone: write name' },
  check: (value) => (value.name === 'forbidden' ? 'that name is forbidden' : undefined),
};

const ROWS: Array<[string, unknown, Spec, FieldProblem[]]> = [
  ['a string', 'text', { kind: 'string' }, []],
  ['a number for a string', 3, { kind: 'string' }, at('expected a string, got number 3')],
  ['an empty string where one is needed', '', { kind: 'string', nonEmpty: true }, at('must not be empty')],
  ['an empty string where allowed', '', { kind: 'string' }, []],
  ['a string its check refuses', 'bad', { kind: 'string', check: (t) => (t === 'bad' ? 'is bad' : undefined) }, at('is bad')],
  ['a boolean', false, { kind: 'boolean' }, []],
  ['a string for a boolean', 'true', { kind: 'boolean' }, at('expected true or false, got string "true"')],
  ['an integer at its bounds', 5, { kind: 'integer', min: 1, max: 5 }, []],
  ['an integer past its bounds', 6, { kind: 'integer', min: 1, max: 5 }, at('6 is out of range (1 to 5)')],
  ['an integer under its bounds', 0, { kind: 'integer', min: 1, max: 5 }, at('0 is out of range (1 to 5)')],
  ['a fraction for an integer', 1.5, { kind: 'integer', min: 1, max: 5 }, at('expected a whole number, got number 1.5')],
  ['text for an integer', '3', { kind: 'integer', min: 1, max: 5 }, at('expected a whole number, got string "3"')],
  ['a duration', '0.25s', { kind: 'duration' }, []],
  ['a duration of nine decimals', '1.123456789s', { kind: 'duration' }, []],
  [
    'a duration of ten decimals',
    '1.1234567890s',
    { kind: 'duration' },
    at('string "1.1234567890s" is not a duration: write seconds with an "s", e.g. "5s" or "0.25s"'),
  ],
  ['a duration without its unit', '5', { kind: 'duration' }, at('string "5" is not a duration: write seconds with an "s", e.g. "5s" or "0.25s"')],
  ['a duration with text before', 'x5s', { kind: 'duration' }, at('string "x5s" is not a duration: write seconds with an "s", e.g. "5s" or "0.25s"')],
  ['a duration with text after', '5sx', { kind: 'duration' }, at('string "5sx" is not a duration: write seconds with an "s", e.g. "5s" or "0.25s"')],
  ['a duration as a message', { seconds: 1, nanos: 5 }, { kind: 'duration' }, []],
  [
    'a duration message with nanos past a second',
    { nanos: 1_000_000_000 },
    { kind: 'duration' },
    at('a mapping is not a duration: write seconds with an "s", e.g. "5s" or "0.25s"'),
  ],
  ['a negative duration message', { seconds: -1 }, { kind: 'duration' }, at('a mapping is not a duration: write seconds with an "s", e.g. "5s" or "0.25s"')],
  ['an enum value', 'FOUND', { kind: 'enum', values: ['FOUND', 'SEE_OTHER'] }, []],
  [
    'a misspelt enum value',
    'FOUNDD',
    { kind: 'enum', values: ['FOUND', 'SEE_OTHER'] },
    at('string "FOUNDD" is not one of FOUND, SEE_OTHER (did you mean "FOUND"?)'),
  ],
  ['a number for an enum', 1, { kind: 'enum', values: ['FOUND'] }, at('number 1 is not one of FOUND')],
  ['a list', ['a', 'b'], { kind: 'list', items: { kind: 'string' }, minItems: 2 }, []],
  ['a short list', ['a'], { kind: 'list', items: { kind: 'string' }, minItems: 2 }, at('must have at least 2 entries')],
  ['an empty list', [], { kind: 'list', items: { kind: 'string' }, minItems: 1 }, at('must have at least 1 entry')],
  ['a list with a bad item', ['a', 1], { kind: 'list', items: { kind: 'string' } }, at('expected a string, got number 1', 'x[1]')],
  ['a mapping for a list', {}, { kind: 'list', items: { kind: 'string' } }, at('expected a list, got a mapping')],
  ['an object', { name: 'n', a: true }, OBJECT, []],
  ['null for an object', null, OBJECT, at('expected a mapping, got null')],
  ['a list for an object', [], OBJECT, at('expected a mapping, got a list')],
  ['an object missing a required field', { a: true }, OBJECT, at('is required', 'x.name')],
  ['an object with none of a group', { name: 'n' }, OBJECT, at('needs one of a, b')],
  ['an object with two of a group', { name: 'n', a: true, b: true }, OBJECT, at('sets a and b: choose exactly one of a, b')],
  ['an object with two that cannot be combined', { name: 'n', b: true, c: true }, OBJECT, at('sets b and c: they cannot be combined')],
  ['an object with a hinted field', { name: 'n', a: true, old: 1 }, OBJECT, at('old is gone: write name', 'x.old')],
  [
    'an object with a misspelt field, and only that said',
    { nme: 'n', a: true },
    OBJECT,
    at('unknown field (did you mean "name"?) (known here: name, a, b, c)', 'x.nme'),
  ],
  ['an object its own check refuses', { name: 'forbidden', a: true }, OBJECT, at('that name is forbidden')],
  ['an object whose own check waits for its fields', { name: '', a: true }, OBJECT, at('must not be empty', 'x.name')],
  [
    'an inherited name is not a field',
    JSON.parse('{"name":"n","a":true,"toString":1}') as unknown,
    OBJECT,
    at('unknown field (known here: name, a, b, c)', 'x.toString'),
  ],
];

describe('check', () => {
  for (const [name, value, spec, expected] of ROWS) it(name, () => assert.deepEqual(problems(value, spec), expected));
});

describe('join and durationText', () => {
  it('joins paths as a person reads them', () => {
    assert.equal(join('', 'a'), 'a');
    assert.equal(join('a', 'b'), 'a.b');
    assert.equal(join('a', 2), 'a[2]');
  });

  it('writes a message-form duration as Envoy writes it', () => {
    assert.equal(durationText('5s'), '5s');
    assert.equal(durationText({ seconds: 30 }), '30s');
    assert.equal(durationText({ seconds: 1, nanos: 500_000_000 }), '1.5s');
    assert.equal(durationText({ nanos: 1 }), '0.000000001s');
    assert.equal(durationText({}), '0s');
  });
});
