// The webhook as kube-apiserver sees it: real HTTPS on loopback, TLS verified
// against the generated CA for <service>.<namespace>.svc. Golden inputs go in,
// their patches are applied with rfc6902 and validated as Pods, and a second
// round over the patched pod must yield no patch.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { applyPatch, type Operation } from 'rfc6902';
import type { Pod } from '../../../src/model/kubernetes.js';
import { admissionReview, get, makeAgent, post, type HttpResult } from '../../support/apiserver.js';
import { manifestPods, podProblems, projectDownwardApiVolume } from '../../support/pod-checks.js';
import { repoPath } from '../../support/repo.js';
import { startTestWebhook, type TestWebhook } from '../../support/webhook.js';

interface ReviewBody {
  apiVersion: string;
  kind: string;
  response: { uid: string; allowed: boolean; patchType?: string; patch?: string; warnings?: string[]; status?: { code: number; message: string } };
}

function parseReview(result: HttpResult): ReviewBody {
  assert.equal(result.status, 200, result.body);
  return JSON.parse(result.body) as ReviewBody;
}

function decodePatch(review: ReviewBody): Operation[] {
  return review.response.patch ? (JSON.parse(Buffer.from(review.response.patch, 'base64').toString('utf8')) as Operation[]) : [];
}

