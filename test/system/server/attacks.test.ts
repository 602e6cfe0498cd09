// The attacks a pod author (or anything that reaches port 8443) can mount,
// each as a regression test over real HTTPS: every review is answered, the
// process stays up, and nothing grows without bound. Outcomes only, never
// wall-clock time: timing is `make bench`'s.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import type { ClientRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect as netConnect } from 'node:net';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import selfsigned from 'selfsigned';
import { admissionReview, get, makeAgent, post, WEBHOOK_SERVER_NAME, type HttpResult } from '../../support/apiserver.js';
import { spawnServe, startTestWebhook, writeCertificates, type TestWebhook } from '../../support/webhook.js';
import { processMemoryMiB } from '../../support/memory.js';
import { deployedNodeOptions } from '../../support/repo.js';
import { temporaryDirectory } from '../../support/temp-dir.js';

const pod = (annotations: Record<string, string> = {}, metadata: Record<string, unknown> = {}): Record<string, unknown> => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'shop', annotations, ...metadata },
  spec: { containers: [{ name: 'app', image: 'x' }] },
});

describe('attacks on the webhook', () => {
  let webhook: TestWebhook;
  let agent: ReturnType<typeof makeAgent>;
  before(async () => {
    webhook = await startTestWebhook({ requestTimeoutMs: 2000 });
    agent = makeAgent(webhook.certificates.caCert);
  });
  after(async () => {
    agent.destroy();
    await webhook.server.close();
  });

  async function review(
    object: unknown,
    overrides: Record<string, unknown> = {},
  ): Promise<HttpResult & { allowed: boolean; message: string; warnings: string[] }> {
    const result = await post(agent, webhook.server.port, '/mutate', JSON.stringify(admissionReview(object, overrides)));
    assert.equal(result.status, 200, result.body.slice(0, 200));
    const answer = JSON.parse(result.body) as { response: { allowed: boolean; status?: { message: string }; warnings?: string[] } };
    return { ...result, allowed: answer.response.allowed, message: answer.response.status?.message ?? '', warnings: answer.response.warnings ?? [] };
  }

  const alive = async (): Promise<void> => {
    assert.equal((await get(agent, webhook.server.port, '/healthz')).status, 200);
  };

  it('deeply nested routes ([ × 1000), twice: refused at once, no stack overflow', async () => {
    for (let i = 0; i < 2; i++) {
      const answer = await review(pod({ 'envoy-injector.io/routes': '['.repeat(1000) }));
      assert.equal(answer.allowed, false);
      assert.match(answer.message, /nests 100\d levels deep \(brackets, "- " and indentation\), over the limit of 64/);
    }
    await alive();
  });

  it('routes nested in block style ("- " × 1000, no bracket at all), twice with different text: refused, the process lives', async () => {
    for (const tail of ['x', 'y']) {
      const answer = await review(pod({ 'envoy-injector.io/routes': `${'- '.repeat(1000)}${tail}` }));
      assert.equal(answer.allowed, false);
      assert.match(answer.message, /nests 100\d levels deep/);
    }
    const stairs = Array.from({ length: 200 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n');
    assert.match((await review(pod({ 'envoy-injector.io/routes': stairs }))).message, /levels deep/);
    await alive();
  });

  it('500 domains × 681 http-ports (6.6 KB): refused with the product, computed before any list is built', async () => {
    const domains = Array.from({ length: 500 }, (_, i) => `d${i}`).join(',');
    const routes = `virtual_hosts:\n- name: a\n  domains: [${domains}]\n  routes: [{match: {prefix: /}, route: {cluster: b}}]\n`;
    const ports = Array.from({ length: 681 }, (_, i) => 1000 + i).join(',');
    const answer = await review(pod({ 'envoy-injector.io/routes': routes, 'envoy-injector.io/http-ports': ports }));
    assert.equal(answer.allowed, false);
    assert.match(answer.message, /would render 1368000 domain entries \(\d+\.\d KiB.*and 68\d HTTP ports .* over the 256\.0 KiB Kubernetes allows/);
    await alive();
  });

  it('373 regex routes: refused by their count before any is compiled; 64 are checked', async () => {
    const regexRoutes = (n: number): string =>
      `virtual_hosts:\n- name: h\n  domains: [x]\n  routes:\n${Array.from({ length: n }, (_, i) => `  - {match: {safe_regex: {regex: "^/a[0-9]{1,9}/${i}$"}}, route: {cluster: t}}`).join('\n')}\n`;
    const many = await review(pod({ 'envoy-injector.io/routes': regexRoutes(373) }));
    assert.equal(many.allowed, false);
    assert.match(many.message, /has 373 regexes, over the limit of 64/);
    assert.equal((await review(pod({ 'envoy-injector.io/routes': regexRoutes(64) }))).allowed, true);
  });

  it('32 KiB of bad routes: a refusal of a few KiB naming the first problems; hundreds of warnings cut to what kube-apiserver keeps', async () => {
    const hosts = Array.from(
      { length: 300 },
      (_, i) => `- {name: h${i}, domains: [s${i}], routes: [{match: {prefix: /}, route: {cluster: t, timeout: bad}}]}`,
    ).join('\n');
    const bad = await review(pod({ 'envoy-injector.io/routes': `virtual_hosts:\n${hosts}\n` }));
    assert.equal(bad.allowed, false);
    assert.ok(bad.body.length < 16 * 1024, `the refusal is ${bad.body.length} bytes`);
    assert.match(bad.message, /and 2\d\d more problems$/);
    // Every route shadowed by the one before it: a warning each.
    const shadowed = Array.from({ length: 600 }, (_, i) => `  - {match: {prefix: /a${i}}, route: {cluster: t}}`).join('\n');
    const warned = await review(
      pod({ 'envoy-injector.io/routes': `virtual_hosts:\n- name: h\n  domains: [x]\n  routes:\n  - {match: {prefix: /}, route: {cluster: t}}\n${shadowed}\n` }),
    );
    assert.equal(warned.allowed, true);
    assert.ok(warned.warnings.every((w) => w.length <= 256));
    assert.ok(warned.warnings.join('').length <= 4096, `${warned.warnings.join('').length} characters of warnings`);
    assert.match(warned.warnings.at(-1) ?? '', /^and \d+ more warnings$/);
  });

  it('a quantity of 100,000 digits and an x: refused in linear time, not echoed', async () => {
    const digits = `${'1'.repeat(100_000)}x`;
    for (const key of ['proxy-cpu', 'proxy-memory', 'proxy-cpu-limit', 'proxy-memory-limit']) {
      const answer = await review(pod({ [`envoy-injector.io/${key}`]: digits }));
      assert.equal(answer.allowed, false);
      assert.ok(answer.body.length < 2000, `${key}: the answer is ${answer.body.length} bytes`);
    }
    const short = await review(pod({ 'envoy-injector.io/proxy-cpu': `${'1'.repeat(3000)}x` }));
    assert.match(short.message, /is not a Kubernetes quantity/);
  });

  it('a generateName of 200,000 dashes: refused by its length at once', async () => {
    const answer = await review(pod({}, { name: undefined, generateName: `${'-'.repeat(200_000)}a` }));
    assert.equal(answer.allowed, false);
    assert.match(answer.message, /metadata\.generateName is 200001 characters, over Kubernetes' limit of 253/);
    // Within the limit, trailing dashes cost nothing either.
    const dashes = await review(pod({}, { name: undefined, generateName: `${'-'.repeat(250)}a-` }));
    assert.equal(dashes.allowed, true);
  });

  it('5,000 unknown envoy-injector.io keys: refused fast, naming the first ten', async () => {
    const flood = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`envoy-injector.io/prxy-cpu-${i}`, 'x']));
    const answer = await review(pod(flood));
    assert.equal(answer.allowed, false);
    const big = Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`envoy-injector.io/prxy-cpu-${i}`, 'x'.repeat(200)]));
    const over = await review(pod(big));
    assert.match(over.message, /metadata\.annotations are \d+\.\d KiB, over Kubernetes' limit of 256\.0 KiB/);
    assert.match(answer.message, /and 4990 more unknown annotations/);
    assert.ok((answer.message.match(/unknown annotation/g) ?? []).length <= 11);
  });

  it('invalid values are quoted short: six 40 KiB values give a small answer', async () => {
    const annotations = Object.fromEntries(
      ['proxy-image', 'log-level', 'native-sidecar', 'exclude-inbound-ports', 'exclude-outbound-ports', 'http-ports'].map((k) => [
        `envoy-injector.io/${k}`,
        'y'.repeat(3000),
      ]),
    );
    const answer = await review(pod(annotations));
    assert.equal(answer.allowed, false);
    assert.ok(answer.body.length < 3000, `the answer is ${answer.body.length} bytes`);
    assert.match(answer.message, /"yyyy[^"]*"… \(3000 characters\)/);
  });

  it('4,000 reviews with made-up operations: the metrics stay small', async () => {
    for (let batch = 0; batch < 40; batch++) {
      await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          post(
            agent,
            webhook.server.port,
            '/mutate',
            JSON.stringify(admissionReview({ kind: 'ConfigMap' }, { operation: `OP-${batch}-${i}`, kind: { group: '', version: 'v1', kind: 'ConfigMap' } })),
          ),
        ),
      );
    }
    const metrics = await get(agent, webhook.server.port, '/metrics');
    assert.ok(metrics.body.length < 40_000, `/metrics is ${metrics.body.length} bytes`);
    assert.doesNotMatch(metrics.body, /OP-/);
    assert.match(metrics.body, /operation="other"/);
  });

  it('route keys named after Object.prototype are unknown fields, not fields', async () => {
    for (const key of ['toString', 'constructor', '__proto__', 'hasOwnProperty']) {
      const routes = `virtual_hosts:\n- name: a\n  domains: ["a"]\n  routes:\n  - match: { prefix: "/", ${key}: 1 }\n    route: { cluster: "b" }\n`;
      const answer = await review(pod({ 'envoy-injector.io/routes': routes }));
      assert.equal(answer.allowed, false, key);
      assert.match(answer.message, new RegExp(`match\\.${key}: unknown field`));
    }
  });

  it('CR, LF and NUL never reach a rewritten header or a redirect', async () => {
    for (const [field, value] of [
      ['host_rewrite_literal', 'a\\r\\nx-injected: 1'],
      ['prefix_rewrite', '/a\\nb'],
    ] as const) {
      const routes = `virtual_hosts:\n- name: a\n  domains: ["a"]\n  routes:\n  - match: { prefix: "/" }\n    route: { cluster: "b", ${field}: "${value}" }\n`;
      const answer = await review(pod({ 'envoy-injector.io/routes': routes }));
      assert.equal(answer.allowed, false, field);
      assert.match(answer.message, /contains a control character/);
    }
    const redirect = `virtual_hosts:\n- name: a\n  domains: ["a"]\n  routes:\n  - match: { prefix: "/" }\n    redirect: { host_redirect: "x\\u0000y" }\n`;
    assert.match((await review(pod({ 'envoy-injector.io/routes': redirect }))).message, /control character \(code 0\)/);
  });

  it('routes that would render past 256 KiB of annotations are refused with what to shrink', async () => {
    // Within 32 KiB, short Service names on many ports multiply into many domains.
    const hosts = Array.from({ length: 350 }, (_, i) => `- {name: h${i}, domains: [s${i}], routes: [{match: {prefix: /}, route: {cluster: t${i}}}]}`).join(
      '\n',
    );
    const answer = await review(
      pod({ 'envoy-injector.io/routes': `virtual_hosts:\n${hosts}\n`, 'envoy-injector.io/http-ports': '81,82,83,84,85,86,87,88,89' }),
    );
    assert.equal(answer.allowed, false);
    assert.match(answer.message, /would render \d+ domain entries .* over the 256\.0 KiB Kubernetes allows for all of a pod's annotations/);
    // Within the domain bound, the pod's own annotations and the rendered config together.
    const own = await review(
      pod({ note: 'n'.repeat(250 * 1024), 'envoy-injector.io/routes': `virtual_hosts:\n${hosts.split('\n').slice(0, 5).join('\n')}\n` }),
    );
    assert.match(
      own.message,
      /the rendered Envoy config would make the pod's annotations \d+\.\d KiB, over Kubernetes' limit of 256\.0 KiB: shrink envoy-injector\.io\/routes/,
    );
  });

  it('TLS 1.2 offers ECDHE with AEAD only: a static-RSA or CBC client is refused', async () => {
    const handshake = (ciphers: string): Promise<string> =>
      new Promise((resolve) => {
        const socket = connect(
          { host: '127.0.0.1', port: webhook.server.port, ca: webhook.certificates.caCert, servername: WEBHOOK_SERVER_NAME, maxVersion: 'TLSv1.2', ciphers },
          () => {
            resolve(socket.getCipher().name);
            socket.destroy();
          },
        );
        socket.once('error', (error: Error) => resolve(`refused: ${error.message}`));
      });
    assert.match(await handshake('AES128-SHA'), /^refused/);
    assert.match(await handshake('AES128-GCM-SHA256'), /^refused/);
    assert.match(await handshake('ECDHE-RSA-AES128-SHA'), /^refused/);
    assert.equal(await handshake('ECDHE-RSA-AES128-GCM-SHA256'), 'ECDHE-RSA-AES128-GCM-SHA256');
  });
});

