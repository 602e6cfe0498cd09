// `make bench`: the webhook as kube-apiserver meets it. The real `serve`
// process over HTTPS on loopback, driven by autocannon over keep-alive
// connections with real AdmissionReview bodies in four sizes, against the
// floor: a bare node:https server that answers the injector's own answer for
// the same body, canned, in the same run. Also the server-side cost per
// review by pod size, RSS under sustained load, and the bytes injection adds.
// `--quick` (make bench -- --quick) finishes in under a minute.

import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import type { Agent } from 'node:https';
import { closeSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { reviewAdmission } from '../src/admission/review.js';
import { generateWebhookCertificates } from '../src/certs/generate.js';
import { DEFAULT_CONFIG } from '../src/config/config.js';
import { makeAgent, post, WEBHOOK_SERVER_NAME } from '../test/support/apiserver.js';
import { processMemoryMiB } from '../test/support/memory.js';
import { DEPLOYED_CLI, deployedNodeOptions, repoPath } from '../test/support/repo.js';
import { pod, review, type Size } from './bodies.js';

const quick = process.argv.includes('--quick');
/** Each row alternates the floor and the injector, round after round, so a
 * noisy moment on a shared machine falls on both rather than on one. */
const ROUNDS = quick ? 2 : 3;
const SECONDS_PER_ROUND = quick ? 1 : 4;
/** `fresh`: every request a different pod (a unique label), so no answer is
 * reused and the row shows the full cost of a review; the other rows send
 * one pod again and again, as a ReplicaSet scaling up does. */
const ROWS: Array<{ size: Size; connections: number; fresh?: boolean }> = [
  { size: 'small', connections: 32 },
  { size: 'typical', connections: 32 },
  { size: 'typical', connections: 32, fresh: true },
  // Latency where queueing does not dominate it: 32 requests in flight wait
  // 32 / (req/s) on average whatever each one costs.
  { size: 'typical', connections: 4 },
  { size: 'large', connections: 8 },
  { size: 'huge', connections: 2 },
];
/** Both servers run with the heap the Deployment gives the webhook, so RSS
 * and GC are what a cluster sees. */
const DEPLOYED_NODE_OPTIONS = deployedNodeOptions();
/** autocannon replaces it with a new id in each request. */
const REQUEST_ID = '[<id>]';
const WARM_UP_SECONDS = 0.5;

interface Load {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
}

/** Starts a server whose output goes to a file, not through this process:
 * the load generator shares this event loop, and reading a log line per
 * request here would slow the client, not the server. */
async function startProcess(args: string[], logFile: string, ready: RegExp): Promise<{ child: ChildProcess; port: number }> {
  const output = openSync(logFile, 'w');
  const child = spawn(process.execPath, args, { stdio: ['ignore', output, output], env: { ...process.env, NODE_OPTIONS: DEPLOYED_NODE_OPTIONS } });
  closeSync(output);
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const text = readFileSync(logFile, 'utf8').slice(0, 10_000);
    const match = ready.exec(text);
    if (match) return { child, port: Number(match[1]) };
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`exited: ${text}`);
  }
}

function loadOnce(port: number, body: string, connections: number, seconds: number): Promise<autocannon.Result> {
  return autocannon({
    url: `https://127.0.0.1:${port}/mutate`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    idReplacement: body.includes(REQUEST_ID),
    connections,
    duration: seconds,
    servername: WEBHOOK_SERVER_NAME,
  });
}

/** The rounds of one server, summed: req/s over all of them (as timed by
 * autocannon), the mean p50, and the worst p99 and max of any round. */
function summarize(results: autocannon.Result[]): Load {
  const total = results.reduce((sum, r) => sum + r.requests.total, 0);
  const seconds = results.reduce((sum, r) => sum + r.duration, 0);
  return {
    requestsPerSecond: Math.round(total / seconds),
    p50: Math.round((results.reduce((sum, r) => sum + r.latency.p50, 0) / results.length) * 10) / 10,
    p99: Math.max(...results.map((r) => r.latency.p99)),
    max: Math.max(...results.map((r) => r.latency.max)),
    errors: results.reduce((sum, r) => sum + r.errors + r.timeouts + r.non2xx, 0),
  };
}

