// A pod whose proxy reads its config over xDS: the same listeners, routes and
// clusters as file mode, read from the injector's ADS server instead of the
// envoy-config volume, its Service targets as EDS clusters, and its bootstrap
// dialling the server with the pod's projected token — all of it accepted by
// Envoy's own protos.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyPatch, type Operation } from 'rfc6902';
import { DEFAULT_CONFIG, type InjectorConfig } from '../../src/config/config.js';
import { fallbackCluster, withFallbackClusters } from '../../src/envoy/delivery.js';
import { fileConfigSource } from '../../src/envoy/xds.js';
import { evaluatePod } from '../../src/inject/evaluate.js';
import { parseStatus, statusConfigSource } from '../../src/inject/status.js';
import { createPatch } from '../../src/model/json-patch.js';
import type { JsonObject } from '../../src/model/json.js';
import type { Pod } from '../../src/model/kubernetes.js';
import { deepFreeze } from '../../src/model/memo.js';
import { ANNOTATION } from '../../src/model/names.js';
import { BOOTSTRAP_TYPE, DISCOVERY_RESPONSE_TYPE, envoyProtoProblems } from '../support/envoy-proto.js';
import { podProblems } from '../support/pod-checks.js';

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const XDS_CONFIG: InjectorConfig = deepFreeze({
  ...DEFAULT_CONFIG,
  routes: { allowExternalHosts: true },
  xds: { ...DEFAULT_CONFIG.xds, caBundle: CA },
});
const ROUTES = JSON.stringify({
  virtual_hosts: [
    {
      name: 'api',
      domains: ['api.example.com'],
      routes: [
        { match: { prefix: '/v2' }, route: { cluster: 'api-v2.shop:8080' } },
        { match: { prefix: '/legacy' }, route: { cluster: 'legacy.example.net:443' } },
        { match: { prefix: '/' }, route: { cluster: 'api:8080' } },
      ],
    },
  ],
});

function injected(config: InjectorConfig, annotations: Record<string, string>): { pod: Pod; warnings: string[] } {
  const pod: Pod = deepFreeze({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web-1', annotations: { [ANNOTATION.routes]: ROUTES, ...annotations } },
    spec: { containers: [{ name: 'app', image: 'app:1' }] },
  });
  const outcome = evaluatePod({ pod, namespace: { name: 'shop' }, config });
  assert.equal(outcome.kind, 'injected', JSON.stringify(outcome).slice(0, 400));
  if (outcome.kind !== 'injected') throw new Error('not injected');
  // The patch, applied by an independent RFC 6902 implementation, gives a valid Pod.
  const patched = structuredClone<Pod>(pod);
  assert.deepEqual(
    applyPatch(patched, createPatch(pod, outcome.pod) as Operation[]).filter((e) => e !== null),
    [],
  );
  assert.deepEqual(podProblems(patched), []);
  return { pod: patched, warnings: outcome.warnings };
}

const annotation = (pod: Pod, key: string): JsonObject => JSON.parse(pod.metadata?.annotations?.[key] ?? 'null') as JsonObject;
const resources = (pod: Pod, key: string): JsonObject[] => annotation(pod, key).resources as JsonObject[];

