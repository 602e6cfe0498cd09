// encodeAny (envoy/any-encoding.ts): the resources the injector renders, as
// the protobuf bytes an ADS response carries. Checked with Envoy's own v3
// protos: the bytes decode to the same resource (protobufjs' toObject with
// proto3 JSON's conventions), durations, wrappers, nested Any and Struct
// included; what the type does not have is refused, never dropped.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type protobuf from 'protobufjs';
import { DEFAULT_CONFIG } from '../../src/config/config.js';
import { encodeAny, ProtoJsonError } from '../../src/envoy/any-encoding.js';
import { evaluatePod } from '../../src/inject/evaluate.js';
import type { JsonObject } from '../../src/model/json.js';
import { envoyProtos } from '../support/envoy-proto.js';

const ROUTES = `virtual_hosts:
- name: api
  domains: ["api"]
  routes:
  - match: { prefix: "/v2", headers: [{ name: x-build, range_match: { start: 100, end: 200 } }] }
    route: { cluster: "api-v2", timeout: 2.5s, retry_policy: { retry_on: 5xx, num_retries: 3, per_try_timeout: 0.5s } }
  - match: { prefix: "/" }
    route: { weighted_clusters: { clusters: [{ name: api-v1, weight: 90 }, { name: api-v2, weight: 10 }] } }
    typed_per_filter_config:
      envoy.filters.http.fault:
        "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault
        delay: { fixed_delay: 2s, percentage: { numerator: 10 } }
`;

/** The resources of a pod's rendered envoy-lds, -rds and -cds. */
function rendered(): JsonObject[] {
  const outcome = evaluatePod({
    pod: { metadata: { name: 'web', annotations: { 'envoy-injector.io/routes': ROUTES } }, spec: { containers: [{ name: 'app', image: 'app' }] } },
    namespace: { name: 'shop' },
    config: { ...DEFAULT_CONFIG, proxy: { ...DEFAULT_CONFIG.proxy, accessLog: 'json' } },
  });
  assert.equal(outcome.kind, 'injected');
  if (outcome.kind !== 'injected') return [];
  const annotations = outcome.pod.metadata?.annotations ?? {};
  return ['envoy-injector.io/envoy-lds', 'envoy-injector.io/envoy-rds', 'envoy-injector.io/envoy-cds'].flatMap(
    (key) => (JSON.parse(annotations[key] ?? '{"resources":[]}') as { resources: JsonObject[] }).resources,
  );
}

/** Decoded back to proto3 JSON's conventions, for comparison. */
function decode(root: protobuf.Root, typeUrl: string, bytes: Uint8Array): unknown {
  const type = root.lookupType(typeUrl.replace('type.googleapis.com/', ''));
  return type.toObject(type.decode(bytes), { enums: String, longs: String, json: true });
}

