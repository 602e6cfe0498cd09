// The status annotation: version 2 records what staleness is computed from;
// version 1 (pods injected by 0.1.0 before that) is still read; anything else
// the injector did not write is refused, whatever field it smuggles.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { DEFAULT_CONFIG } from '../../src/config/config.js';
import { evaluatePod } from '../../src/inject/evaluate.js';
import { parseStatus, verifiedStatus } from '../../src/inject/status.js';
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
    // Each check on its own, every other field valid; the problem in full.
    [
      'version 2 without one of its fields, another in its place',
      { ...V1, version: 2, injectorVersion: '0.1.0', proxyImage: 'e', note: 'x' },
      /^must have exactly the fields version, mode, containers, initContainers, volumes, configHash, injectorVersion, proxyImage, templateHash \(version 2\)$/,
    ],
    ['an unknown mode', { ...V2, mode: 'ambient' }, /^has an unknown mode$/],
    ['the classic lists', { ...V2, mode: 'classic', containers: ['envoy'], initContainers: ['envoy-init'] }, null],
    [
      'the native lists in classic mode',
      { ...V2, mode: 'classic' },
      /^lists containers \[\], initContainers \["envoy-init","envoy"\] and volumes \["envoy-config"\], not what the injector adds in classic mode \(\{"containers":\["envoy"\],"initContainers":\["envoy-init"\],"volumes":\["envoy-config"\]\}\)$/,
    ],
    ['no containers where native mode lists some', { ...V2, initContainers: [] }, /not what the injector adds in native mode/],
    ['the init containers in another order', { ...V2, initContainers: ['envoy', 'envoy-init'] }, /not what the injector adds/],
    ['one init container too many', { ...V2, initContainers: ['envoy-init', 'envoy', 'x'] }, /not what the injector adds/],
    ['a container where native mode lists none', { ...V2, containers: ['envoy'] }, /not what the injector adds/],
    ['no volumes', { ...V2, volumes: [] }, /not what the injector adds/],
    ['another volume', { ...V2, volumes: ['data'] }, /not what the injector adds/],
    ['containers that are no list', { ...V2, containers: 'envoy' }, /^lists something other than container and volume names$/],
    ['init containers that are no list', { ...V2, initContainers: { 0: 'envoy-init' } }, /^lists something other than container and volume names$/],
    ['volumes that are no list', { ...V2, volumes: null }, /^lists something other than container and volume names$/],
    ['a name that is no string', { ...V2, volumes: [7] }, /^lists something other than container and volume names$/],
    ['a name longer than any Kubernetes name', { ...V2, volumes: ['v'.repeat(64)] }, /^lists something other than container and volume names$/],
    ['more than 8 names', { ...V2, volumes: Array(9).fill('envoy-config') }, /^lists something other than container and volume names$/],
    ['8 names of 63 characters (read, then compared)', { ...V2, volumes: Array(8).fill('v'.repeat(63)) }, /^lists containers .* not what the injector adds/],
    ['a config hash that is no string', { ...V2, configHash: 123 }, /^has no valid configHash$/],
    ['a config hash with text after it', { ...V2, configHash: '0123456789abcdef0' }, /^has no valid configHash$/],
    ['a config hash with text before it', { ...V2, configHash: 'x0123456789abcdef' }, /^has no valid configHash$/],
    ['a config hash in capitals', { ...V2, configHash: '0123456789ABCDEF' }, /^has no valid configHash$/],
    ['a template hash with text after it', { ...V2, templateHash: 'fedcba98765432100' }, /^has no valid templateHash$/],
    ['a template hash with text before it', { ...V2, templateHash: '-fedcba9876543210' }, /^has no valid templateHash$/],
    ['a template hash that is no string', { ...V2, templateHash: 1 }, /^has no valid templateHash$/],
    ['an injector version that is no string', { ...V2, injectorVersion: 1 }, /^has no valid injectorVersion$/],
    ['an injector version with text before it', { ...V2, injectorVersion: 'v0.1.0' }, /^has no valid injectorVersion$/],
    ['an injector version of long numbers', { ...V2, injectorVersion: '123456.123456.123456' }, null],
    ['an injector version with a number too long', { ...V2, injectorVersion: '1234567.0.0' }, /^has no valid injectorVersion$/],
    ['a pre-release version', { ...V2, injectorVersion: '0.2.0-rc.1' }, null],
    ['a pre-release of 40 characters', { ...V2, injectorVersion: `0.2.0-${'a'.repeat(40)}` }, null],
    ['a pre-release of 41 characters', { ...V2, injectorVersion: `0.2.0-${'a'.repeat(41)}` }, /^has no valid injectorVersion$/],
    ['a pre-release with a character outside [0-9A-Za-z.-]', { ...V2, injectorVersion: '0.2.0-rc_1' }, /^has no valid injectorVersion$/],
    ['a proxy image that is no string', { ...V2, proxyImage: ['envoy'] }, /^has no valid proxyImage$/],
    ['an empty proxy image', { ...V2, proxyImage: '' }, /^has no valid proxyImage$/],
    ['a proxy image of 512 characters', { ...V2, proxyImage: 'e'.repeat(512) }, null],
  ];
  for (const [name, status, problem] of cases) {
    it(`${problem ? 'refuses' : 'reads'} ${name}`, () => {
      const parsed = parseStatus(JSON.stringify(status));
      if (problem === null) assert.ok(parsed.ok, parsed.ok ? '' : parsed.problems.join('; '));
      else assert.match(parsed.ok ? 'accepted' : parsed.problems.join('; '), problem);
    });
  }

  const unreadable: [text: string, problem: string][] = [
    ['{', 'is not JSON'],
    ['', 'is not JSON'],
    ['[]', 'is not a JSON object'],
    ['null', 'is not a JSON object'],
    ['"status"', 'is not a JSON object'],
    ['{"version":"2"}', 'has an unknown version'],
  ];
  for (const [text, problem] of unreadable) {
    it(`refuses ${JSON.stringify(text)}: ${problem}`, () => {
      assert.deepEqual(parseStatus(text), { ok: false, problems: [problem] });
    });
  }
});