describe('bounded work and memory under a flood', () => {
  /** A request that sends its headers (declaring `declared` bytes) and the
   * first `sent` bytes of its body, then holds; resolves with the status the
   * server answered, or 0 when it closed the connection without one. */
  function holdBody(port: number, agent: ReturnType<typeof makeAgent>, declared: number, sent: number): { req: ClientRequest; answered: Promise<number> } {
    const req = httpsRequest({
      host: '127.0.0.1',
      port,
      path: '/mutate',
      method: 'POST',
      agent,
      servername: WEBHOOK_SERVER_NAME,
      headers: { 'content-type': 'application/json', 'content-length': declared },
    });
    const answered = new Promise<number>((resolve) => {
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', () => {
        resolve(0);
      });
      req.on('close', () => {
        resolve(0);
      });
    });
    req.write(`{${' '.repeat(sent - 1)}`);
    return { req, answered };
  }

  const until = async (condition: () => boolean): Promise<void> => {
    while (!condition()) await new Promise((resolve) => setTimeout(resolve, 20));
  };

  it('the budget is charged by bytes received: a declared 7 MiB reserves nothing; a review past it waits for the others; one alone always passes', async () => {
    const webhook = await startTestWebhook({ maxReviewBytesInFlight: 250_000, bodyLimits: { rateWindowMs: 60_000, deadlineMs: 60_000 } });
    const agent = makeAgent(webhook.certificates.caCert, 10);
    try {
      // Two requests that declare 7 MiB each and send 100 KB of it.
      const held = [0, 1].map(() => holdBody(webhook.server.port, agent, 7_000_000, 100_000));
      await new Promise((resolve) => setTimeout(resolve, 300));
      const small = await post(agent, webhook.server.port, '/mutate', JSON.stringify(admissionReview(pod())));
      assert.equal(small.status, 200, 'what was declared reserves nothing: a few kilobytes still fit');
      let largeAnswered = false;
      const large = post(agent, webhook.server.port, '/mutate', JSON.stringify(admissionReview(pod({ note: 'x'.repeat(60_000) })))).finally(() => {
        largeAnswered = true;
      });
      // (What it already received stays charged while it waits.)
      for (let i = 0; i < 3; i++) assert.equal((await get(agent, webhook.server.port, '/healthz')).status, 200);
      assert.equal(largeAnswered, false, 'past the budget, a review waits while the others hold it');
      for (const { req } of held) req.destroy();
      assert.equal((await large).status, 200, 'and is answered once they release it');
      // Alone, a review larger than the whole budget is answered.
      const alone = await post(agent, webhook.server.port, '/mutate', JSON.stringify(admissionReview(pod({ note: 'x'.repeat(400_000) }))));
      assert.equal(alone.status, 200);
    } finally {
      agent.destroy();
      await webhook.server.close();
    }
  });

  it('three bodies trickled a byte at a time are cut by the minimum rate while real reviews are answered', async () => {
    const webhook = await startTestWebhook({
      maxReviewBytesInFlight: 250_000,
      bodyLimits: { rateWindowMs: 200, minBytesPerSecond: 1024, deadlineMs: 60_000 },
    });
    const agent = makeAgent(webhook.certificates.caCert, 10);
    try {
      const trickles = [0, 1, 2].map(() => holdBody(webhook.server.port, agent, 7_000_000, 1));
      const timers = trickles.map(({ req }) => setInterval(() => req.write(' '), 50));
      let cut = 0;
      for (const { answered } of trickles) void answered.then(() => (cut += 1));
      for (let i = 0; i < 5; i++) {
        const answer = await post(agent, webhook.server.port, '/mutate', JSON.stringify(admissionReview(pod({ note: 'x'.repeat(100_000) }))));
        assert.equal(answer.status, 200);
      }
      await until(() => cut === 3);
      for (const timer of timers) clearInterval(timer);
      assert.deepEqual(await Promise.all(trickles.map(({ answered }) => answered)), [408, 408, 408]);
      assert.equal((await get(agent, webhook.server.port, '/healthz')).status, 200);
    } finally {
      agent.destroy();
      await webhook.server.close();
    }
  });

  it('a body that never completes is cut at its deadline, and its share of the budget released', async () => {
    const webhook = await startTestWebhook({
      maxReviewBytesInFlight: 250_000,
      bodyLimits: { deadlineMs: 500, rateWindowMs: 60_000 },
    });
    const agent = makeAgent(webhook.certificates.caCert, 10);
    try {
      const stalled = holdBody(webhook.server.port, agent, 7_000_000, 200_000);
      assert.equal(await stalled.answered, 408);
      const large = await post(agent, webhook.server.port, '/mutate', JSON.stringify(admissionReview(pod({ note: 'x'.repeat(100_000) }))));
      assert.equal(large.status, 200);
    } finally {
      agent.destroy();
      await webhook.server.close();
    }
  });

  it('connections past --max-connections are refused as they arrive; idle ones are cut and the server answers again', async () => {
    const webhook = await startTestWebhook({ maxConnections: 20, requestTimeoutMs: 1000 });
    const sockets = Array.from({ length: 60 }, () => {
      const socket = netConnect(webhook.server.port, '127.0.0.1');
      socket.on('error', () => undefined);
      return socket;
    });
    let closed = 0;
    for (const socket of sockets) socket.once('close', () => (closed += 1));
    try {
      // The 40 over the cap are closed at once; the 20 idle ones by inactivity.
      await until(() => closed === 60);
      const agent = makeAgent(webhook.certificates.caCert, 10);
      assert.equal((await post(agent, webhook.server.port, '/mutate', JSON.stringify(admissionReview(pod())))).status, 200);
      agent.destroy();
    } finally {
      for (const socket of sockets) socket.destroy();
      await webhook.server.close();
    }
  });

  it(
    "20 concurrent 7 MiB reviews, then object-dense and deep bodies, against a server with the Deployment's heap: answered or refused, alive, RSS under 256 MiB",
    { timeout: 120_000 },
    async (t) => {
      const dir = temporaryDirectory('flood-');
      const certificates = await writeCertificates(dir);
      const server = await spawnServe(['--cert-dir', dir], { KUBECONFIG: '', HOME: dir, NODE_OPTIONS: deployedNodeOptions() });
      const agent = makeAgent(certificates.caCert, 40);
      try {
        const filler = 'x'.repeat(3 * 1024 * 1024 - 1024);
        const huge = JSON.stringify(admissionReview(pod({ note: filler }), { operation: 'UPDATE', oldObject: pod({ note: filler }) }));
        assert.ok(huge.length > 6_000_000);
        const statuses = await Promise.all(
          Array.from({ length: 20 }, () =>
            post(agent, server.port, '/mutate', huge).then(
              (r) => r.status,
              () => 0,
            ),
          ),
        );
        // Answered, or refused: 429 over the in-flight budget, or 408 for a body
        // that arrived below the minimum rate (a busy machine makes the sender that slow).
        assert.ok(
          statuses.every((s) => s === 200 || s === 429 || s === 408),
          statuses.join(','),
        );
        assert.ok(statuses.includes(200));
        // Object-dense and deeply nested bodies under the size limit: refused
        // before JSON.parse makes 20 times their size of objects.
        const dense = `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","x":[${'{},'.repeat(2_300_000)}{}]}`;
        const deep = `${'['.repeat(3_000_000)}${']'.repeat(3_000_000)}`;
        const refused = await Promise.all([dense, dense, dense, deep].map((body) => post(agent, server.port, '/mutate', body)));
        assert.deepEqual(
          refused.map((r) => r.status),
          [413, 413, 413, 413],
        );
        assert.match(refused[0]?.body ?? '', /the body would take about \d+\.\d MiB of memory to read \(the limit is 48\.0 MiB\)/);
        assert.match(refused[3]?.body ?? '', /nests deeper than 64 levels/);
        assert.equal((await get(agent, server.port, '/healthz')).status, 200);
        const peakMiB = processMemoryMiB(server.child.pid, 'VmHWM');
        t.diagnostic(`peak RSS ${peakMiB} MiB; answers: ${statuses.filter((s) => s === 200).length} × 200, ${statuses.filter((s) => s === 429).length} × 429`);
        assert.ok(peakMiB > 0 && peakMiB < 256, `peak RSS ${peakMiB} MiB`);
      } finally {
        agent.destroy();
        server.child.kill('SIGTERM');
      }
    },
  );
});