describe('config-source: xds', () => {
  const xds = injected(XDS_CONFIG, { [ANNOTATION.configSource]: 'xds' }).pod;
  const file = injected(XDS_CONFIG, {}).pod;

  it('renders documents that Envoy v1.36 accepts', () => {
    assert.deepEqual(envoyProtoProblems(BOOTSTRAP_TYPE, annotation(xds, ANNOTATION.envoyBootstrap)), []);
    for (const key of [ANNOTATION.envoyLds, ANNOTATION.envoyRds, ANNOTATION.envoyCds])
      assert.deepEqual(envoyProtoProblems(DISCOVERY_RESPONSE_TYPE, annotation(xds, key)), [], key);
  });

  it('dials the ADS server by its Service name, trusting the injector CA alone, with the pod token as Bearer metadata', () => {
    const dynamic = annotation(xds, ANNOTATION.envoyBootstrap).dynamic_resources as JsonObject;
    // Clusters, then listeners, are waited for 5 s each; then the proxy starts on the bootstrap's fallback.
    assert.deepEqual(dynamic.lds_config, { ads: {}, resource_api_version: 'V3', initial_fetch_timeout: '5s' });
    assert.deepEqual(dynamic.cds_config, dynamic.lds_config);
    const ads = dynamic.ads_config as { api_type: string; grpc_services: Array<{ google_grpc: JsonObject }> };
    assert.equal(ads.api_type, 'GRPC');
    const [service] = ads.grpc_services;
    assert.deepEqual(service?.google_grpc, {
      target_uri: 'envoy-injector.envoy-injector.svc:15012',
      stat_prefix: 'ads',
      channel_credentials: { ssl_credentials: { root_certs: { inline_string: CA } } },
      call_credentials: [
        {
          from_plugin: {
            name: 'envoy.grpc_credentials.file_based_metadata',
            typed_config: {
              '@type': 'type.googleapis.com/envoy.config.grpc_credential.v3.FileBasedMetadataConfig',
              secret_data: { filename: '/var/run/secrets/envoy-injector/token' },
              header_key: 'authorization',
              header_prefix: 'Bearer ',
            },
          },
        },
      ],
      credentials_factory_name: 'envoy.grpc_credentials.file_based_metadata',
    });
  });

  it('mounts a projected token for the envoy-injector audience into the proxy, read-only', () => {
    const volume = xds.spec.volumes?.find((v) => v.name === 'envoy-token');
    assert.deepEqual(volume, {
      name: 'envoy-token',
      projected: { sources: [{ serviceAccountToken: { audience: 'envoy-injector', expirationSeconds: 3600, path: 'token' } }] },
    });
    const proxy = [...(xds.spec.initContainers ?? []), ...xds.spec.containers].find((c) => c.name === 'envoy');
    assert.deepEqual((proxy as { volumeMounts?: unknown[] } | undefined)?.volumeMounts?.[1], {
      name: 'envoy-token',
      mountPath: '/var/run/secrets/envoy-injector',
      readOnly: true,
    });
    assert.equal(
      file.spec.volumes?.some((v) => v.name === 'envoy-token'),
      false,
    );
  });

  it('records the source in the status (its volumes), which reads back strictly', () => {
    const status = parseStatus(xds.metadata?.annotations?.[ANNOTATION.status] ?? '');
    assert.ok(status.ok);
    assert.equal(statusConfigSource(status.value), 'xds');
    assert.deepEqual(status.value.volumes, ['envoy-config', 'envoy-token']);
  });

  it('serves the same routes as file mode, each HTTP port a listener of its own reading them from ADS', () => {
    assert.deepEqual(resources(xds, ANNOTATION.envoyRds), resources(file, ANNOTATION.envoyRds));
    const [outbound] = resources(file, ANNOTATION.envoyLds) as Array<{ filter_chains: JsonObject[] }>;
    const fileChains = (outbound?.filter_chains ?? []).filter((chain) => (chain.name as string).startsWith('outbound_http_'));
    const fromAds = resources(xds, ANNOTATION.envoyLds);
    assert.deepEqual(
      fromAds.map((listener) => [listener.name, listener.address, listener.bind_to_port, listener.stat_prefix]),
      [
        ['outbound_http_80', { socket_address: { address: '0.0.0.0', port_value: 80 } }, false, 'outbound'],
        ['outbound_http_8080', { socket_address: { address: '0.0.0.0', port_value: 8080 } }, false, 'outbound'],
      ],
    );
    // Each one the file-mode chain of its port, but for where its routes come from.
    const rdsFile = `"config_source":${JSON.stringify(fileConfigSource('rds.json'))}`;
    const rdsAds = '"config_source":{"ads":{},"resource_api_version":"V3"}';
    assert.deepEqual(
      fromAds.map((listener) => JSON.stringify(listener.filter_chains).replaceAll(rdsAds, 'SOURCE')),
      fileChains.map((chain) => JSON.stringify([chain]).replaceAll(rdsFile, 'SOURCE')),
    );
  });

  it('starts on a fallback in its bootstrap: the file-mode outbound listener, its routes inline over renamed clusters, handing off to the per-port listeners', () => {
    const bootstrap = annotation(xds, ANNOTATION.envoyBootstrap) as { static_resources: { listeners: JsonObject[]; clusters: JsonObject[] } };
    const fallback = bootstrap.static_resources.listeners.find((listener) => listener.name === 'outbound');
    const [outbound] = resources(file, ANNOTATION.envoyLds);
    const [routes] = resources(file, ANNOTATION.envoyRds);
    const { '@type': _type, ...fileListener } = outbound ?? {};
    const { '@type': _routesType, ...fileRoutes } = routes ?? {};
    const inline = { route_config: JSON.parse(JSON.stringify(fileRoutes).replaceAll(/"cluster":"(?!passthrough")/g, '"cluster":"fallback|')) as JsonObject };
    const rdsFile = JSON.stringify({ rds: { route_config_name: 'outbound', config_source: fileConfigSource('rds.json') } }).slice(1, -1);
    assert.deepEqual(fallback, {
      ...(JSON.parse(JSON.stringify(fileListener).replaceAll(rdsFile, JSON.stringify(inline).slice(1, -1))) as JsonObject),
      use_original_dst: true,
      listener_filters: fileListener.listener_filters,
      filter_chains: fallback?.filter_chains,
    });
    assert.equal(
      JSON.stringify(fallback?.filter_chains).replaceAll(JSON.stringify(inline).slice(1, -1), 'ROUTES'),
      JSON.stringify(fileListener.filter_chains).replaceAll(rdsFile, 'ROUTES'),
    );
    // Its clusters: file mode's (Services on DNS), renamed; the passthrough route stays on the proxy's own cluster.
    const fileClusters = resources(file, ANNOTATION.envoyCds).map(({ '@type': _t, ...cluster }) => cluster);
    const renamed = bootstrap.static_resources.clusters.filter((cluster) => (cluster.name as string).startsWith('fallback|'));
    assert.deepEqual(
      renamed,
      fileClusters.map(
        (cluster) => JSON.parse(JSON.stringify(cluster).replaceAll(`"${cluster.name as string}"`, `"fallback|${cluster.name as string}"`)) as JsonObject,
      ),
    );
    assert.match(JSON.stringify(fallback), /"cluster":"passthrough"/);
  });

  it('names in every route only clusters the proxy has: the fallback its static ones, ADS its CDS ones, never the same name twice', () => {
    const bootstrap = annotation(xds, ANNOTATION.envoyBootstrap) as { static_resources: { listeners: JsonObject[]; clusters: JsonObject[] } };
    const referenced = (value: unknown): string[] =>
      [...JSON.stringify(value).matchAll(/"(?:cluster|name)":"((?:fallback\|)?[a-z0-9.:-]+:\d+|passthrough)"/g)].map((m) => m[1] ?? '');
    const staticNames = new Set(bootstrap.static_resources.clusters.map((cluster) => cluster.name as string));
    const cdsNames = new Set(resources(xds, ANNOTATION.envoyCds).map((cluster) => cluster.name as string));
    const fallback = bootstrap.static_resources.listeners.find((listener) => listener.name === 'outbound');
    assert.deepEqual(
      referenced(fallback).filter((name) => !staticNames.has(name)),
      [],
    );
    assert.deepEqual(
      referenced(resources(xds, ANNOTATION.envoyRds)).filter((name) => !cdsNames.has(name) && !staticNames.has(name)),
      [],
    );
    assert.deepEqual(
      [...cdsNames].filter((name) => staticNames.has(name)),
      [],
    );
    assert.ok(referenced(fallback).includes('fallback|api.shop:8080'));
  });

  it('binds no per-port listener on a port a static listener holds (Envoy would refuse the duplicate address)', () => {
    const bootstrap = annotation(xds, ANNOTATION.envoyBootstrap) as {
      static_resources: { listeners: Array<{ address: { socket_address: { port_value: number } } }> };
    };
    const held = new Set(bootstrap.static_resources.listeners.map((listener) => listener.address.socket_address.port_value));
    const ports = resources(xds, ANNOTATION.envoyLds).map(
      (listener) => (listener.address as { socket_address: { port_value: number } }).socket_address.port_value,
    );
    assert.deepEqual(
      ports.filter((port) => held.has(port)),
      [],
    );
  });

  it('turns Service targets into EDS clusters of the same name, and leaves external hosts on DNS', () => {
    const byName = (pod: Pod): Map<string, JsonObject> => new Map(resources(pod, ANNOTATION.envoyCds).map((c) => [c.name as string, c]));
    const [eds, dns] = [byName(xds), byName(file)];
    assert.deepEqual([...eds.keys()].sort(), ['api-v2.shop:8080', 'api.shop:8080', 'external:legacy.example.net:443']);
    for (const name of ['api-v2.shop:8080', 'api.shop:8080']) {
      const { load_assignment: _l, dns_lookup_family: _d, type: _t, ...rest } = dns.get(name) ?? {};
      assert.deepEqual(eds.get(name), {
        ...rest,
        '@type': 'type.googleapis.com/envoy.config.cluster.v3.Cluster',
        type: 'EDS',
        eds_cluster_config: { eds_config: { ads: {}, resource_api_version: 'V3' } },
      });
    }
    assert.deepEqual(eds.get('external:legacy.example.net:443'), dns.get('external:legacy.example.net:443'));
  });

  it('falls back to files, said in a warning, when this injector serves no xDS', () => {
    const { pod, warnings } = injected({ ...XDS_CONFIG, xds: DEFAULT_CONFIG.xds }, { [ANNOTATION.configSource]: 'xds' });
    assert.equal(
      pod.spec.volumes?.some((v) => v.name === 'envoy-token'),
      false,
    );
    assert.ok(
      warnings.some((w) => w.includes('envoy-injector.io/config-source: xds, but this injector serves no xDS')),
      warnings.join('\n'),
    );
  });

  it('refuses, before building them, routes whose fallback copies (one per HTTP port) would not fit the annotations, and says how to shrink them', () => {
    const routes = JSON.stringify({
      virtual_hosts: [
        {
          name: 'big',
          domains: ['big.example.com'],
          routes: Array.from({ length: 270 }, (_, i) => ({
            match: { prefix: `/path-number-${i}/with/length` },
            route: { cluster: 'api:8080', timeout: '5s' },
          })),
        },
      ],
    });
    const ports = '80,81,82,83,84,85,86,87,88,89';
    const pod = (source: string): Pod =>
      deepFreeze({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'web-1', annotations: { [ANNOTATION.routes]: routes, [ANNOTATION.httpPorts]: ports, [ANNOTATION.configSource]: source } },
        spec: { containers: [{ name: 'app', image: 'app:1' }] },
      });
    // Ten annotated HTTP ports, and the configured default 8080.
    const overXds = evaluatePod({ pod: pod('xds'), namespace: { name: 'shop' }, config: XDS_CONFIG });
    assert.equal(overXds.kind, 'rejected');
    assert.match(JSON.stringify(overXds), /once per HTTP port as its fallback \(11 ports\), would take \d+\.\d KiB .*over Kubernetes' limit of 256\.0 KiB/);
    // The same routes read from files are one copy: they fit.
    assert.equal(evaluatePod({ pod: pod('file'), namespace: { name: 'shop' }, config: XDS_CONFIG }).kind, 'injected');
  });

  it('refuses a config-source that is neither file nor xds, naming the annotation', () => {
    const pod: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', annotations: { [ANNOTATION.configSource]: 'grpc' } }, spec: { containers: [] } };
    const outcome = evaluatePod({ pod, namespace: { name: 'shop' }, config: XDS_CONFIG });
    assert.equal(outcome.kind, 'rejected');
    assert.match(JSON.stringify(outcome), /envoy-injector.io\/config-source/);
  });
});

