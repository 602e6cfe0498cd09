// The periodic end-to-end self-test: every interval, a dry-run create of the
// probe pod through the API server; the verdict goes to a gauge and a log
// line. Off unless `serve --self-test-every`.

import { probePod, probeVerdict } from '../inject/self-test.js';
import type { Pod } from '../model/kubernetes.js';

export interface SelfTestResult {
  success: boolean;
  message: string;
}

export interface SelfTestOptions {
  namespace: string;
  intervalMs: number;
  /** Creates the pod as a server-side dry run and returns what the API server answered. */
  dryRunCreate: (pod: Pod) => Promise<Pod>;
  onResult: (result: SelfTestResult) => void;
  /** A dry run not answered by then is a failure (and the next run is not held up by it). */
  timeoutMs?: number;
}

/** Far above a dry-run create's round trip (the webhook's own timeout is 5 s). */
const DEFAULT_TIMEOUT_MS = 30_000;

/** `promise`, or a rejection after `ms`. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`${what} did not answer within ${ms / 1000} s`));
    }, ms);
  });
  return Promise.race([promise, timeout]).finally(() => {
    clearTimeout(timer);
  });
}

export interface SelfTest {
  runOnce(): Promise<SelfTestResult>;
  stop(): void;
}

export function startSelfTest(options: SelfTestOptions): SelfTest {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const runOnce = async (): Promise<SelfTestResult> => {
    let result: SelfTestResult;
    try {
      const created = await within(options.dryRunCreate(probePod(options.namespace)), options.timeoutMs ?? DEFAULT_TIMEOUT_MS, 'the dry-run create');
      const verdict = probeVerdict(created, options.namespace);
      result = verdict.ok ? { success: true, message: verdict.value } : { success: false, message: verdict.problems.join('; ') };
    } catch (error) {
      result = { success: false, message: error instanceof Error ? error.message : String(error) };
    }
    options.onResult(result);
    return result;
  };
  const schedule = (delayMs: number): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      void runOnce().finally(() => schedule(options.intervalMs));
    }, delayMs);
    timer.unref();
  };
  // The first run soon after start, not one interval later: a broken network
  // path shows up while the rollout is still being watched.
  schedule(Math.min(options.intervalMs, 10_000));
  return {
    runOnce,
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
