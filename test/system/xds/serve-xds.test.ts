// `serve --xds-port` as it runs in a cluster: the built CLI against the
// stand-in API server (Services, EndpointSlices, Pods, TokenReviews), driven
// by real gRPC ADS clients speaking the protocol as Envoy does. What a proxy
// gets is its pod's rendered documents byte for byte (the same source as file
// mode) and its Service targets' endpoints from EndpointSlices; a route change
// and a slice change reach the proxies they concern and no other; NACKs are
// counted; strangers are refused; SIGTERM ends the streams so proxies go
// elsewhere.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import type { WebhookCertificates } from '../../../src/certs/generate.js';
import { DEFAULT_CONFIG, type InjectorConfig } from '../../../src/config/config.js';
import { encodeAny } from '../../../src/envoy/any-encoding.js';
import { evaluatePod } from '../../../src/inject/evaluate.js';
import { reroutePod } from '../../../src/inject/reroute.js';
import type { JsonObject } from '../../../src/model/json.js';
import type { Pod } from '../../../src/model/kubernetes.js';
import { ANNOTATION } from '../../../src/model/names.js';
import { adsClient, openStream, type AdsClient, type Response, type Stream } from '../../support/ads-client.js';
import { get, makeAgent } from '../../support/apiserver.js';
import { envoyProtoProblems, envoyProtos } from '../../support/envoy-proto.js';
import { FakeKubeApi, type StoredObject } from '../../support/kube-api.js';
import { DEPLOYED_CLI } from '../../support/repo.js';
import { temporaryDirectory } from '../../support/temp-dir.js';
import { spawnServe, startTestWebhook, writeCertificates, type ServeProcess } from '../../support/webhook.js';

const TYPE = {
  LDS: 'type.googleapis.com/envoy.config.listener.v3.Listener',
  RDS: 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration',
  CDS: 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
  EDS: 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment',
} as const;
const CLA = 'envoy.config.endpoint.v3.ClusterLoadAssignment';

const routes = (cluster: string, prefix = '/'): string =>
  JSON.stringify({ virtual_hosts: [{ name: 'api', domains: ['api.example.com'], routes: [{ match: { prefix }, route: { cluster } }] }] });

function service(name: string, ports: Array<{ name: string; port: number; targetPort: number }>): StoredObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'shop' }, spec: { ports } };
}

function slice(name: string, serviceName: string, endpoints: unknown[], ports = [{ name: 'http', port: 9090 }]): StoredObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace: 'shop', labels: { 'kubernetes.io/service-name': serviceName } },
    addressType: 'IPv4',
    ports,
    endpoints,
  };
}

const endpoint = (ip: string, zone: string, conditions: Record<string, boolean>): JsonObject => ({ addresses: [ip], zone, conditions });

/** The pod as the webhook stores it: injected in xds mode, with its uid. */
function injected(config: InjectorConfig, name: string, uid: string, routeText: string): Pod {
  const outcome = evaluatePod({
    pod: {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'shop', annotations: { [ANNOTATION.configSource]: 'xds', [ANNOTATION.routes]: routeText } },
      spec: { containers: [{ name: 'app', image: 'app:1' }] },
    },
    namespace: { name: 'shop' },
    config,
  });
  assert.equal(outcome.kind, 'injected', JSON.stringify(outcome).slice(0, 300));
  if (outcome.kind !== 'injected') throw new Error('not injected');
  return { ...outcome.pod, metadata: { ...outcome.pod.metadata, uid }, status: { phase: 'Running' } };
}

const podToken = (name: string, uid: string): { username: string; audiences: string[]; extra: Record<string, string[]> } => ({
  username: 'system:serviceaccount:shop:default',
  audiences: ['envoy-injector'],
  extra: { 'authentication.kubernetes.io/pod-name': [name], 'authentication.kubernetes.io/pod-uid': [uid] },
});

async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`timed out waiting for ${what}`);
}

