// Reading a review's body within bounds counted in the units that run out:
// bytes of memory actually received (not the Content-Length a caller
// declares), the heap the parsed value will take (estimated from its bytes
// before JSON.parse runs), and the time a caller may take to send it.

import type { Readable } from 'node:stream';
import { jsonCost } from '../model/json-cost.js';

export interface BodyLimits {
  /** Bytes of one body on the wire. */
  maxBodyBytes: number;
  /** Estimated heap bytes of one parsed body (model/json-cost.ts). */
  maxParsedBytes: number;
  /** Nesting of objects and arrays in one body: every walk of it recurses. */
  maxDepth: number;
  /** The whole body must have arrived this long after its headers. */
  deadlineMs: number;
  /** Each window of this length, from the headers on, must bring at least
   * minBytesPerSecond × window until the body is complete: a trickle is cut
   * long before the deadline. kube-apiserver sends a body at once. */
  rateWindowMs: number;
  minBytesPerSecond: number;
}

/** A parsed body and the heap it was estimated to take. */
export interface ParsedBody {
  value: unknown;
  heapBytes: number;
}

/** An HTTP status and a message for the caller; thrown as an Error. */
export class BodyError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);

/** Memory held by the reviews being read and answered, in bytes: what was
 * received plus the estimated heap of what was parsed, released when each
 * answer is sent or its connection closes. A review whose next bytes do not
 * fit waits (its socket paused: the kernel's buffers hold the rest) until
 * others release theirs; the oldest review in flight always proceeds, so
 * reviews that arrive together finish one after another instead of all
 * holding part of the budget and none completing. Memory is therefore
 * bounded by the limit plus one review. */
export class InFlightBudget {
  private used = 0;
  /** In arrival order: the first is the oldest. */
  private readonly charges = new Set<Charge>();
  private waiting: Array<() => void> = [];

  constructor(readonly limit: number) {}

  get inUse(): number {
    return this.used;
  }

  open(): Charge {
    const charge = new Charge(this);
    this.charges.add(charge);
    return charge;
  }

  /** @internal Charge's side of the books. */
  take(charge: Charge, bytes: number): boolean {
    const oldest = this.charges.values().next().value === charge;
    if (!oldest && this.used + bytes > this.limit) return false;
    this.used += bytes;
    return true;
  }

  /** @internal Called again (once) whenever bytes are released. */
  wait(retry: () => void): void {
    this.waiting.push(retry);
  }

  /** @internal */
  close(charge: Charge, bytes: number): void {
    this.used -= bytes;
    this.charges.delete(charge);
    const waiting = this.waiting;
    this.waiting = [];
    for (const retry of waiting) retry();
  }
}

/** One review's share of the budget. */
export class Charge {
  held = 0;
  private released = false;

  constructor(private readonly budget: InFlightBudget) {}

  /** Adds `bytes` when they fit; else false, and `retry` runs when some are released. */
  tryAdd(bytes: number, retry: () => void): boolean {
    if (this.released) return true;
    if (!this.budget.take(this, bytes)) {
      this.budget.wait(retry);
      return false;
    }
    this.held += bytes;
    return true;
  }

  release(): void {
    // Stryker disable next-line ConditionalExpression: equivalent, a second release gives back the 0 bytes it holds
    if (this.released) return;
    this.released = true;
    this.budget.close(this, this.held);
    this.held = 0;
  }

  /** Why a review that waited until its deadline is refused. */
  overBudget(): BodyError {
    return new BodyError(429, `${mib(this.budget.inUse)} MiB of reviews are already being answered (the limit is ${mib(this.budget.limit)} MiB): retry`);
  }
}

/** Reads and parses a JSON body, charging `charge` as bytes arrive and with
 * the parsed value's estimated heap before it is parsed. Rejects with a
 * BodyError (413 too large or too costly, 408 too slow, 429 still waiting
 * for the budget at the deadline, 400 not JSON); the caller closes the
 * connection then. Time spent waiting for the budget is not the caller's:
 * the minimum rate is not applied to it. */
