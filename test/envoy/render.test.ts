// The rendered documents: each a discovery response whose version is the
// hash of its resources, and a cache that counts what it holds.

import { FILE_DELIVERY } from '../../src/envoy/delivery.js';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { NO_ROUTE_OVERRIDES, renderedConfigBytes, renderEnvoyConfig, type EnvoyConfigInput } from '../../src/envoy/render.js';

const INPUT: EnvoyConfigInput = {
  serviceCluster: 'web.shop',
  namespace: 'shop',
  ipFamilies: ['IPv4'],
  httpPorts: [80],
  accessLog: 'off',
  delivery: FILE_DELIVERY,
};

describe('rendered discovery responses', () => {
  it('carry a version_info that is the hash of their resources', () => {
    const rendered = renderEnvoyConfig(INPUT, NO_ROUTE_OVERRIDES);
    for (const document of [rendered.lds, rendered.rds, rendered.cds]) {
      const response = JSON.parse(document) as { version_info: string; resources: unknown[] };
      const hash = createHash('sha256').update(JSON.stringify(response.resources)).digest('hex').slice(0, 16);
      assert.equal(response.version_info, hash);
    }
  });

  it('change version when their content does, and only then', () => {
    const one = JSON.parse(renderEnvoyConfig(INPUT, NO_ROUTE_OVERRIDES).lds) as { version_info: string };
    const same = JSON.parse(renderEnvoyConfig({ ...INPUT, serviceCluster: 'other.shop' }, NO_ROUTE_OVERRIDES).lds) as { version_info: string };
    const other = JSON.parse(renderEnvoyConfig({ ...INPUT, httpPorts: [80, 8080] }, NO_ROUTE_OVERRIDES).lds) as { version_info: string };
    assert.equal(same.version_info, one.version_info);
    assert.notEqual(other.version_info, one.version_info);
  });
});

describe('renderedConfigBytes', () => {
  it('counts every document at two bytes a character', () => {
    const rendered = renderEnvoyConfig(INPUT, NO_ROUTE_OVERRIDES);
    const characters = rendered.bootstrap.length + rendered.lds.length + rendered.rds.length + rendered.cds.length + rendered.hash.length;
    assert.equal(renderedConfigBytes(rendered), 2 * characters);
  });
});
