// What a refusal and a warning list may hold (model/bounded.ts): the limits
// of MESSAGE_LIMITS, at the limit and one past it.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { boundedProblems, boundedWarnings } from '../../src/model/bounded.js';
import { MESSAGE_LIMITS } from '../../src/model/limits.js';

const { problems: MOST_PROBLEMS, problemLength, warningLength, warningsTotal } = MESSAGE_LIMITS;

describe('boundedProblems', () => {
  it('keeps a problem of exactly the longest length whole', () => {
    const problem = 'p'.repeat(problemLength);
    assert.deepEqual(boundedProblems([problem]), [problem]);
  });

  it('cuts a longer problem to the longest length, saying how long it was', () => {
    const problem = 'p'.repeat(problemLength + 1);
    const [shown] = boundedProblems([problem]);
    const note = `… (${problemLength + 1} characters)`;
    assert.equal(shown, `${'p'.repeat(problemLength - note.length)}${note}`);
    assert.equal(shown?.length, problemLength);
  });

  it('lists as many problems as allowed without a count, and counts the rest', () => {
    const problems = Array.from({ length: MOST_PROBLEMS + 3 }, (_, i) => `problem ${i}`);
    assert.deepEqual(boundedProblems(problems.slice(0, MOST_PROBLEMS)), problems.slice(0, MOST_PROBLEMS));
    assert.deepEqual(boundedProblems(problems.slice(0, MOST_PROBLEMS + 1)), [...problems.slice(0, MOST_PROBLEMS), 'and 1 more problems']);
    assert.deepEqual(boundedProblems(problems), [...problems.slice(0, MOST_PROBLEMS), 'and 3 more problems']);
    assert.deepEqual(boundedProblems([]), []);
  });
});

describe('boundedWarnings', () => {
  it('cuts each warning to the apiserver limit', () => {
    const [shown] = boundedWarnings(['w'.repeat(warningLength * 3)]);
    assert.equal(shown?.length, warningLength);
    assert.match(shown ?? '', /… \(768 characters\)$/);
  });

  it('fills the total up to the room left for the count, exactly, then counts the rest', () => {
    const room = warningsTotal - 40;
    const full = Array.from({ length: Math.floor(room / warningLength) }, (_, i) => `${i}`.padEnd(warningLength, 'w'));
    const rest = room - full.length * warningLength;
    const exactFit = 'x'.repeat(rest);
    const shown = boundedWarnings([...full, exactFit, 'y', 'z']);
    assert.deepEqual(shown, [...full, exactFit, 'and 2 more warnings']);
    assert.ok(shown.join('').length <= warningsTotal);
  });

  it('keeps every warning when all fit, with no count', () => {
    const warnings = ['a', 'b'.repeat(warningLength), 'c'];
    assert.deepEqual(boundedWarnings(warnings), warnings);
  });

  it('stays within the total for a thousand long warnings', () => {
    const shown = boundedWarnings(Array.from({ length: 1000 }, () => 'w'.repeat(10_000)));
    const counted = Math.floor((warningsTotal - 40) / warningLength);
    assert.equal(shown.length, counted + 1);
    assert.equal(shown.at(-1), `and ${1000 - counted} more warnings`);
    assert.ok(shown.join('').length <= warningsTotal);
  });
});
