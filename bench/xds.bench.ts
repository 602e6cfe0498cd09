// `make bench`, the control plane: `serve --xds-port` with the Deployment's
// heap against the stand-in API server holding 2,000 xds-mode pods, each
// proxy a real gRPC client on its own TLS connection speaking ADS as Envoy
// does (node, four types, ACKs). Measured: the time for 2,000 proxies
// reconnecting at once to be served all four types, the server's RSS with
// them connected, how long one EndpointSlice change takes to reach every
// stream that routes to its Service (p50/p99/max), and the webhook's
// throughput with the streams connected against without.

import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { generateWebhookCertificates } from '../src/certs/generate.js';
import { DEFAULT_CONFIG, type InjectorConfig } from '../src/config/config.js';
import { evaluatePod } from '../src/inject/evaluate.js';
import type { Pod } from '../src/model/kubernetes.js';
import { ANNOTATION } from '../src/model/names.js';
import { adsClient, openStream, type AdsClient, type Stream } from '../test/support/ads-client.js';
import { WEBHOOK_SERVER_NAME } from '../test/support/apiserver.js';
import { FakeKubeApi, type StoredObject } from '../test/support/kube-api.js';
import { processMemoryMiB } from '../test/support/memory.js';
import { DEPLOYED_CLI, deployedNodeOptions } from '../test/support/repo.js';
import { review, pod as reviewedPod } from './bodies.js';

const quick = process.argv.includes('--quick');
const PROXIES = quick ? 500 : 2000;
/** Pods per Service: a slice change of one Service concerns this many streams; the shared one, all. */
const SERVICES = 20;
const TYPES = [
  'type.googleapis.com/envoy.config.cluster.v3.Cluster',
  'type.googleapis.com/envoy.config.listener.v3.Listener',
  'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
  'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
];

const routes = (service: string): string =>
  JSON.stringify({
    virtual_hosts: [
      {
        name: 'h',
        domains: ['h.example.com'],
        routes: [
          { match: { prefix: '/shared' }, route: { cluster: 'shared:80' } },
          { match: { prefix: '/' }, route: { cluster: `${service}:80` } },
        ],
      },
    ],
  });