describe('remembered work bounded in bytes', () => {
  it(
    "430 distinct valid pods with ~28 KiB of routes each, against a server with the Deployment's heap: all answered, alive, RSS under 256 MiB",
    { timeout: 300_000 },
    async (t) => {
      const dir = temporaryDirectory('memo-');
      const certificates = await writeCertificates(dir);
      const server = await spawnServe(['--cert-dir', dir], { KUBECONFIG: '', HOME: dir, NODE_OPTIONS: deployedNodeOptions() });
      const agent = makeAgent(certificates.caCert, 4);
      try {
        const routesOf = (n: number): string => {
          const hosts = Array.from(
            { length: 250 },
            (_, i) => `- {name: h${i}, domains: ["d${i}.example.com:80"], routes: [{match: {prefix: "/p${n}"}, route: {cluster: "s${i}:8080"}}]}`,
          );
          return `virtual_hosts:\n${hosts.join('\n')}\n`;
        };
        assert.ok(routesOf(429).length > 26_000 && routesOf(429).length < 32 * 1024);
        let answered = 0;
        for (let start = 0; start < 430; start += 4) {
          const batch = Array.from({ length: 4 }, (_, i) => start + i).map((n) =>
            post(agent, server.port, '/mutate', JSON.stringify(admissionReview(pod({ 'envoy-injector.io/routes': routesOf(n) }, { name: `p${n}` })))),
          );
          for (const result of await Promise.all(batch)) {
            assert.equal(result.status, 200);
            assert.match(result.body, /"allowed":true/);
            answered += 1;
          }
        }
        assert.equal(answered, 432);
        assert.equal((await get(agent, server.port, '/healthz')).status, 200);
        const peakMiB = processMemoryMiB(server.child.pid, 'VmHWM');
        t.diagnostic(`peak RSS ${peakMiB} MiB after ${answered} distinct pods`);
        assert.ok(peakMiB > 0 && peakMiB < 256, `peak RSS ${peakMiB} MiB`);
      } finally {
        agent.destroy();
        server.child.kill('SIGTERM');
      }
    },
  );
});

