// The one shape of a step that can fail: its value, or every problem found.
// Steps report all their problems at once (a user fixes a manifest in one
// round, not one error at a time), so problems are always a list.

export type Result<T, P = string> = { ok: true; value: T } | { ok: false; problems: P[] };

export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

export function failed<P>(...problems: P[]): { ok: false; problems: P[] } {
  return { ok: false, problems };
}

/** Collects the problems of several steps, so that one run reports them all. */
export class ProblemList<P = string> {
  private readonly problems: P[] = [];

  add(...problems: readonly P[]): void {
    this.problems.push(...problems);
  }

  /** The step's value; on failure its problems are kept and `fallback` stands in. */
  take<T>(result: Result<T, P>, fallback: T): T {
    if (result.ok) return result.value;
    this.add(...result.problems);
    return fallback;
  }

  isEmpty(): boolean {
    return this.problems.length === 0;
  }

  /** How many were collected so far. */
  get count(): number {
    return this.problems.length;
  }

  all(): readonly P[] {
    return this.problems;
  }

  /** `value` when nothing was collected, else every problem. */
  result<T>(value: T): Result<T, P> {
    return this.isEmpty() ? ok(value) : failed(...this.problems);
  }
}
