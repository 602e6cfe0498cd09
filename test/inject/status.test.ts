// The status annotation: version 2 records what staleness is computed from;
// version 1 (pods injected by 0.1.0 before that) is still read; anything else
// the injector did not write is refused, whatever field it smuggles.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { DEFAULT_CONFIG } from '../../src/config/config.js';
import { evaluatePod } from '../../src/inject/evaluate.js';
import { parseStatus } from '../../src/inject/status.js';
import type { Pod } from '../../src/model/kubernetes.js';
import { ANNOTATION, INJECTOR_VERSION } from '../../src/model/names.js';

const V1 = { version: 1, mode: 'native', containers: [], initContainers: ['envoy-init', 'envoy'], volumes: ['envoy-config'], configHash: '0123456789abcdef' };
const V2 = { ...V1, version: 2, injectorVersion: '0.1.0', proxyImage: 'envoyproxy/envoy:v1.36.6', templateHash: 'fedcba9876543210' };

function statusOf(annotations: Record<string, string> = {}, image?: string): Record<string, unknown> {
  const pod: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', annotations }, spec: { containers: [{ name: 'app', image: image ?? 'a' }] } };
  const outcome = evaluatePod({ pod, namespace: { name: 'apps' }, config: DEFAULT_CONFIG });
  assert.equal(outcome.kind, 'injected');
  return outcome.kind === 'injected' ? (JSON.parse(outcome.pod.metadata?.annotations?.[ANNOTATION.status] ?? '{}') as Record<string, unknown>) : {};
}

describe('status annotation', () => {
  it('records the injector version, the proxy image and a template hash', () => {
    const status = statusOf({ [ANNOTATION.proxyImage]: 'registry.local/envoy:v1.36.7' });
    assert.equal(status.version, 2);
    assert.equal(status.injectorVersion, INJECTOR_VERSION);
    assert.equal(status.proxyImage, 'registry.local/envoy:v1.36.7');
    assert.match(String(status.templateHash), /^[0-9a-f]{16}$/);
    assert.ok(parseStatus(JSON.stringify(status)).ok, 'the injector reads back what it writes');
  });

  it('the template hash changes with what is injected, not with the app', () => {
    assert.equal(statusOf().templateHash, statusOf({}, 'another-app-image').templateHash);
    assert.notEqual(statusOf().templateHash, statusOf({ [ANNOTATION.proxyCpu]: '200m' }).templateHash);
    assert.notEqual(statusOf().templateHash, statusOf({ [ANNOTATION.drainSeconds]: '10' }).templateHash);
  });

  it('the injector version is the package version', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    assert.equal(INJECTOR_VERSION, pkg.version);
  });

  const cases: Array<[string, unknown, RegExp | null]> = [
    ['version 1, as 0.1.0 wrote it before versions were recorded', V1, null],
    ['version 2', V2, null],
    ['version 1 with version 2 fields', { ...V1, injectorVersion: '0.1.0' }, /exactly the fields .* \(version 1\)/],
    ['version 2 without its fields', { ...V1, version: 2 }, /exactly the fields .*templateHash \(version 2\)/],
    ['an unknown version', { ...V2, version: 3 }, /unknown version/],
    ['an extra field', { ...V2, note: 'x' }, /exactly the fields/],
    ['an injector version that is not one', { ...V2, injectorVersion: 'latest' }, /injectorVersion/],
    ['an injector version that runs long', { ...V2, injectorVersion: `1.0.0-${'a'.repeat(100)}` }, /injectorVersion/],
    ['a proxy image with a space', { ...V2, proxyImage: 'envoy latest' }, /proxyImage/],
    ['a proxy image that runs long', { ...V2, proxyImage: 'e'.repeat(600) }, /proxyImage/],
    ['a template hash that is not one', { ...V2, templateHash: 'ZZ' }, /templateHash/],
  ];
  for (const [name, status, problem] of cases) {
    it(`${problem ? 'refuses' : 'reads'} ${name}`, () => {
      const parsed = parseStatus(JSON.stringify(status));
      if (problem === null) assert.ok(parsed.ok, parsed.ok ? '' : parsed.problems.join('; '));
      else assert.match(parsed.ok ? 'accepted' : parsed.problems.join('; '), problem);
    });
  }
});