// What the status lists must be in the pod (verifiedStatus): a status copied
// onto a pod without the proxy would make it count as injected.
describe('a status verified against its pod', () => {
  const text = JSON.stringify(V2);
  const nativePod = (): Pod => ({
    metadata: { name: 'p' },
    spec: {
      initContainers: [{ name: 'envoy-init' }, { name: 'envoy', restartPolicy: 'Always' }],
      containers: [{ name: 'app' }],
      volumes: [{ name: 'envoy-config' }],
    },
  });

  it('holds on a pod that has everything it lists', () => {
    assert.deepEqual(verifiedStatus(nativePod(), text), parseStatus(text));
    const classic = JSON.stringify({ ...V2, mode: 'classic', containers: ['envoy'], initContainers: ['envoy-init'] });
    const classicPod: Pod = {
      spec: { initContainers: [{ name: 'envoy-init' }], containers: [{ name: 'app' }, { name: 'envoy' }], volumes: [{ name: 'envoy-config' }] },
    };
    assert.equal(verifiedStatus(classicPod, classic).ok, true);
  });

  it('names everything listed that the pod does not have, in the order of the status', () => {
    const classic = JSON.stringify({ ...V2, mode: 'classic', containers: ['envoy'], initContainers: ['envoy-init'] });
    assert.deepEqual(verifiedStatus({ spec: { containers: [{ name: 'app' }] } }, classic), {
      ok: false,
      problems: ['lists container envoy, init container envoy-init, volume envoy-config, which the pod does not have'],
    });
    const swapped: Pod = { spec: { initContainers: [{ name: 'envoy' }], containers: [{ name: 'envoy-init' }], volumes: [{ name: 'envoy-config' }] } };
    assert.deepEqual(verifiedStatus(swapped, classic), {
      ok: false,
      problems: ['lists container envoy, init container envoy-init, which the pod does not have'],
    });
  });

  it('refuses native mode when the proxy is not a native sidecar, or not there', () => {
    const notNative = nativePod();
    delete notNative.spec.initContainers![1]!.restartPolicy;
    const problem = 'says native mode, but init container envoy is not restartPolicy: Always, so no proxy runs beside the app';
    assert.deepEqual(verifiedStatus(notNative, text), { ok: false, problems: [problem] });
    notNative.spec.initContainers![1]!.restartPolicy = 'OnFailure';
    assert.deepEqual(verifiedStatus(notNative, text), { ok: false, problems: [problem] });
  });

  it('passes on what the status itself gets wrong', () => {
    assert.deepEqual(verifiedStatus(nativePod(), '{'), { ok: false, problems: ['is not JSON'] });
  });
});