describe('callers and certificates', () => {
  it('--client-ca: /mutate and /metrics answer only verified clients; health stays open', async () => {
    const clientCa = await selfsigned.generate([{ name: 'commonName', value: 'apiserver-client-ca' }], {
      keySize: 2048,
      extensions: [
        { name: 'basicConstraints', cA: true, critical: true },
        { name: 'keyUsage', keyCertSign: true, critical: true },
      ],
    });
    const client = await selfsigned.generate([{ name: 'commonName', value: 'kube-apiserver' }], {
      keySize: 2048,
      ca: { key: clientCa.private, cert: clientCa.cert },
      extensions: [{ name: 'extKeyUsage', clientAuth: true }],
    });
    const stranger = await selfsigned.generate([{ name: 'commonName', value: 'kube-apiserver' }], {
      keySize: 2048,
      extensions: [{ name: 'extKeyUsage', clientAuth: true }],
    });
    const webhook = await startTestWebhook({ clientCa: clientCa.cert });
    const call = (path: string, cert?: { cert: string; private: string }): Promise<number> =>
      new Promise((resolve, reject) => {
        const body = path === '/mutate' ? JSON.stringify(admissionReview(pod())) : undefined;
        const req = httpsRequest(
          {
            host: '127.0.0.1',
            port: webhook.server.port,
            path,
            method: body ? 'POST' : 'GET',
            ca: webhook.certificates.caCert,
            servername: WEBHOOK_SERVER_NAME,
            ...(cert ? { cert: cert.cert, key: cert.private } : {}),
            headers: body ? { 'content-type': 'application/json' } : {},
          },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    try {
      assert.equal(await call('/mutate', client), 200);
      assert.equal(await call('/mutate'), 401);
      assert.equal(await call('/mutate', stranger), 401);
      assert.equal(await call('/metrics'), 401);
      assert.equal(await call('/healthz'), 200);
      assert.equal(await call('/readyz'), 200);
    } finally {
      await webhook.server.close();
    }
  });

  it('--metrics-port: /metrics over plain HTTP there, and not on the webhook port', async () => {
    const webhook = await startTestWebhook({ metricsPort: 0 });
    const agent = makeAgent(webhook.certificates.caCert);
    try {
      assert.ok(webhook.server.metricsPort);
      const metrics = await fetch(`http://127.0.0.1:${webhook.server.metricsPort}/metrics`);
      assert.equal(metrics.status, 200);
      assert.match(await metrics.text(), /envoy_injector_admission_requests_total/);
      assert.equal((await get(agent, webhook.server.port, '/metrics')).status, 404);
    } finally {
      agent.destroy();
      await webhook.server.close();
    }
  });

  it('an empty, partial, mismatched, expired or not yet valid pair never replaces a working one', async () => {
    const webhook = await startTestWebhook({ certPollMs: 100 });
    const agent = makeAgent(webhook.certificates.caCert);
    const other = await (
      await import('../../../src/certs/generate.js')
    ).generateWebhookCertificates({ service: 'envoy-injector', namespace: 'envoy-injector' });
    const day = 24 * 3600 * 1000;
    const expired = await (
      await import('../../../src/certs/generate.js')
    ).generateWebhookCertificates({ service: 'envoy-injector', namespace: 'envoy-injector', now: new Date(Date.now() - 30 * day), days: 1 });
    const notYet = await (
      await import('../../../src/certs/generate.js')
    ).generateWebhookCertificates({ service: 'envoy-injector', namespace: 'envoy-injector', now: new Date(Date.now() + 30 * day), days: 10 });
    try {
      for (const [cert, key] of [
        [expired.cert, expired.key],
        [notYet.cert, notYet.key],
        [webhook.certificates.cert, ''],
        ['', webhook.certificates.key],
        [webhook.certificates.cert.slice(0, 200), webhook.certificates.key],
        [webhook.certificates.cert, other.key],
      ] as const) {
        writeFileSync(join(webhook.certDir, 'tls.crt'), cert);
        writeFileSync(join(webhook.certDir, 'tls.key'), key);
        await new Promise((resolve) => setTimeout(resolve, 400));
        assert.equal((await get(agent, webhook.server.port, '/healthz')).status, 200, 'still served with the working pair');
      }
    } finally {
      agent.destroy();
      await webhook.server.close();
    }
  });
});
