// Reading review bodies within the in-flight budget, the body deadline and
// the minimum rate: the rules as data (streams in-process), each outcome
// asserted, never a duration.

import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { jsonCost } from '../../src/model/json-cost.js';
import { BodyError, InFlightBudget, readJsonBody, type BodyLimits, type Charge } from '../../src/server/review-body.js';

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

/** A budget of 150 000 bytes, 140 000 of them held by an older review: a
 * body of 50 000 must wait for `holder` to release. */
function nearlyFullBudget(): { budget: InFlightBudget; holder: Charge } {
  const budget = new InFlightBudget(150_000);
  const holder = budget.open();
  holder.tryAdd(140_000, () => undefined);
  return { budget, holder };
}

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

  it('lets a second review in when it fits the budget exactly', () => {
    const budget = new InFlightBudget(1000);
    const oldest = budget.open();
    const next = budget.open();
    assert.equal(
      oldest.tryAdd(400, () => undefined),
      true,
    );
    assert.equal(
      next.tryAdd(600, () => undefined),
      true,
    );
    assert.equal(
      next.tryAdd(1, () => undefined),
      false,
    );
    assert.equal(budget.inUse, 1000);
  });

  it('charges nothing to a review already released, however it is released again', () => {
    const budget = new InFlightBudget(1000);
    const charge = budget.open();
    charge.tryAdd(300, () => undefined);
    charge.release();
    charge.release();
    assert.equal(
      charge.tryAdd(500, () => undefined),
      true,
    );
    assert.equal(budget.inUse, 0);
  });

  it('a last chunk that waited for the budget is parsed once it is in, and charged with all it read', async () => {
    const { budget, holder } = nearlyFullBudget();
    const charge = budget.open();
    const stream = new PassThrough();
    const reading = readJsonBody(stream, charge, { ...LIMITS, deadlineMs: 5000 });
    const text = body(50_000);
    stream.end(text); // the body has ended while its only chunk waits
    setImmediate(() => holder.release());
    const parsed = await reading;
    assert.deepEqual(parsed.value, JSON.parse(text));
    assert.equal(charge.held, Buffer.byteLength(text) + parsed.heapBytes, 'its bytes and its parsed heap');
  });

  it('charges nothing more to a review refused while it waited, when room comes later', async () => {
    const { budget, holder } = nearlyFullBudget();
    const charge = budget.open();
    const stream = new PassThrough();
    const reading = readJsonBody(stream, charge, { ...LIMITS, deadlineMs: 30 });
    stream.write(body(50_000));
    assert.equal(await status(reading), 429);
    holder.release();
    assert.equal(charge.held, 0);
    assert.equal(budget.inUse, 0);
  });

  it('a body arriving faster than the minimum rate completes', async () => {
    const stream = new PassThrough();
    // One byte a window is the minimum; a kilobyte comes every few milliseconds.
    const reading = readJsonBody(stream, new InFlightBudget(1_000_000).open(), { ...LIMITS, rateWindowMs: 50, minBytesPerSecond: 20 });
    stream.write('{"a":"');
    let writes = 0;
    const timer = setInterval(() => {
      if (++writes < 30) stream.write('x'.repeat(1000));
      else {
        clearInterval(timer);
        stream.end('"}');
      }
    }, 5);
    assert.equal(((await reading).value as { a: string }).a.length, 29_000);
  });

  it('cuts a body that came fast and then slowed to a trickle, by what each window brought', async () => {
    const stream = new PassThrough();
    const reading = readJsonBody(stream, new InFlightBudget(1_000_000).open(), { ...LIMITS, deadlineMs: 60_000, rateWindowMs: 50, minBytesPerSecond: 10_000 });
    stream.write(`{"a":"${'x'.repeat(20_000)}`);
    const timer = setInterval(() => stream.write('x'), 10);
    const error = await reading.catch((e: unknown) => e);
    clearInterval(timer);
    assert.ok(error instanceof BodyError);
    assert.match(error.message, /^the body arrives slower than 10000 bytes a second \(\d+ bytes so far\)$/);
  });

  it('does not cut a review for its rate while it waits for the budget: it gets 429 at the deadline', async () => {
    const { budget } = nearlyFullBudget();
    const stream = new PassThrough();
    const reading = readJsonBody(stream, budget.open(), { ...LIMITS, deadlineMs: 200, rateWindowMs: 20, minBytesPerSecond: 1_000_000 });
    stream.write(body(50_000));
    assert.equal(await status(reading), 429);
  });

  it('says how long the body had and what came when the deadline passes', async () => {
    const stream = new PassThrough();
    const reading = readJsonBody(stream, new InFlightBudget(1000).open(), { ...LIMITS, deadlineMs: 50 });
    stream.write('{"a":');
    const error = await reading.catch((e: unknown) => e);
    assert.ok(error instanceof BodyError);
    assert.equal(error.message, 'the body did not arrive within 0.05 s (5 bytes came)');
  });

  it('reads a body of exactly the byte limit and of exactly the heap limit, and says which limit a larger one passed', async () => {
    const read = (text: string, limits: Partial<BodyLimits>): Promise<unknown> => {
      const stream = new PassThrough();
      const reading = readJsonBody(stream, new InFlightBudget(100 * 2 ** 20).open(), { ...LIMITS, ...limits });
      stream.end(text);
      return reading.then(
        (parsed) => parsed.value,
        (error: unknown) => error,
      );
    };
    const text = body(1000);
    assert.deepEqual(await read(text, { maxBodyBytes: Buffer.byteLength(text) }), JSON.parse(text));
    const over = await read(text, { maxBodyBytes: Buffer.byteLength(text) - 1 });
    assert.ok(over instanceof BodyError);
    assert.equal(over.message, `the body is over ${Buffer.byteLength(text) - 1} bytes`);
    const heap = jsonCost(Buffer.from(text), 64).heapBytes;
    assert.deepEqual(await read(text, { maxParsedBytes: heap }), JSON.parse(text));
    assert.ok((await read(text, { maxParsedBytes: heap - 1 })) instanceof BodyError);
    const bad = await read('{"a":1,}', {});
    assert.ok(bad instanceof BodyError);
    assert.match(bad.message, /^the body is not valid JSON: /);
  });

  it('an empty body is read as no value, costing nothing', async () => {
    const stream = new PassThrough();
    const reading = readJsonBody(stream, new InFlightBudget(1000).open(), LIMITS);
    stream.end();
    assert.deepEqual(await reading, { value: undefined, heapBytes: 0 });
  });

  it('says so when the stream fails or closes before the body ends', async () => {
    const failing = new PassThrough();
    const failed = readJsonBody(failing, new InFlightBudget(1000).open(), LIMITS);
    failing.destroy(new Error('connection reset'));
    const failure = await failed.catch((e: unknown) => e);
    assert.ok(failure instanceof BodyError);
    assert.deepEqual([failure.statusCode, failure.message], [400, 'the body could not be read: connection reset']);
    const closing = new PassThrough();
    const closed = readJsonBody(closing, new InFlightBudget(1000).open(), LIMITS);
    closing.write('{"a":');
    setImmediate(() => closing.destroy());
    const early = await closed.catch((e: unknown) => e);
    assert.ok(early instanceof BodyError);
    assert.deepEqual([early.statusCode, early.message], [400, 'the connection closed after 5 bytes of the body']);
  });
});