/** Subscribes as Envoy does at start: CDS and LDS (wildcards), then EDS and RDS by name. */
async function subscribe(stream: Stream, next: () => Promise<Response>, nodeId: string, edsNames: string[]): Promise<Map<string, Response>> {
  const got = new Map<string, Response>();
  stream.write({ node: { id: nodeId }, type_url: TYPE.CDS });
  stream.write({ type_url: TYPE.LDS });
  stream.write({ type_url: TYPE.EDS, resource_names: edsNames });
  stream.write({ type_url: TYPE.RDS, resource_names: ['outbound'] });
  for (let i = 0; i < 4; i++) {
    const response = await next();
    got.set(response.type_url, response);
    stream.write({ type_url: response.type_url, version_info: response.version_info, response_nonce: response.nonce });
  }
  return got;
}

describe('serve --xds-port against the stand-in API server', () => {
  const api = new FakeKubeApi();
  const dir = temporaryDirectory('xds-serve-');
  const root = envoyProtos();
  let certificates: WebhookCertificates;
  let config: InjectorConfig;
  let server: ServeProcess;
  let xdsPort = 0;
  let client: AdsClient;
  let web: Pod;

  before(async () => {
    await api.start();
    certificates = await writeCertificates(dir);
    config = { ...DEFAULT_CONFIG, xds: { ...DEFAULT_CONFIG.xds, caBundle: certificates.caCert } };
    api.put('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { 'envoy-injector.io/inject': 'enabled' } } });
    api.put('services', service('api', [{ name: 'http', port: 8080, targetPort: 9090 }]));
    api.put('services', service('other', [{ name: 'web', port: 80, targetPort: 8000 }]));
    api.put(
      'endpointslices',
      slice('api-abc', 'api', [
        endpoint('10.0.0.1', 'zone-a', { ready: true, serving: true, terminating: false }),
        endpoint('10.0.0.2', 'zone-b', { ready: false, serving: true, terminating: true }),
        endpoint('10.0.0.3', 'zone-a', { ready: false, serving: false, terminating: false }),
      ]),
    );
    api.put('endpointslices', slice('other-xyz', 'other', [endpoint('10.0.1.1', 'zone-a', { ready: true })], [{ name: 'web', port: 8000 }]));
    web = injected(config, 'web-1', 'uid-web', routes('api:8080'));
    api.put('pods', web as StoredObject);
    api.put('pods', injected(config, 'quiet-1', 'uid-quiet', routes('other:80')) as StoredObject);
    api.tokens.set('token-web', podToken('web-1', 'uid-web'));
    api.tokens.set('token-quiet', podToken('quiet-1', 'uid-quiet'));
    api.tokens.set('token-old-web', podToken('web-1', 'uid-of-a-deleted-web-1'));

    server = await spawnServe(['--cert-dir', dir, '--xds-port', '0'], { KUBECONFIG: api.writeKubeconfig(join(dir, 'kubeconfig')), HOME: dir });
    await until(() => /xDS \(ADS\) listening at 127\.0\.0\.1:(\d+)/.test(server.output()), 'the ADS port');
    xdsPort = Number(/xDS \(ADS\) listening at 127\.0\.0\.1:(\d+)/.exec(server.output())?.[1]);
    await until(() => api.watchers('pods') > 0 && api.watchers('endpointslices') > 0 && api.watchers('services') > 0, 'the watches');
    client = adsClient(xdsPort, certificates.caCert);
  });

  after(async () => {
    client.close();
    if (server.child.exitCode === null) server.child.kill('SIGKILL');
    await api.stop();
  });

  const decodedAssignments = (response: Response): JsonObject[] =>
    response.resources.map((any) => {
      assert.equal(any.type_url, `type.googleapis.com/${CLA}`);
      const type = root.lookupType(CLA);
      return type.toObject(type.decode(any.value), { enums: String, longs: Number });
    });

  it('serves a proxy its pod’s own documents byte for byte, and its Service’s endpoints from the slices', async () => {
    const { stream, received } = openStream(client, 'token-web');
    const got = await subscribe(stream, () => received.next(), 'web-1.shop', ['api.shop:8080']);
    for (const [type, key] of [
      [TYPE.LDS, ANNOTATION.envoyLds],
      [TYPE.RDS, ANNOTATION.envoyRds],
      [TYPE.CDS, ANNOTATION.envoyCds],
    ] as const) {
      const rendered = JSON.parse(web.metadata?.annotations?.[key] ?? '') as { version_info: string; resources: JsonObject[] };
      const response = got.get(type);
      assert.equal(response?.version_info, rendered.version_info, type);
      assert.deepEqual(
        response?.resources.map((any) => Buffer.from(any.value)),
        rendered.resources.map((resource) => Buffer.from(encodeAny(root, resource).value)),
        `${type}: the file-mode rendering, as Envoy decodes it`,
      );
      for (const { '@type': typeUrl, ...resource } of rendered.resources) assert.deepEqual(envoyProtoProblems((typeUrl as string).slice(20), resource), []);
    }
    // Ready → HEALTHY, serving-but-terminating → DRAINING, not ready → absent; the slice's port (the targetPort), zones as localities.
    assert.deepEqual(decodedAssignments(got.get(TYPE.EDS) as Response), [
      {
        cluster_name: 'api.shop:8080',
        endpoints: [
          {
            locality: { zone: 'zone-a' },
            lb_endpoints: [{ endpoint: { address: { socket_address: { address: '10.0.0.1', port_value: 9090 } } }, health_status: 'HEALTHY' }],
          },
          {
            locality: { zone: 'zone-b' },
            lb_endpoints: [{ endpoint: { address: { socket_address: { address: '10.0.0.2', port_value: 9090 } } }, health_status: 'DRAINING' }],
          },
        ],
      },
    ]);
    stream.end();
    await received.ended;
  });

  it('pushes a route change and a slice change to the proxies they concern, and to no other', async () => {
    const webStream = openStream(client, 'token-web');
    const quietStream = openStream(client, 'token-quiet');
    const webVersions = await subscribe(webStream.stream, () => webStream.received.next(), 'web-1.shop', ['api.shop:8080']);
    await subscribe(quietStream.stream, () => quietStream.received.next(), 'quiet-1.shop', ['other.shop:80']);

    // The user edits the routes; the webhook's UPDATE renders them again (reroute), the API server stores the pod.
    const edited: Pod = {
      ...web,
      metadata: { ...web.metadata, annotations: { ...web.metadata?.annotations, [ANNOTATION.routes]: routes('api:8080', '/v2') } },
    };
    const rerouted = reroutePod({ pod: edited, oldObject: web, namespace: { name: 'shop' }, config });
    assert.equal(rerouted.kind, 'updated');
    if (rerouted.kind !== 'updated') return;
    api.put('pods', rerouted.pod as StoredObject);
    const routePush = await webStream.received.next();
    assert.equal(routePush.type_url, TYPE.RDS, 'only the routes changed');
    assert.notEqual(routePush.version_info, webVersions.get(TYPE.RDS)?.version_info);
    assert.match(JSON.stringify(root.lookupType('envoy.config.route.v3.RouteConfiguration').decode(routePush.resources[0]?.value ?? Buffer.alloc(0))), /\/v2/);
    webStream.stream.write({ type_url: TYPE.RDS, version_info: routePush.version_info, response_nonce: routePush.nonce });

    // The third endpoint becomes ready.
    api.put(
      'endpointslices',
      slice('api-abc', 'api', [
        endpoint('10.0.0.1', 'zone-a', { ready: true }),
        endpoint('10.0.0.2', 'zone-b', { ready: false, serving: true, terminating: true }),
        endpoint('10.0.0.3', 'zone-a', { ready: true }),
      ]),
    );
    const endpointPush = await webStream.received.next();
    assert.equal(endpointPush.type_url, TYPE.EDS);
    const zoneA = (decodedAssignments(endpointPush)[0]?.endpoints as JsonObject[])[0] as { lb_endpoints: unknown[] };
    assert.equal(zoneA.lb_endpoints.length, 2, 'both ready endpoints of zone-a');

    // The proxy refuses it: counted, logged, and no push loop.
    webStream.stream.write({
      type_url: TYPE.EDS,
      version_info: webVersions.get(TYPE.EDS)?.version_info,
      response_nonce: endpointPush.nonce,
      error_detail: { code: 3, message: 'refused for the test' },
    });
    const agent = makeAgent(certificates.caCert);
    try {
      await until(async () => /envoy_injector_xds_nacks_total\{type="EDS"\} 1/.test((await get(agent, server.port, '/metrics')).body), 'the NACK metric');
      const metrics = (await get(agent, server.port, '/metrics')).body;
      assert.match(
        metrics,
        /envoy_injector_xds_connected_proxies 2/,
        metrics
          .split('\n')
          .filter((line) => line.includes('xds'))
          .join('\n'),
      );
      assert.match(metrics, /envoy_injector_xds_push_latency_seconds_count\{type="RDS"\} [1-9]/);
    } finally {
      agent.destroy();
    }
    assert.match(server.output(), /a proxy refused its config \(NACK\)/);

    // A balancing change (the routes document's clusters:), pushed live as CDS.
    const balanced: Pod = {
      ...rerouted.pod,
      metadata: {
        ...rerouted.pod.metadata,
        annotations: {
          ...rerouted.pod.metadata?.annotations,
          [ANNOTATION.routes]: routes('api:8080', '/v2').replace(/\}$/, ',"clusters":[{"target":"api:8080","lb_policy":"LEAST_REQUEST"}]}'),
        },
      },
    };
    const rebalanced = reroutePod({ pod: balanced, oldObject: rerouted.pod, namespace: { name: 'shop' }, config });
    assert.equal(rebalanced.kind, 'updated');
    if (rebalanced.kind !== 'updated') return;
    api.put('pods', rebalanced.pod as StoredObject);
    const clusterPush = await webStream.received.next();
    assert.equal(clusterPush.type_url, TYPE.CDS);
    const pushedCluster = root.lookupType('envoy.config.cluster.v3.Cluster').decode(clusterPush.resources[0]?.value ?? Buffer.alloc(0));
    assert.equal(root.lookupType('envoy.config.cluster.v3.Cluster').toObject(pushedCluster, { enums: String }).lb_policy, 'LEAST_REQUEST');
    webStream.stream.write({ type_url: TYPE.CDS, version_info: clusterPush.version_info, response_nonce: clusterPush.nonce });

    // Neither change concerned the other proxy: it got nothing after its subscription.
    assert.equal(quietStream.received.pending, 0);
    assert.equal(webStream.received.pending, 0);
    webStream.stream.end();
    quietStream.stream.end();
    await Promise.all([webStream.received.ended, quietStream.received.ended]);
  });

  const refusals: Array<[string, string | undefined, string, grpc.status]> = [
    ['no token', undefined, 'web-1.shop', grpc.status.UNAUTHENTICATED],
    ['a token the API server does not know', 'forged', 'web-1.shop', grpc.status.UNAUTHENTICATED],
    ["another pod's node id", 'token-web', 'quiet-1.shop', grpc.status.PERMISSION_DENIED],
  ];
  for (const [what, token, nodeId, code] of refusals) {
    it(`refuses a stream with ${what}, sending nothing`, async () => {
      const { stream, received } = openStream(client, token);
      stream.write({ node: { id: nodeId }, type_url: TYPE.CDS });
      assert.equal((await received.ended).code, code);
      assert.equal(received.pending, 0);
    });
  }

  it('serves nothing to the token of a deleted pod of the same name (its uid differs)', async () => {
    const { stream, received } = openStream(client, 'token-old-web');
    stream.write({ node: { id: 'web-1.shop' }, type_url: TYPE.CDS });
    await assert.rejects(received.next(1), /no response/);
    stream.end();
    await received.ended;
  });

  it('status shows each xds-mode proxy as istioctl proxy-status does: its replica, each type SYNCED or NACKED with the error, or NOT CONNECTED', async () => {
    api.put('pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'envoy-injector-abc', namespace: 'envoy-injector', labels: { 'app.kubernetes.io/name': 'envoy-injector' } },
      spec: { containers: [{ name: 'envoy-injector', image: 'envoy-injector' }] },
      status: { phase: 'Running' },
    });
    api.podProxies.set('envoy-injector/envoy-injector-abc', server.port);
    const { stream, received } = openStream(client, 'token-web');
    const got = await subscribe(stream, () => received.next(), 'web-1.shop', ['api.shop:8080']);
    // A new EDS version, refused by the proxy.
    api.put('endpointslices', slice('api-abc', 'api', [endpoint('10.0.0.9', 'zone-a', { ready: true })]));
    const refused = await received.next();
    stream.write({
      type_url: TYPE.EDS,
      version_info: got.get(TYPE.EDS)?.version_info,
      response_nonce: refused.nonce,
      error_detail: { message: 'endpoint 10.0.0.9 refused' },
    });
    const statusOf = (format: string[]): Promise<{ code: number | null; stdout: string }> =>
      new Promise((resolve) => {
        const child = spawn(process.execPath, [DEPLOYED_CLI, 'status', ...format], {
          env: { ...process.env, KUBECONFIG: join(dir, 'kubeconfig'), KUBERNETES_SERVICE_HOST: '' },
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        let stdout = '';
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
        child.on('close', (code) => resolve({ code, stdout }));
      });
    let report: { xds?: { rows: Array<{ pod: string; replica?: string; types: Record<string, string>; errors: Record<string, string> }> } } = {};
    await until(async () => {
      const result = await statusOf(['-o', 'json']);
      report = JSON.parse(result.stdout) as typeof report;

      return report.xds?.rows.some((row) => row.errors.EDS !== undefined) === true;
    }, 'the NACK in the report');
    assert.deepEqual(report.xds?.rows, [
      { pod: 'shop/quiet-1', types: {}, errors: {} },
      {
        pod: 'shop/web-1',
        replica: 'envoy-injector-abc',
        types: { CDS: 'SYNCED', LDS: 'SYNCED', EDS: 'NACKED', RDS: 'SYNCED' },
        errors: { EDS: 'endpoint 10.0.0.9 refused' },
      },
    ]);
    const text = await statusOf([]);
    assert.equal(text.code, 1, 'a proxy not connected and one refusing its config are findings');
    assert.match(
      text.stdout,
      /xDS proxies: 1 connected, 1 not connected, 1 refusing their config\n {2}shop\/quiet-1 {2}NOT CONNECTED\n {2}shop\/web-1 {4}envoy-injector-abc {2}LDS SYNCED {2}RDS SYNCED {2}CDS SYNCED {2}EDS NACKED\n {4}EDS refused: endpoint 10.0.0.9 refused\n/,
    );
    stream.end();
    await received.ended;
  });

  it('ends every stream with UNAVAILABLE at SIGTERM, so proxies reconnect elsewhere, and exits 0', async () => {
    const { stream, received } = openStream(client, 'token-web');
    await subscribe(stream, () => received.next(), 'web-1.shop', ['api.shop:8080']);
    const exited = new Promise<number | null>((resolve) => server.child.once('exit', (code) => resolve(code)));
    server.child.kill('SIGTERM');
    assert.equal((await received.ended).code, grpc.status.UNAVAILABLE);
    assert.equal(await exited, 0);
  });
});

describe('a replica without --xds-port', () => {
  it('answers /proxy-status with 404, which status reads as "no proxies here"', async () => {
    const webhook = await startTestWebhook();
    const agent = makeAgent(webhook.certificates.caCert);
    try {
      const answer = await get(agent, webhook.server.port, '/proxy-status');
      assert.deepEqual([answer.status, JSON.parse(answer.body)], [404, { error: 'this replica serves no xDS (serve --xds-port)' }]);
    } finally {
      agent.destroy();
      await webhook.server.close();
    }
  });
});
