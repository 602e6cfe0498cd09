// The ADS server (server/xds-server.ts) driven as Envoy drives it: a real
// gRPC client (@grpc/grpc-js) over TLS verified against the generated CA and
// the Service's name, the bearer token in its metadata, a node id, then
// DiscoveryRequests with versions and nonces, ACKs and NACKs. Every resource
// that arrives is decoded with Envoy's own v3 protos and checked strictly.

import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { generateWebhookCertificates } from '../../src/certs/generate.js';
import { DEFAULT_CONFIG } from '../../src/config/config.js';
import { encodeAny } from '../../src/envoy/any-encoding.js';
import { podSnapshots } from '../../src/envoy/pod-snapshots.js';
import { evaluatePod } from '../../src/inject/evaluate.js';
import type { TypeSnapshot } from '../../src/envoy/ads-stream.js';
import type { ProxyPod } from '../../src/envoy/proxy-identity.js';
import type { JsonObject } from '../../src/model/json.js';
import { envoyProtoIncludeDirs } from '../../src/server/envoy-protos.js';
import { adsClient, openStream, Received, type AdsClient, type Response } from '../support/ads-client.js';
import { startXdsServer, type XdsServer, type XdsSource } from '../../src/server/xds-server.js';
import { envoyProtoProblems, envoyProtos } from '../support/envoy-proto.js';

const LDS = 'type.googleapis.com/envoy.config.listener.v3.Listener';
const CDS = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
const INCLUDE_DIRS = envoyProtoIncludeDirs();

const cluster = (name: string, seconds: string): JsonObject => ({
  '@type': CDS,
  name,
  type: 'STRICT_DNS',
  connect_timeout: seconds,
  load_assignment: { cluster_name: name },
});

/** A pod's snapshots, changed by the test: `changed` tells the server's watchers. */
class Snapshots implements XdsSource {
  readonly byPod = new Map<string, Record<string, TypeSnapshot>>();
  private readonly watchers = new Map<string, Set<(since: number) => void>>();
  snapshot(pod: ProxyPod, typeUrl: string): TypeSnapshot | undefined {
    return this.byPod.get(`${pod.name}.${pod.namespace}`)?.[typeUrl];
  }
  watch(pod: ProxyPod, changed: (since: number) => void): () => void {
    const key = `${pod.name}.${pod.namespace}`;
    const set = this.watchers.get(key) ?? new Set();
    set.add(changed);
    this.watchers.set(key, set);
    return () => set.delete(changed);
  }
  set(pod: string, typeUrl: string, snapshot: TypeSnapshot): void {
    this.byPod.set(pod, { ...this.byPod.get(pod), [typeUrl]: snapshot });
    for (const changed of this.watchers.get(pod) ?? []) changed(performance.now());
  }
  watching(pod: string): number {
    return this.watchers.get(pod)?.size ?? 0;
  }
}

/** The TokenReview status the stand-in API server gives each token. */
const REVIEWS: Record<string, unknown> = {
  'token-web': {
    authenticated: true,
    user: {
      username: 'system:serviceaccount:shop:web',
      extra: { 'authentication.kubernetes.io/pod-name': ['web-1'], 'authentication.kubernetes.io/pod-uid': ['u1'] },
    },
    audiences: ['envoy-injector'],
  },
};