describe('encodeAny', () => {
  const root = envoyProtos();
  const resources = rendered();

  it('encodes every resource the injector renders: listeners, a route configuration, clusters', () => {
    const types = resources.map((r) => r['@type']);
    assert.ok(types.includes('type.googleapis.com/envoy.config.listener.v3.Listener'));
    assert.ok(types.includes('type.googleapis.com/envoy.config.route.v3.RouteConfiguration'));
    assert.ok(types.includes('type.googleapis.com/envoy.config.cluster.v3.Cluster'));
    for (const resource of resources) {
      const any = encodeAny(root, resource);
      assert.equal(any.type_url, resource['@type']);
      assert.ok(any.value.length > 0);
      // The bytes are a message of that type, and encode again to themselves.
      const type = root.lookupType(any.type_url.replace('type.googleapis.com/', ''));
      assert.deepEqual(type.encode(type.decode(any.value)).finish(), any.value);
    }
  });

  it('writes durations, wrapper values, nested Any and integers as their messages', () => {
    const routeConfiguration = resources.find((r) => r['@type'] === 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration');
    assert.ok(routeConfiguration);
    const any = encodeAny(root, routeConfiguration);
    const decoded = decode(root, any.type_url, any.value) as {
      virtual_hosts: Array<{
        name: string;
        routes: Array<{
          match: { headers?: unknown[] };
          route: Record<string, unknown>;
          typed_per_filter_config?: Record<string, unknown>;
        }>;
      }>;
    };
    const api = decoded.virtual_hosts.find((host) => host.name === 'api');
    assert.ok(api);
    const [v2, rest] = api.routes;
    assert.deepEqual(v2?.route.timeout, { seconds: '2', nanos: 500000000 });
    assert.deepEqual((v2?.route.retry_policy as { num_retries?: unknown }).num_retries, { value: 3 });
    assert.deepEqual((v2?.route.retry_policy as { per_try_timeout?: unknown }).per_try_timeout, { nanos: 500000000 });
    assert.deepEqual(v2?.match.headers, [{ name: 'x-build', range_match: { start: '100', end: '200' } }]);
    const weights = (rest?.route.weighted_clusters as { clusters: Array<{ name: string; weight: unknown }> }).clusters;
    assert.deepEqual(
      weights.map((c) => [c.name.split('.')[0], c.weight]),
      [
        ['api-v1', { value: 90 }],
        ['api-v2', { value: 10 }],
      ],
    );
    // protobufjs reads an Any back with its "@type", as proto3 JSON writes it.
    assert.deepEqual(rest?.typed_per_filter_config?.['envoy.filters.http.fault'], {
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault',
      delay: { fixed_delay: { seconds: '2' }, percentage: { numerator: 10 } },
    });
  });

  it('writes a Struct field by field', () => {
    const any = encodeAny(root, {
      '@type': 'type.googleapis.com/envoy.config.core.v3.Metadata',
      filter_metadata: { 'envoy-injector': { pod: 'web', ports: [80, 8080], native: true, none: null } },
    });
    assert.deepEqual(decode(root, any.type_url, any.value), {
      filter_metadata: {
        'envoy-injector': {
          fields: {
            pod: { stringValue: 'web' },
            ports: { listValue: { values: [{ numberValue: 80 }, { numberValue: 8080 }] } },
            native: { boolValue: true },
            none: { nullValue: 'NULL_VALUE' },
          },
        },
      },
    });
  });

  const REFUSED: Array<[string, JsonObject, string]> = [
    ['a resource without "@type"', { name: 'l' }, 'a resource without a type.googleapis.com/ "@type"'],
    [
      'a field the type does not have',
      { '@type': 'type.googleapis.com/envoy.config.cluster.v3.Cluster', name: 'c', colour: 'red' },
      'envoy.config.cluster.v3.Cluster.colour: not a field of envoy.config.cluster.v3.Cluster',
    ],
    [
      'a duration in a message form',
      { '@type': 'type.googleapis.com/envoy.config.cluster.v3.Cluster', connect_timeout: { seconds: 1 } },
      'envoy.config.cluster.v3.Cluster.connect_timeout: a Duration is written "<seconds>s", e.g. "1.5s"',
    ],
    [
      'a duration without its unit',
      { '@type': 'type.googleapis.com/envoy.config.cluster.v3.Cluster', connect_timeout: '5' },
      'envoy.config.cluster.v3.Cluster.connect_timeout: a Duration is written "<seconds>s", e.g. "1.5s"',
    ],
    [
      'a nested message that is no object',
      { '@type': 'type.googleapis.com/envoy.config.cluster.v3.Cluster', load_assignment: 'x' },
      'envoy.config.cluster.v3.Cluster.load_assignment: a envoy.config.endpoint.v3.ClusterLoadAssignment must be an object',
    ],
    [
      'a repeated field that is no list',
      { '@type': 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration', virtual_hosts: {} },
      'envoy.config.route.v3.RouteConfiguration.virtual_hosts: a repeated field must be a list',
    ],
    [
      'an Any without its "@type"',
      { '@type': 'type.googleapis.com/envoy.config.listener.v3.Listener', listener_filters: [{ name: 'f', typed_config: { x: 1 } }] },
      'a resource without a type.googleapis.com/ "@type"',
    ],
  ];
  for (const [what, resource, message] of REFUSED) {
    it(`refuses ${what}`, () =>
      assert.throws(
        () => encodeAny(root, resource),
        (error: unknown) => error instanceof ProtoJsonError && error.message === message,
      ));
  }
});