export function readJsonBody(payload: Readable, charge: Charge, limits: BodyLimits): Promise<ParsedBody> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let atLastWindow = 0;
    let waiting = false;
    let ended = false;
    let settled = false;
    const finish = (outcome: BodyError | ParsedBody): void => {
      // Stryker disable next-line ConditionalExpression: equivalent, a promise settles once and the clean-up may repeat
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      clearInterval(rate);
      // Stryker disable next-line StringLiteral: equivalent, the stream is paused below and brings no more data
      payload.removeListener('data', onData);
      if (outcome instanceof BodyError) {
        // Nothing more of it is read or kept; the caller closes the connection.
        payload.pause();
        reject(outcome);
      } else resolve(outcome);
    };
    const deadline = setTimeout(() => {
      finish(waiting ? charge.overBudget() : new BodyError(408, `the body did not arrive within ${limits.deadlineMs / 1000} s (${received} bytes came)`));
    }, limits.deadlineMs);
    const rate = setInterval(() => {
      const minimum = (limits.minBytesPerSecond * limits.rateWindowMs) / 1000;
      if (!waiting && received - atLastWindow < minimum) {
        finish(new BodyError(408, `the body arrives slower than ${limits.minBytesPerSecond} bytes a second (${received} bytes so far)`));
      }
      atLastWindow = received;
    }, limits.rateWindowMs);
    /** Charges `bytes`, then runs `then`; waits, paused, while they do not fit. */
    const charged = (bytes: number, then: () => void): void => {
      const retry = (): void => {
        if (settled) return;
        if (!charge.tryAdd(bytes, retry)) return;
        waiting = false;
        then();
      };
      if (charge.tryAdd(bytes, retry)) {
        then();
        return;
      }
      waiting = true;
      payload.pause();
    };
    const onData = (chunk: Buffer): void => {
      received += chunk.length;
      if (received > limits.maxBodyBytes) {
        finish(new BodyError(413, `the body is over ${limits.maxBodyBytes} bytes`));
        return;
      }
      charged(chunk.length, () => {
        chunks.push(chunk);
        if (ended) parse();
        // Stryker disable next-line ConditionalExpression: equivalent, resuming a flowing stream changes nothing
        else if (payload.isPaused()) payload.resume();
      });
    };
    payload.on('data', onData);
    payload.once('error', (error: Error) => {
      finish(new BodyError(400, `the body could not be read: ${error.message}`));
    });
    payload.once('close', () => {
      if (!ended) finish(new BodyError(400, `the connection closed after ${received} bytes of the body`));
    });
    payload.once('end', () => {
      ended = true;
      // A last chunk still waiting for the budget parses once it is in.
      if (!waiting) parse();
    });
    const parse = (): void => {
      // Stryker disable next-line ConditionalExpression: equivalent, what a settled review parses is never used
      if (settled) return;
      const body = Buffer.concat(chunks);
      if (body.length === 0) {
        finish({ value: undefined, heapBytes: 0 });
        return;
      }
      const cost = jsonCost(body, limits.maxDepth);
      if (cost.depth > limits.maxDepth) {
        finish(new BodyError(413, `the body nests deeper than ${limits.maxDepth} levels: not an AdmissionReview`));
        return;
      }
      if (cost.heapBytes > limits.maxParsedBytes) {
        finish(
          new BodyError(
            413,
            `the body would take about ${mib(cost.heapBytes)} MiB of memory to read (the limit is ${mib(limits.maxParsedBytes)} MiB): not an AdmissionReview`,
          ),
        );
        return;
      }
      charged(cost.heapBytes, () => {
        try {
          finish({ value: JSON.parse(body.toString('utf8')) as unknown, heapBytes: cost.heapBytes });
        } catch (error) {
          finish(new BodyError(400, `the body is not valid JSON: ${(error as Error).message.slice(0, 200)}`));
        }
      });
    };
  });
}