describe('the fallback names', () => {
  it('renames a route target wherever a route names it (cluster, weighted clusters, mirrors), and nothing else', () => {
    const routes: JsonObject = {
      name: 'outbound',
      virtual_hosts: [
        {
          name: 'h',
          domains: ['h'],
          routes: [
            {
              match: { prefix: '/w' },
              route: {
                weighted_clusters: {
                  clusters: [
                    { name: 'a:80', weight: 90 },
                    { name: 'b:80', weight: 10 },
                  ],
                },
              },
            },
            { match: { prefix: '/m' }, route: { cluster: 'a:80', request_mirror_policies: [{ cluster: 'b:80' }, { cluster: 'passthrough' }] } },
            { match: { prefix: '/' }, direct_response: { status: 404 } },
          ],
        },
        { name: 'passthrough', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'passthrough', timeout: '0s' } }] },
      ],
    };
    const renamed = withFallbackClusters(routes, [{ name: 'a:80' }, { name: 'b:80' }, { type: 'STATIC' }]);
    assert.equal(JSON.stringify(renamed), JSON.stringify(routes).replaceAll('"a:80"', '"fallback|a:80"').replaceAll('"b:80"', '"fallback|b:80"'));
  });

  it('leaves what it cannot read as it is: an entry without a name, a mirror without a cluster, a host without routes, a config without hosts', () => {
    const odd: JsonObject = {
      name: 'outbound',
      virtual_hosts: [
        'not a host',
        { name: 'no-routes', domains: ['x'] },
        {
          name: 'h',
          domains: ['h'],
          routes: [
            'not a route',
            {
              match: { prefix: '/' },
              route: { weighted_clusters: { clusters: ['a:80', { weight: 1 }, { name: 7 }] }, request_mirror_policies: ['a:80', { runtime_fraction: {} }] },
            },
            { match: { prefix: '/w' }, route: { weighted_clusters: { total_weight: 1 } } },
          ],
        },
      ],
    };
    assert.deepEqual(withFallbackClusters(odd, [{ name: 'a:80' }]), odd);
    assert.deepEqual(withFallbackClusters({ name: 'outbound' }, [{ name: 'a:80' }]), { name: 'outbound', virtual_hosts: [] });
  });

  it('renames a cluster and its load assignment, and leaves a cluster without one as it is but for its name', () => {
    assert.deepEqual(fallbackCluster({ name: 'a:80', type: 'STRICT_DNS', load_assignment: { cluster_name: 'a:80', endpoints: [] } }), {
      name: 'fallback|a:80',
      type: 'STRICT_DNS',
      load_assignment: { cluster_name: 'fallback|a:80', endpoints: [] },
    });
    assert.deepEqual(fallbackCluster({ name: 'a:80', type: 'EDS' }), { name: 'fallback|a:80', type: 'EDS' });
  });
});