function slice(service: string, generation: number): StoredObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${service}-slice`, namespace: 'shop', labels: { 'kubernetes.io/service-name': service } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 8080 }],
    endpoints: Array.from({ length: 10 }, (_, i) => ({ addresses: [`10.${generation % 250}.${i}.1`], zone: `zone-${i % 3}`, conditions: { ready: true } })),
  };
}

function percentile(sorted: readonly number[], p: number): number {
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0);
}

interface Proxy {
  client: AdsClient;
  stream: Stream;
  /** Resolves at the next response of the given type, with its arrival time. */
  next: Map<string, (at: number) => void>;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'envoy-injector-xds-bench-'));
  const certificates = await generateWebhookCertificates({ service: 'envoy-injector', namespace: 'envoy-injector' });
  for (const [file, text] of [
    ['tls.crt', certificates.cert],
    ['tls.key', certificates.key],
    ['ca.crt', certificates.caCert],
  ] as const)
    writeFileSync(join(dir, file), text);
  const config: InjectorConfig = { ...DEFAULT_CONFIG, xds: { ...DEFAULT_CONFIG.xds, caBundle: certificates.caCert } };

  const api = new FakeKubeApi();
  await api.start();
  api.put('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { 'envoy-injector.io/inject': 'enabled' } } });
  const services = [...Array.from({ length: SERVICES }, (_, i) => `svc-${i}`), 'shared'];
  for (const service of services) {
    api.put('services', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: service, namespace: 'shop' },
      spec: { ports: [{ name: 'http', port: 80, targetPort: 8080 }] },
    });
    api.put('endpointslices', slice(service, 0));
  }
  // One injection per Service's workload; its pods differ by name and uid, as a ReplicaSet's do.
  const templates = Array.from({ length: SERVICES }, (_, i) => {
    const outcome = evaluatePod({
      pod: {
        metadata: { name: `w${i}`, namespace: 'shop', annotations: { [ANNOTATION.configSource]: 'xds', [ANNOTATION.routes]: routes(`svc-${i}`) } },
        spec: { containers: [{ name: 'app', image: 'app' }] },
      },
      namespace: { name: 'shop' },
      config,
    });
    if (outcome.kind !== 'injected') throw new Error('not injected');
    return outcome.pod;
  });
  for (let i = 0; i < PROXIES; i++) {
    const template = templates[i % SERVICES] as Pod;
    api.put('pods', { ...template, metadata: { ...template.metadata, name: `p${i}`, uid: `uid-${i}` }, status: { phase: 'Running' } });
    api.tokens.set(`token-${i}`, {
      username: 'system:serviceaccount:shop:default',
      audiences: ['envoy-injector'],
      extra: { 'authentication.kubernetes.io/pod-name': [`p${i}`], 'authentication.kubernetes.io/pod-uid': [`uid-${i}`] },
    });
  }

  const log = join(dir, 'serve.log');
  const output = openSync(log, 'w');
  const server: ChildProcess = spawn(process.execPath, [DEPLOYED_CLI, 'serve', '--port', '0', '--address', '127.0.0.1', '--cert-dir', dir, '--xds-port', '0'], {
    stdio: ['ignore', output, output],
    env: { ...process.env, NODE_OPTIONS: deployedNodeOptions(), KUBECONFIG: api.writeKubeconfig(join(dir, 'kubeconfig')), HOME: dir },
  });
  closeSync(output);
  // The log goes to a file, not through this process: its event loop is the 2,000 proxies'.
  const ports = await new Promise<{ webhook: number; xds: number }>((resolve, reject) => {
    const poll = setInterval(() => {
      const text = readFileSync(log, 'utf8').slice(0, 20_000);
      const webhook = /listening at https:\/\/127\.0\.0\.1:(\d+)/.exec(text)?.[1];
      const xds = /xDS \(ADS\) listening at 127\.0\.0\.1:(\d+)/.exec(text)?.[1];
      if (webhook !== undefined && xds !== undefined) {
        clearInterval(poll);
        resolve({ webhook: Number(webhook), xds: Number(xds) });
      }
      if (server.exitCode !== null) reject(new Error(text));
    }, 50);
  });
  while (api.watchers('pods') === 0 || api.watchers('endpointslices') === 0) await new Promise((resolve) => setTimeout(resolve, 50));
  const body = JSON.stringify(review(reviewedPod('typical')));
  const webhookAlone = await throughputRounds(ports.webhook, body);

  // 2,000 proxies reconnecting at once: each its own connection, stream and token.
  const rssBefore = processMemoryMiB(server.pid, 'VmRSS');
  const cpuBefore = cpuSeconds(server.pid);
  const benchCpuBefore = process.cpuUsage();
  const started = performance.now();
  const proxies: Proxy[] = [];
  const served: Array<Promise<void>> = [];
  for (let i = 0; i < PROXIES; i++) {
    const client = adsClient(ports.xds, certificates.caCert, { 'grpc.use_local_subchannel_pool': 1 });
    const { stream } = openStream(client, `token-${i}`);
    const proxy: Proxy = { client, stream, next: new Map() };
    proxies.push(proxy);
    const seen = new Set<string>();
    served.push(
      new Promise<void>((resolve) => {
        stream.on('data', (response: { type_url: string; version_info: string; nonce: string }) => {
          stream.write({ type_url: response.type_url, version_info: response.version_info, response_nonce: response.nonce });
          proxy.next.get(response.type_url)?.(performance.now());
          proxy.next.delete(response.type_url);
          seen.add(response.type_url);
          if (seen.size === TYPES.length) resolve();
        });
      }),
    );
    stream.on('error', () => undefined);
    stream.write({ node: { id: `p${i}.shop` }, type_url: TYPES[0] });
    stream.write({ type_url: TYPES[1] });
    stream.write({ type_url: TYPES[2], resource_names: ['shared.shop:80', `svc-${i % SERVICES}.shop:80`] });
    stream.write({ type_url: TYPES[3], resource_names: ['outbound'] });
  }
  await Promise.all(served);
  const acceptSeconds = (performance.now() - started) / 1000;
  const serverCpu = cpuSeconds(server.pid) - cpuBefore;
  const benchCpu = (process.cpuUsage(benchCpuBefore).user + process.cpuUsage(benchCpuBefore).system) / 1e6;
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const rss = processMemoryMiB(server.pid, 'VmRSS');
  const peak = processMemoryMiB(server.pid, 'VmHWM');

  const edsChange = async (service: string, generation: number, concerned: readonly Proxy[]): Promise<number[]> => {
    const arrivals = concerned.map((proxy) => new Promise<number>((resolve) => proxy.next.set(TYPES[2] ?? '', resolve)));
    const at = performance.now();
    api.put('endpointslices', slice(service, generation));
    return (await Promise.all(arrivals)).map((arrival) => arrival - at).sort((a, b) => a - b);
  };
  const allStreams = await edsChange('shared', 1, proxies);
  const oneService = await edsChange(
    'svc-3',
    1,
    proxies.filter((_, i) => i % SERVICES === 3),
  );
  const webhookWithStreams = await throughputRounds(ports.webhook, body);

  const lines = [
    `xDS control plane, ${PROXIES} proxies (each its own TLS connection and ADS stream), serve with NODE_OPTIONS=${deployedNodeOptions()}`,
    `  ${PROXIES} proxies reconnecting at once, all served LDS, RDS, CDS and EDS: ${acceptSeconds.toFixed(1)} s (CPU: server ${serverCpu.toFixed(1)} s, the proxies and the stand-in API server ${benchCpu.toFixed(1)} s, on ${availableParallelism()} cores)`,
    `  server RSS with them connected: ${rss} MiB (peak ${peak} MiB, ${rssBefore} MiB before they connected; the Deployment's limit is 256 MiB)`,
    `  one EndpointSlice change of a Service all ${PROXIES} route to, to every stream: p50 ${percentile(allStreams, 50)} ms, p99 ${percentile(allStreams, 99)} ms, max ${percentile(allStreams, 100)} ms (100 ms of it is the debounce)`,
    `  one EndpointSlice change of a Service ${PROXIES / SERVICES} route to, to those streams: p50 ${percentile(oneService, 50)} ms, p99 ${percentile(oneService, 99)} ms, max ${percentile(oneService, 100)} ms`,
    `  webhook, typical pod, 32 connections, median of ${ROUNDS} rounds [min–max]: ${rate(webhookAlone)} req/s without streams, ${rate(webhookWithStreams)} req/s with ${PROXIES} streams connected`,
  ];
  console.log(lines.join('\n'));
  for (const proxy of proxies) proxy.client.close();
  server.kill('SIGTERM');
  await api.stop();
  process.exit(0);
}

/** user + system CPU of a process, from /proc (clock ticks of 1/100 s). */
function cpuSeconds(pid: number | undefined): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Rounds of the webhook's throughput in each state: one round on this shared machine varies by ±15 %. */
const ROUNDS = 3;

function rate(rounds: readonly number[]): string {
  const sorted = [...rounds].sort((a, b) => a - b);
  return `${sorted[Math.floor(sorted.length / 2)]} [${sorted[0]}–${sorted.at(-1)}]`;
}

async function throughputRounds(port: number, body: string): Promise<number[]> {
  const rounds: number[] = [];
  for (let round = 0; round < ROUNDS; round++) rounds.push(await throughput(port, body));
  return rounds;
}

async function throughput(port: number, body: string): Promise<number> {
  const run = (seconds: number): Promise<autocannon.Result> =>
    autocannon({
      url: `https://127.0.0.1:${port}/mutate`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      connections: 32,
      duration: seconds,
      servername: WEBHOOK_SERVER_NAME,
    });
  await run(0.5);
  const result = await run(quick ? 2 : 5);
  return Math.round(result.requests.total / result.duration);
}

await main();