/** The floor and the injector under the same load, alternating. */
async function compare(floorPort: number, ourPort: number, body: string, connections: number): Promise<{ floor: Load; ours: Load }> {
  // Both compile their hot paths before they are measured.
  await loadOnce(floorPort, body, connections, WARM_UP_SECONDS);
  await loadOnce(ourPort, body, connections, WARM_UP_SECONDS);
  const floor: autocannon.Result[] = [];
  const ours: autocannon.Result[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    floor.push(await loadOnce(floorPort, body, connections, SECONDS_PER_ROUND));
    ours.push(await loadOnce(ourPort, body, connections, SECONDS_PER_ROUND));
  }
  return { floor: summarize(floor), ours: summarize(ours) };
}

/** Peak RSS since the last reset (Linux: writing 5 to clear_refs resets VmHWM). */
function resetPeak(pid: number | undefined): void {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    // Not permitted here: the peak then counts from the start.
  }
}

/** Server-side work for one review, in-process: parse, review, answer. The
 * answer is not reused; settings and templates are, after the first run, as
 * for a workload's next replicas (inject.bench.ts shows a first pod too). */
function serverSideMs(body: string, runs: number): number {
  const times: number[] = [];
  for (let i = 0; i < runs + 5; i++) {
    const started = process.hrtime.bigint();
    JSON.stringify(reviewAdmission(JSON.parse(body), { config: DEFAULT_CONFIG }).review);
    if (i >= 5) times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  times.sort((a, b) => a - b);
  return Number((times[Math.floor(times.length / 2)] ?? 0).toFixed(3));
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'envoy-injector-bench-'));
  // Not in the certificate directory: the server watches that one, and would
  // re-read its certificate at every line of its own log.
  const logs = mkdtempSync(join(tmpdir(), 'envoy-injector-bench-logs-'));
  const certificates = await generateWebhookCertificates({ service: 'envoy-injector', namespace: 'envoy-injector' });
  writeFileSync(join(dir, 'tls.crt'), certificates.cert);
  writeFileSync(join(dir, 'tls.key'), certificates.key);
  const server = await startProcess(
    [DEPLOYED_CLI, 'serve', '--cert-dir', dir, '--port', '0', '--address', '127.0.0.1'],
    join(logs, 'serve.log'),
    /listening at https:\/\/127\.0\.0\.1:(\d+)/,
  );
  const rows: Array<Record<string, unknown>> = [];
  const agent = makeAgent(certificates.caCert);
  try {
    for (const { size, connections, fresh } of ROWS) {
      const body = JSON.stringify(review(pod(size, undefined, fresh ? REQUEST_ID : undefined)));
      const answer = (await post(agent, server.port, '/mutate', body.replace(REQUEST_ID, 'floor'))).body;
      const answerFile = join(dir, `${size}${fresh ? '-fresh' : ''}.answer.json`);
      writeFileSync(answerFile, answer);
      const floor = await startProcess([repoPath('dist', 'bench', 'floor-server.js'), dir, answerFile], join(logs, 'floor.log'), /listening on (\d+)/);
      resetPeak(server.child.pid);
      console.error(`[${Math.round(performance.now() / 1000)} s] ${size}${fresh ? ', fresh' : ''}, ${connections} connections`);
      const { floor: floorLoad, ours } = await compare(floor.port, server.port, body, connections);
      floor.child.kill('SIGTERM');
      rows.push({
        size: fresh ? `${size}, fresh` : size,
        bodyKiB: Math.round(body.length / 1024),
        connections,
        ...Object.fromEntries(Object.entries(ours).map(([k, v]) => [k, v])),
        floorRequestsPerSecond: floorLoad.requestsPerSecond,
        floorP99: floorLoad.p99,
        ratioToFloor: Number((ours.requestsPerSecond / Math.max(1, floorLoad.requestsPerSecond)).toFixed(2)),
        peakRssMiB: processMemoryMiB(server.child.pid, 'VmHWM'),
        serverSideMs: serverSideMs(body.replace(REQUEST_ID, 'in-process'), size === 'huge' ? 20 : 200),
      });
    }
    const sustained = await sustainedRss(server, agent);
    const scaling = [10, 100, 1000, 5000].map((env) => ({
      envVars: env,
      serverSideMs: serverSideMs(JSON.stringify(review(pod('typical', env))), env > 1000 ? 50 : 200),
    }));
    const added = bytesAdded();
    report(rows, scaling, sustained, added);
    const settings = { quick, rounds: ROUNDS, secondsPerRound: SECONDS_PER_ROUND, nodeOptions: DEPLOYED_NODE_OPTIONS };
    writeFileSync('bench-results.json', `${JSON.stringify({ ...settings, rows, scaling, sustained, added }, null, 2)}\n`);
  } finally {
    agent.destroy();
    server.child.kill('SIGTERM');
  }
}

