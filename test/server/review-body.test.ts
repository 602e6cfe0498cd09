// Reading review bodies within the in-flight budget, the body deadline and
// the minimum rate: the rules as data (streams in-process), each outcome
// asserted, never a duration.

import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { BodyError, InFlightBudget, readJsonBody, type BodyLimits } from '../../src/server/review-body.js';

const LIMITS: BodyLimits = {
  maxBodyBytes: 7 * 2 ** 20,
  maxParsedBytes: 48 * 2 ** 20,
  maxDepth: 64,
  deadlineMs: 60_000,
  rateWindowMs: 60_000,
  minBytesPerSecond: 1,
};

/** A JSON body of about `bytes` bytes. */
const body = (bytes: number): string => JSON.stringify({ note: 'x'.repeat(bytes - 12) });

const status = (promise: Promise<unknown>): Promise<number> =>
  promise.then(
    () => 200,
    (error: unknown) => (error instanceof BodyError ? error.statusCode : -1),
  );

describe('readJsonBody within an in-flight budget', () => {
  it('charges what arrives, parses it, and releases it', async () => {
    const budget = new InFlightBudget(1_000_000);
    const charge = budget.open();
    const stream = new PassThrough();
    const reading = readJsonBody(stream, charge, LIMITS);
    stream.end(body(10_000));
    assert.deepEqual(Object.keys((await reading).value as object), ['note']);
    assert.ok(budget.inUse >= 10_000, 'the bytes and the parsed value are charged');
    charge.release();
    assert.equal(budget.inUse, 0);
  });

  it('one review alone passes even when larger than the whole budget', async () => {
    const budget = new InFlightBudget(1000);
    const stream = new PassThrough();
    const reading = readJsonBody(stream, budget.open(), LIMITS);
    stream.end(body(50_000));
    assert.equal(await status(reading), 200);
  });

  it('a review whose bytes do not fit waits for the others, then completes; ten at once all complete, oldest first', async () => {
    const budget = new InFlightBudget(250_000);
    const done: number[] = [];
    const readings = Array.from({ length: 10 }, (_, i) => {
      const charge = budget.open();
      const stream = new PassThrough();
      const reading = readJsonBody(stream, charge, LIMITS).then(() => {
        done.push(i);
        charge.release();
      });
      // Each sends half, then the rest: all hold part of the budget at once.
      const text = body(100_000);
      stream.write(text.slice(0, 50_000));
      setImmediate(() => stream.end(text.slice(50_000)));
      return reading;
    });
    await Promise.all(readings);
    assert.equal(done.length, 10);
    assert.equal(done[0], 0, 'the oldest always proceeds');
    assert.equal(budget.inUse, 0);
  });

  it('a review still waiting for the budget at its deadline gets 429', async () => {
    const budget = new InFlightBudget(150_000);
    const holder = new PassThrough();
    void readJsonBody(holder, budget.open(), LIMITS).catch(() => undefined);
    holder.write('{"a":"'.padEnd(140_000, 'x'));
    const waiter = new PassThrough();
    const reading = readJsonBody(waiter, budget.open(), { ...LIMITS, deadlineMs: 100 });
    waiter.write(body(50_000));
    const error = await reading.catch((e: unknown) => e);
    assert.ok(error instanceof BodyError);
    assert.equal(error.statusCode, 429);
    assert.match(error.message, /MiB of reviews are already being answered \(the limit is 0\.1 MiB\): retry/);
    holder.destroy();
  });

  it('a trickle is cut by the minimum rate (408); a stalled body at its deadline (408); the bytes it held are released', async () => {
    const budget = new InFlightBudget(1_000_000);
    const trickle = new PassThrough();
    const trickleCharge = budget.open();
    const trickling = readJsonBody(trickle, trickleCharge, { ...LIMITS, rateWindowMs: 50, minBytesPerSecond: 10_000 });
    const timer = setInterval(() => trickle.write(' '), 10);
    const error = await trickling.catch((e: unknown) => e);
    clearInterval(timer);
    assert.ok(error instanceof BodyError);
    assert.equal(error.statusCode, 408);
    assert.match(error.message, /slower than 10000 bytes a second/);
    trickleCharge.release();
    const stalled = new PassThrough();
    const stalling = readJsonBody(stalled, budget.open(), { ...LIMITS, deadlineMs: 50 });
    stalled.write('{"a":');
    assert.equal(await status(stalling), 408);
  });

  it('refuses before parsing: over the byte limit, object-dense, too deep; and bad JSON after', async () => {
    const budget = new InFlightBudget(100 * 2 ** 20);
    const read = async (text: string, limits: Partial<BodyLimits> = {}): Promise<BodyError | undefined> => {
      const stream = new PassThrough();
      const reading = readJsonBody(stream, budget.open(), { ...LIMITS, ...limits });
      stream.end(text);
      return reading.then(
        () => undefined,
        (error: unknown) => error as BodyError,
      );
    };
    assert.equal((await read(body(2000), { maxBodyBytes: 1000 }))?.statusCode, 413);
    const dense = await read(`[${'{},'.repeat(1_000_000)}{}]`, { maxParsedBytes: 16 * 2 ** 20 });
    assert.equal(dense?.statusCode, 413);
    assert.match(dense?.message ?? '', /would take about \d+\.\d MiB of memory to read \(the limit is 16\.0 MiB\)/);
    const deep = await read(`${'['.repeat(65)}${']'.repeat(65)}`);
    assert.equal(deep?.statusCode, 413);
    assert.match(deep?.message ?? '', /nests deeper than 64 levels/);
    assert.equal(await read(`${'['.repeat(64)}${']'.repeat(64)}`), undefined, '64 levels are read');
    assert.equal((await read('{"a":'))?.statusCode, 400);
  });
});
