// ClusterXdsSource (server/xds-source.ts): what the ADS server serves is kept
// from the pod and EndpointSlice watches and the Service cache, and a change
// is told — once per debounce — to the streams it concerns and to no other.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_CONFIG, type InjectorConfig } from '../../src/config/config.js';
import { evaluatePod } from '../../src/inject/evaluate.js';
import type { Pod } from '../../src/model/kubernetes.js';
import type { ServiceInfo, ServiceLookup } from '../../src/model/lookups.js';
import { ANNOTATION } from '../../src/model/names.js';
import { ClusterXdsSource } from '../../src/server/xds-source.js';
import type { ProxyPod } from '../../src/envoy/proxy-identity.js';

const CDS = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
const RDS = 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration';
const EDS = 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment';
const CONFIG: InjectorConfig = { ...DEFAULT_CONFIG, xds: { ...DEFAULT_CONFIG.xds, caBundle: '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n' } };

function pod(name: string, target: string, source: 'xds' | 'file' = 'xds', uid = `uid-${name}`): Pod {
  const routes = JSON.stringify({
    virtual_hosts: [{ name: 'h', domains: ['h.example.com'], routes: [{ match: { prefix: '/' }, route: { cluster: target } }] }],
  });
  const outcome = evaluatePod({
    pod: {
      metadata: { name, namespace: 'shop', annotations: { [ANNOTATION.routes]: routes, [ANNOTATION.configSource]: source } },
      spec: { containers: [{ name: 'a', image: 'a' }] },
    },
    namespace: { name: 'shop' },
    config: CONFIG,
  });
  if (outcome.kind !== 'injected') throw new Error(JSON.stringify(outcome));
  return { ...outcome.pod, metadata: { ...outcome.pod.metadata, namespace: 'shop', uid } };
}

const proxy = (name: string, uid = `uid-${name}`): ProxyPod => ({ name, namespace: 'shop', uid, serviceAccount: 'default' });

function slice(name: string, service: string, ips: string[], port = 9090): unknown {
  return {
    metadata: { name, namespace: 'shop', labels: { 'kubernetes.io/service-name': service }, managedFields: [{ big: 'x'.repeat(1000) }] },
    addressType: 'IPv4',
    ports: [{ name: 'http', port }],
    endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true }, nodeName: 'node-1', targetRef: { kind: 'Pod', name: ip } })),
  };
}

class Services implements ServiceLookup {
  readonly known = new Map<string, ServiceInfo>([
    ['shop/api', { ports: [{ port: 8080, name: 'http' }] }],
    ['shop/other', { ports: [{ port: 80, name: 'http' }] }],
  ]);
  service(namespace: string, name: string): ServiceInfo | undefined {
    return this.known.get(`${namespace}/${name}`);
  }
}