/** RSS under sustained typical load, fresh pods, sampled every second. */
async function sustainedRss(server: { child: ChildProcess; port: number }, agent: Agent): Promise<Record<string, number>> {
  const seconds = quick ? 6 : 60;
  const samples: number[] = [];
  const timer = setInterval(() => samples.push(processMemoryMiB(server.child.pid, 'VmRSS')), 1000);
  // Every pod different: the remembered answers churn at their bound.
  const body = JSON.stringify(review(pod('typical', undefined, REQUEST_ID)));
  await post(agent, server.port, '/mutate', body.replace(REQUEST_ID, 'first'));
  const result = summarize([await loadOnce(server.port, body, 32, seconds)]);
  clearInterval(timer);
  const tenth = Math.max(1, Math.floor(samples.length / 10));
  const average = (list: number[]): number => Math.round(list.reduce((a, b) => a + b, 0) / Math.max(1, list.length));
  return {
    seconds,
    requestsPerSecond: result.requestsPerSecond,
    errors: result.errors,
    firstTenthMiB: average(samples.slice(0, tenth)),
    lastTenthMiB: average(samples.slice(-tenth)),
    maxMiB: Math.max(...samples),
  };
}

function bytesAdded(): Record<string, number> {
  const small = pod('small');
  const outcome = reviewAdmission(review(small), { config: DEFAULT_CONFIG });
  const patch = Buffer.from(outcome.review.response.patch ?? '', 'base64').toString('utf8');
  const annotations = (JSON.parse(patch) as Array<{ path: string; value: unknown }>).find((op) => op.path === '/metadata/annotations')?.value as Record<
    string,
    string
  >;
  return {
    podBytes: JSON.stringify(small).length,
    patchBytes: patch.length,
    ...Object.fromEntries(Object.entries(annotations).map(([key, value]) => [key.replace('envoy-injector.io/', ''), value.length])),
  };
}

function report(
  rows: Array<Record<string, unknown>>,
  scaling: Array<Record<string, number>>,
  sustained: Record<string, number>,
  added: Record<string, number>,
): void {
  const line = (cells: unknown[]): string => `| ${cells.map(String).join(' | ')} |`;
  console.log(
    `\nenvoy-injector vs the floor: ${ROUNDS} alternating rounds of ${SECONDS_PER_ROUND} s each${quick ? ' (--quick)' : ''}; both servers with NODE_OPTIONS=${DEPLOYED_NODE_OPTIONS}\n`,
  );
  console.log(
    line([
      'size',
      'body KiB',
      'conns',
      'req/s',
      'p50 ms',
      'p99 ms',
      'max ms',
      'errors',
      'floor req/s',
      'floor p99 ms',
      'ratio',
      'peak RSS MiB',
      'server-side ms',
    ]),
  );
  console.log(line(Array(13).fill('---')));
  for (const r of rows) {
    console.log(
      line([
        r.size,
        r.bodyKiB,
        r.connections,
        r.requestsPerSecond,
        r.p50,
        r.p99,
        r.max,
        r.errors,
        r.floorRequestsPerSecond,
        r.floorP99,
        r.ratioToFloor,
        r.peakRssMiB,
        r.serverSideMs,
      ]),
    );
  }
  console.log(`\nserver-side ms per review by env vars: ${scaling.map((s) => `${s.envVars} → ${s.serverSideMs}`).join(', ')}`);
  console.log(
    `sustained ${sustained.seconds} s of typical load: ${sustained.requestsPerSecond} req/s, ${sustained.errors} errors, RSS first tenth ${sustained.firstTenthMiB} MiB, last tenth ${sustained.lastTenthMiB} MiB, max ${sustained.maxMiB} MiB`,
  );
  console.log(
    `a plain pod of ${added.podBytes} bytes gets a ${added.patchBytes}-byte patch; annotation bytes: ${Object.entries(added)
      .filter(([k]) => !k.endsWith('Bytes'))
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  console.log('\nwritten to bench-results.json');
}

await main();