describe('admission over HTTPS, as kube-apiserver', () => {
  let webhook: TestWebhook;
  let agent: ReturnType<typeof makeAgent>;
  const send = (body: unknown): Promise<HttpResult> => post(agent, webhook.server.port, '/mutate', JSON.stringify(body));

  before(async () => {
    webhook = await startTestWebhook();
    agent = makeAgent(webhook.certificates.caCert);
  });
  after(async () => {
    agent.destroy();
    await webhook.server.close();
  });

  const casesDir = repoPath('test', 'golden', 'cases');
  const goldenPods = readdirSync(casesDir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .flatMap((file) => {
      const text = readFileSync(`${casesDir}/${file}`, 'utf8');
      if (text.includes('golden-options') || file === 'invalid-yaml.yaml') return [];
      return manifestPods(text).map(({ where, pod, claimVolumes }) => ({
        name: `${file} ${where}`,
        file,
        pod: { apiVersion: 'v1', kind: 'Pod', ...pod },
        claims: claimVolumes,
      }));
    });

  for (const { name, file, pod, claims } of goldenPods) {
    it(`golden input ${name}`, async () => {
      const review = admissionReview(pod);
      const answer = parseReview(await send(review));
      assert.equal(answer.apiVersion, 'admission.k8s.io/v1');
      assert.equal(answer.kind, 'AdmissionReview');
      assert.equal(answer.response.uid, (review.request as { uid: string }).uid);
      if (file.startsWith('invalid-') || file.startsWith('conflict-')) {
        assert.equal(answer.response.allowed, false);
        assert.equal(answer.response.status?.code, 400);
        assert.match(answer.response.status?.message ?? '', /envoy-injector\.io|container|volume/);
        return;
      }
      assert.equal(answer.response.allowed, true);
      const patch = decodePatch(answer);
      const patched = structuredClone(pod);
      assert.deepEqual(
        applyPatch(patched, patch).filter((e) => e !== null),
        [],
      );
      if (patch.length > 0) {
        assert.equal(answer.response.patchType, 'JSONPatch');
        assert.deepEqual(podProblems(patched, claims), []);
      }
      const second = parseReview(await send(admissionReview(patched)));
      assert.equal(second.response.allowed, true);
      assert.equal(second.response.patch, undefined, 'a second round yields no patch');
    });
  }

  it('uses request.namespace for pods with generateName and no namespace', async () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { generateName: 'web-' }, spec: { containers: [{ name: 'web', image: 'nginx' }] } };
    const answer = parseReview(await send(admissionReview(pod, { namespace: 'kube-system' })));
    assert.equal(answer.response.patch, undefined, 'kube-system from request.namespace is never injected');
    const injected = parseReview(await send(admissionReview(pod, { namespace: 'shop' })));
    assert.match(JSON.stringify(decodePatch(injected)), /web\.shop/);
  });

  it("answers a ReplicaSet's identical pods from the first answer, each with its own uid, and counts it", async () => {
    const reused = async (): Promise<number> => {
      const metrics = await get(agent, webhook.server.port, '/metrics');
      return Number(/^envoy_injector_answers_reused_total (\d+)$/m.exec(metrics.body)?.[1]);
    };
    const before = await reused();
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { generateName: 'scale-7f9c-' }, spec: { containers: [{ name: 'web', image: 'nginx' }] } };
    const reviews = Array.from({ length: 5 }, () => admissionReview(pod, { namespace: 'shop' }));
    const answers = await Promise.all(reviews.map(async (review) => ({ review, answer: parseReview(await send(review)) })));
    for (const { review, answer } of answers) {
      assert.equal(answer.response.uid, (review.request as { uid: string }).uid);
      assert.equal(answer.response.patch, answers[0]?.answer.response.patch);
    }
    assert.ok(decodePatch(answers[0]?.answer ?? ({} as ReviewBody)).length > 0);
    // Sent at once, the first few may each be computed; a sixth is reused for sure.
    assert.equal(parseReview(await send(admissionReview(pod, { namespace: 'shop' }))).response.patch, answers[0]?.answer.response.patch);
    assert.ok((await reused()) > before);
  });

  it('answers dryRun requests the same way, and lets other kinds through untouched', async () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'a', image: 'b' }] } };
    assert.ok(parseReview(await send(admissionReview(pod, { dryRun: true }))).response.patch);
    const other = parseReview(
      await send(
        admissionReview(
          { kind: 'ConfigMap' },
          { kind: { group: '', version: 'v1', kind: 'ConfigMap' }, resource: { group: '', version: 'v1', resource: 'configmaps' } },
        ),
      ),
    );
    assert.deepEqual(other.response.allowed, true);
    assert.equal(other.response.patch, undefined);
    const status = parseReview(await send(admissionReview(pod, { subResource: 'status', operation: 'UPDATE' })));
    assert.equal(status.response.patch, undefined);
  });

  it('warns when a pod that asked for the proxy is not injected, and stays quiet otherwise', async () => {
    const pod = (labels: Record<string, string>) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'w', labels },
      spec: { containers: [{ name: 'a', image: 'b' }] },
    });
    const asked = parseReview(await send(admissionReview(pod({ 'envoy-injector.io/inject': 'true' }), { namespace: 'kube-system' })));
    assert.equal(asked.response.allowed, true);
    assert.deepEqual(asked.response.warnings, [
      'envoy-injector: not injected: [system-namespace] namespace kube-system is a Kubernetes system namespace and is never injected',
    ]);
    const optedOut = parseReview(await send(admissionReview(pod({ 'envoy-injector.io/inject': 'false' }))));
    assert.equal(optedOut.response.warnings, undefined);
  });

  it('live route updates: UPDATE with a changed routes annotation re-renders the projected files', async () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', namespace: 'shop' }, spec: { containers: [{ name: 'app', image: 'x' }] } } as Pod;
    const created = structuredClone(pod);
    applyPatch(created, decodePatch(parseReview(await send(admissionReview(pod)))));
    const routes =
      'virtual_hosts:\n- name: api\n  domains: ["api.example.com"]\n  routes:\n  - match: { prefix: "/" }\n    route: { cluster: "api-v2:9090" }\n';
    const edited = structuredClone(created);
    edited.metadata!.annotations!['envoy-injector.io/routes'] = routes;
    const update = parseReview(await send(admissionReview(edited, { operation: 'UPDATE', oldObject: created })));
    const updated = structuredClone(edited);
    applyPatch(updated, decodePatch(update));
    // What kubelet then writes into the proxy's config directory.
    const before = projectDownwardApiVolume(created, 'envoy-config');
    const files = projectDownwardApiVolume(updated, 'envoy-config');
    assert.deepEqual([...files.keys()].sort(), ['bootstrap.json', 'cds.json', 'lds.json', 'rds.json']);
    const rds = JSON.parse(files.get('rds.json') ?? '') as {
      resources: { name: string; virtual_hosts: { name: string; routes: { route: { cluster: string } }[] }[] }[];
    };
    assert.equal(rds.resources.length, 1);
    assert.equal(rds.resources[0]?.name, 'outbound', 'the name the listener asks RDS for');
    assert.equal(rds.resources[0]?.virtual_hosts[0]?.routes[0]?.route.cluster, 'api-v2.shop:9090');
    // The new target's port becomes an HTTP chain of the outbound listener, live through LDS.
    const chainsOf = (lds: string | undefined): string[] =>
      (JSON.parse(lds ?? '') as { resources: { filter_chains: { name: string }[] }[] }).resources[0]!.filter_chains.map((c) => c.name);
    assert.ok(!chainsOf(before.get('lds.json')).includes('outbound_http_9090'));
    assert.ok(chainsOf(files.get('lds.json')).includes('outbound_http_9090'));
    assert.notEqual(files.get('rds.json'), before.get('rds.json'));
    assert.match(files.get('cds.json') ?? '', /api-v2\.shop\.svc\.cluster\.local/);
    assert.equal(files.get('bootstrap.json'), before.get('bootstrap.json'), 'the bootstrap, which Envoy never reloads, stays');
    assert.notEqual(updated.metadata!.annotations!['envoy-injector.io/status'], created.metadata!.annotations!['envoy-injector.io/status']);
    assert.deepEqual(updated.spec, created.spec, 'only metadata changes');

    const broken = structuredClone(updated);
    broken.metadata!.annotations!['envoy-injector.io/routes'] = routes.replace('prefix', 'prefx');
    const refused = parseReview(await send(admissionReview(broken, { operation: 'UPDATE', oldObject: updated })));
    assert.equal(refused.response.allowed, false);
    assert.match(refused.response.status?.message ?? '', /virtual_hosts\[0\]\.routes\[0\]\.match\.prefx: unknown field \(did you mean "prefix"\?\)/);

    const unchanged = parseReview(await send(admissionReview(updated, { operation: 'UPDATE', oldObject: updated })));
    assert.equal(unchanged.response.patch, undefined);

    // A pod injected before listeners moved to LDS cannot follow: it is told to restart.
    const legacy = structuredClone(edited);
    const volume = legacy.spec.volumes!.find((v) => v.name === 'envoy-config') as unknown as { downwardAPI: { items: { path: string }[] } };
    volume.downwardAPI.items = volume.downwardAPI.items.filter((item) => item.path !== 'lds.json');
    const oldLegacy = structuredClone(legacy);
    delete oldLegacy.metadata!.annotations!['envoy-injector.io/routes'];
    const legacyAnswer = parseReview(await send(admissionReview(legacy, { operation: 'UPDATE', oldObject: oldLegacy })));
    assert.equal(legacyAnswer.response.allowed, false);
    assert.match(legacyAnswer.response.status?.message ?? '', /injected by an earlier envoy-injector .* recreate the pod/);
  });
});