describe('the ADS server, driven by a real gRPC client as Envoy drives it', () => {
  const source = new Snapshots();
  let server: XdsServer;
  let client: AdsClient;
  const root = envoyProtos();

  before(async () => {
    const certs = await generateWebhookCertificates({ service: 'envoy-injector', namespace: 'envoy-injector' });
    server = await startXdsServer(
      {
        protoIncludeDirs: INCLUDE_DIRS,
        resourceTypes: root,
        credentials: grpc.ServerCredentials.createSsl(null, [{ cert_chain: Buffer.from(certs.cert), private_key: Buffer.from(certs.key) }]),
        reviewToken: (token) =>
          token === 'api-server-down'
            ? Promise.reject(new Error('TokenReview: the API server answered 503'))
            : Promise.resolve(REVIEWS[token] ?? { authenticated: false, error: 'token lookup failed' }),
        source,
      },
      '127.0.0.1',
      0,
    );
    // TLS verified against the CA, for the name the proxies dial.
    client = adsClient(server.port, certs.caCert);
  });

  after(async () => {
    client.close();
    await server.close();
  });

  const open = (token?: string): ReturnType<typeof openStream> => openStream(client, token);

  /** Each resource decoded by Envoy's protos and checked strictly. */
  const decoded = (response: Response): unknown[] =>
    response.resources.map((any) => {
      const type = root.lookupType(any.type_url.replace('type.googleapis.com/', ''));
      const json = type.toObject(type.decode(any.value), { enums: String, longs: String, json: true }) as Record<string, unknown>;
      const asJson = { ...json, connect_timeout: `${(json.connect_timeout as { seconds?: string }).seconds ?? '0'}s` };
      assert.deepEqual(envoyProtoProblems(any.type_url.replace('type.googleapis.com/', ''), asJson), []);
      return asJson;
    });

  it('serves a pod its resources: subscribe, ACK, a push with a new version and nonce, a NACK that causes no push loop', async () => {
    source.set('web-1.shop', CDS, { version: '1', resources: [cluster('api.shop:80', '1s')] });
    const { stream, received } = open('token-web');
    stream.write({ node: { id: 'web-1.shop' }, type_url: CDS });
    const first = await received.next();
    assert.equal(first.version_info, '1');
    assert.equal(first.type_url, CDS);
    assert.deepEqual(decoded(first), [{ name: 'api.shop:80', type: 'STRICT_DNS', connect_timeout: '1s', load_assignment: { cluster_name: 'api.shop:80' } }]);
    stream.write({ type_url: CDS, version_info: '1', response_nonce: first.nonce });

    source.set('web-1.shop', CDS, { version: '2', resources: [cluster('api.shop:80', '2s')] });
    const pushed = await received.next();
    assert.equal(pushed.version_info, '2');
    assert.notEqual(pushed.nonce, first.nonce);
    assert.deepEqual((decoded(pushed)[0] as { connect_timeout: string }).connect_timeout, '2s');

    // The proxy refuses version 2: it keeps 1, and 2 is never sent again; 3 is.
    stream.write({ type_url: CDS, version_info: '1', response_nonce: pushed.nonce, error_detail: { code: 3, message: 'bad cluster' } });
    source.set('web-1.shop', CDS, { version: '3', resources: [cluster('api.shop:80', '3s')] });
    const third = await received.next();
    assert.equal(third.version_info, '3');
    assert.equal(received.pending, 0, 'nothing else was sent');
    stream.end();
    assert.equal((await received.ended).code, grpc.status.OK);
    assert.equal(source.watching('web-1.shop'), 0, 'the stream stopped watching when it ended');
  });

  it('does not answer a type the pod has nothing of, and answers it once it has', async () => {
    const { stream, received } = open('token-web');
    stream.write({ node: { id: 'web-1.shop' }, type_url: LDS });
    source.set('web-1.shop', LDS, { version: 'a', resources: [{ '@type': LDS, name: 'outbound' }] });
    const response = await received.next();
    assert.equal(response.version_info, 'a');
    stream.end();
    await received.ended;
  });

  it('serves an injected pod exactly its file-mode documents: listeners, routes and clusters, byte for byte', async () => {
    const outcome = evaluatePod({
      pod: {
        metadata: {
          name: 'web-1',
          annotations: {
            'envoy-injector.io/routes':
              'virtual_hosts:\n- name: a\n  domains: ["a"]\n  routes:\n  - match: { prefix: "/" }\n    route: { cluster: "a-v2:9000", timeout: 2s }\n',
          },
        },
        spec: { containers: [{ name: 'app', image: 'app' }] },
      },
      namespace: { name: 'shop' },
      config: DEFAULT_CONFIG,
    });
    assert.equal(outcome.kind, 'injected');
    if (outcome.kind !== 'injected') return;
    const { snapshots } = podSnapshots(outcome.pod);
    for (const [typeUrl, snapshot] of Object.entries(snapshots)) source.set('web-1.shop', typeUrl, snapshot);
    const { stream, received } = open('token-web');
    const types = [LDS, 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration', CDS];
    stream.write({ node: { id: 'web-1.shop' }, type_url: types[0] });
    for (const typeUrl of types.slice(1)) stream.write({ type_url: typeUrl });
    for (const typeUrl of types) {
      const response = await received.next();
      assert.equal(response.type_url, typeUrl);
      const file = snapshots[typeUrl];
      assert.equal(response.version_info, file?.version);
      assert.deepEqual(
        response.resources.map((any) => Buffer.from(any.value)),
        (file?.resources ?? []).map((resource) => Buffer.from(encodeAny(root, resource).value)),
      );
      assert.ok(response.resources.length > 0);
    }
    stream.end();
    await received.ended;
  });

  it('ignores a request for a type it does not serve, keeping no state for it', async () => {
    // The source has a snapshot of that type: served, it would be answered first.
    const METADATA = 'type.googleapis.com/envoy.config.core.v3.Metadata';
    source.set('web-1.shop', METADATA, { version: 'm', resources: [{ '@type': METADATA, filter_metadata: {} }] });
    const { stream, received } = open('token-web');
    stream.write({ node: { id: 'web-1.shop' }, type_url: METADATA });
    for (let i = 0; i < 50; i++) stream.write({ type_url: `type.googleapis.com/made.up.Type${i}` });
    stream.write({ type_url: LDS });
    const response = await received.next();
    assert.equal(response.type_url, LDS, 'the first answer is to the first served type');
    stream.end();
    await received.ended;
  });

  it('refuses a request larger than any DiscoveryRequest before reading it', async () => {
    const { stream, received } = open('token-web');
    stream.write({ node: { id: 'web-1.shop' }, type_url: LDS, resource_names: Array.from({ length: 3000 }, (_, i) => `listener-${i}-${'x'.repeat(90)}`) });
    const status = await received.ended;
    assert.equal(status.code, grpc.status.RESOURCE_EXHAUSTED);
  });

  const REFUSED: Array<[string, string | undefined, string, number, string]> = [
    ['no token', undefined, 'web-1.shop', grpc.status.UNAUTHENTICATED, 'no authorization metadata'],
    [
      'a token the API server refuses',
      'forged',
      'web-1.shop',
      grpc.status.UNAUTHENTICATED,
      'the token was not accepted by the API server: "token lookup failed"',
    ],
    [
      "another pod's name",
      'token-web',
      'web-2.shop',
      grpc.status.PERMISSION_DENIED,
      'node.id "web-2.shop" is not the pod of its token (pod web-1 in namespace shop)',
    ],
    ['a token the API server cannot review now', 'api-server-down', 'web-1.shop', grpc.status.UNAVAILABLE, 'TokenReview: the API server answered 503'],
  ];
  for (const [what, token, nodeId, code, details] of REFUSED) {
    it(`refuses a stream with ${what}, and sends it nothing`, async () => {
      const { stream, received } = open(token);
      stream.write({ node: { id: nodeId }, type_url: CDS });
      const status = await received.ended;
      assert.equal(status.code, code);
      assert.equal(status.details, details);
      assert.equal(received.pending, 0);
    });
  }

  it('closes a stream that does not identify itself in time, at its deadline', async () => {
    const certs = await generateWebhookCertificates({ service: 'envoy-injector', namespace: 'envoy-injector' });
    const quick = await startXdsServer(
      {
        protoIncludeDirs: INCLUDE_DIRS,
        resourceTypes: root,
        credentials: grpc.ServerCredentials.createSsl(null, [{ cert_chain: Buffer.from(certs.cert), private_key: Buffer.from(certs.key) }]),
        reviewToken: () => Promise.resolve(REVIEWS['token-web']),
        source,
        identifyWithinMs: 200,
      },
      '127.0.0.1',
      0,
    );
    const quickClient = adsClient(quick.port, certs.caCert);
    try {
      const metadata = new grpc.Metadata();
      metadata.set('authorization', 'Bearer token-web');
      const silent = quickClient.StreamAggregatedResources(metadata);
      const received = new Received(silent);
      const status = await received.ended;
      assert.equal(status.code, grpc.status.UNAUTHENTICATED);
      assert.equal(status.details, 'no DiscoveryRequest with a node within 0.2 s');
    } finally {
      quickClient.close();
      await quick.close();
    }
  });
});