/** Calls of each watcher, awaited past the debounce. */
function recorder(): { calls: number; changed: (since: number) => void } {
  const record = {
    calls: 0,
    changed: (): void => {
      record.calls++;
    },
  };
  return record;
}
const settle = (ms = 40): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('ClusterXdsSource', () => {
  it('keeps xds-mode pods only, and of them only the three rendered documents', () => {
    const source = new ClusterXdsSource(new Services(), 10);
    const sink = source.podSink();
    assert.equal(sink.keep(pod('file-1', 'api:8080', 'file')), undefined);
    assert.equal(sink.keep({ metadata: { name: 'bare', namespace: 'shop' }, spec: { containers: [] } }), undefined);
    const kept = sink.keep(pod('web-1', 'api:8080'));
    assert.deepEqual(Object.keys(kept?.metadata?.annotations ?? {}).sort(), [ANNOTATION.envoyCds, ANNOTATION.envoyLds, ANNOTATION.envoyRds]);
    assert.deepEqual(Object.keys(kept?.metadata ?? {}).sort(), ['annotations', 'name', 'namespace', 'uid']);
  });

  it('serves a pod its documents, and its Service endpoints, only to the uid its token names', () => {
    const source = new ClusterXdsSource(new Services(), 10);
    source.podSink().replaceAll([pod('web-1', 'api:8080')]);
    source.sliceSink().replaceAll([slice('api-1', 'api', ['10.0.0.1'])].map((s) => source.sliceSink().keep(s)));
    const cds = source.snapshot(proxy('web-1'), CDS);
    assert.equal(cds?.resources[0]?.name, 'api.shop:8080');
    const eds = source.snapshot(proxy('web-1'), EDS);
    assert.match(JSON.stringify(eds?.resources), /"address":"10.0.0.1","port_value":9090/);
    assert.equal(source.snapshot(proxy('web-1', 'uid-of-an-older-web-1'), CDS), undefined);
    assert.equal(source.snapshot(proxy('web-2'), CDS), undefined);
  });

  it('keeps of a slice only what EDS reads', () => {
    const source = new ClusterXdsSource(new Services(), 10);
    assert.deepEqual(source.sliceSink().keep(slice('api-1', 'api', ['10.0.0.1'])), {
      metadata: { name: 'api-1', namespace: 'shop', labels: { 'kubernetes.io/service-name': 'api' } },
      addressType: 'IPv4',
      ports: [{ name: 'http', port: 9090 }],
      endpoints: [{ addresses: ['10.0.0.1'], conditions: { ready: true }, zone: undefined }],
    });
    assert.equal(source.sliceSink().keep({ metadata: { name: 'orphan', namespace: 'shop' } }), undefined, 'a slice of no Service');
  });

  it('tells a slice change to the proxies routing to its Service only, once per burst', async () => {
    const source = new ClusterXdsSource(new Services(), 20);
    source.podSink().replaceAll([pod('web-1', 'api:8080'), pod('quiet-1', 'other:80')]);
    const [web, quiet] = [recorder(), recorder()];
    source.watch(proxy('web-1'), web.changed);
    source.watch(proxy('quiet-1'), quiet.changed);
    const before = source.snapshot(proxy('web-1'), EDS)?.version;
    for (let i = 1; i <= 5; i++)
      source.sliceSink().upsert(
        slice(
          'api-1',
          'api',
          Array.from({ length: i }, (_, n) => `10.0.0.${n + 1}`),
        ),
      );
    await settle();
    assert.deepEqual([web.calls, quiet.calls], [1, 0]);
    assert.notEqual(source.snapshot(proxy('web-1'), EDS)?.version, before);
    source.sliceSink().remove(slice('api-1', 'api', []));
    await settle();
    assert.deepEqual([web.calls, quiet.calls], [2, 0]);
    assert.equal((source.snapshot(proxy('web-1'), EDS)?.resources[0] as { endpoints: unknown[] }).endpoints.length, 0);
  });

  it("tells a pod's own change to its stream, a Service's port change to those routing to it, and nothing to a pod with no stream", async () => {
    const source = new ClusterXdsSource(new Services(), 5);
    source.podSink().replaceAll([pod('web-1', 'api:8080'), pod('quiet-1', 'other:80')]);
    const web = recorder();
    const stop = source.watch(proxy('web-1'), web.changed);
    assert.equal(source.connected(), 1);
    source.podSink().upsert(pod('web-1', 'other:80'));
    await settle();
    assert.equal(web.calls, 1);
    // web-1 now routes to other, no longer to api.
    source.serviceChanged('shop/api');
    await settle();
    assert.equal(web.calls, 1);
    source.serviceChanged('shop/other');
    await settle();
    assert.equal(web.calls, 2);
    stop();
    assert.equal(source.connected(), 0);
    source.podSink().upsert(pod('web-1', 'api:8080'));
    await settle();
    assert.equal(web.calls, 2);
  });

  it('forgets a pod deleted or no longer in xds mode, and tells its stream', async () => {
    const source = new ClusterXdsSource(new Services(), 5);
    source.podSink().replaceAll([pod('web-1', 'api:8080')]);
    const web = recorder();
    source.watch(proxy('web-1'), web.changed);
    source.podSink().remove(pod('web-1', 'api:8080'));
    await settle();
    assert.equal(web.calls, 1);
    assert.equal(source.snapshot(proxy('web-1'), RDS), undefined);
    source.podSink().upsert(pod('web-1', 'api:8080'));
    source.podSink().upsert(pod('web-1', 'api:8080', 'file'));
    await settle();
    assert.equal(source.snapshot(proxy('web-1'), RDS), undefined);
    // Its Service no longer counts it.
    source.serviceChanged('shop/api');
    await settle();
    assert.equal(web.calls, 2);
  });

  it('gives the time of the first change of a burst to the stream, for the push latency', async () => {
    const source = new ClusterXdsSource(new Services(), 20);
    source.podSink().replaceAll([pod('web-1', 'api:8080')]);
    const seen: number[] = [];
    source.watch(proxy('web-1'), (since) => seen.push(since));
    const first = performance.now();
    source.sliceSink().upsert(slice('api-1', 'api', ['10.0.0.1']));
    // Later within the same burst (synchronously: the debounce cannot have fired).
    const later = first + 2;
    while (performance.now() < later);
    source.sliceSink().upsert(slice('api-1', 'api', ['10.0.0.2']));
    await settle();
    assert.equal(seen.length, 1);
    assert.ok(seen[0] !== undefined && seen[0] >= first && seen[0] < later, `${seen[0]} vs ${first}`);
  });
});
