// Golden tests: every manifest under test/golden/cases is injected offline and
// compared with test/golden/expected (<case>.injected.yaml and <case>.patch.json,
// or <case>.error.txt). REFRESH_GOLDEN=1 rewrites the expected files; an
// expected file without its case fails, so stale goldens cannot linger.
//
// Beyond the comparison, each injected pod is checked for real: the patch is
// applied with an independent RFC 6902 implementation and must give the
// injected pod, which must validate as a Pod; the rendered Envoy documents must
// pass strict proto validation; and a second run must change nothing.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { applyPatch, type Operation as Rfc6902Operation } from 'rfc6902';
import { DEFAULT_CONFIG, parseConfig } from '../src/config/config.js';
import type { Pod } from '../src/model/kubernetes.js';
import { ANNOTATION } from '../src/model/names.js';
import { createPatch } from '../src/model/json-patch.js';
import { injectManifests, type OfflineOptions } from '../src/offline/offline.js';
import { BOOTSTRAP_TYPE, DISCOVERY_RESPONSE_TYPE, envoyProtoProblems } from './support/envoy-proto.js';
import { manifestPods, podProblems } from './support/pod-checks.js';
import { repoPath } from './support/repo.js';

const CASES = repoPath('test', 'golden', 'cases');
const EXPECTED = repoPath('test', 'golden', 'expected');
const refresh = process.env.REFRESH_GOLDEN === '1';

/** A case's header: options of the offline run, its `config` an overlay read as a config file is. */
function optionsFor(text: string): OfflineOptions {
  const header = /^# golden-options: (.*)$/m.exec(text);
  const { config: overlay, ...options } = header ? (JSON.parse(header[1] ?? '{}') as Partial<OfflineOptions> & { config?: unknown }) : {};
  const config = overlay === undefined ? { ok: true as const, value: DEFAULT_CONFIG } : parseConfig(overlay);
  assert.ok(config.ok, JSON.stringify(config));
  return { config: config.value, defaultNamespace: 'default', ...options };
}

function compareOrWrite(file: string, actual: string): void {
  const path = join(EXPECTED, file);
  if (refresh) {
    writeFileSync(path, actual);
    return;
  }
  assert.ok(existsSync(path), `${file} is missing: run \`make golden\` and review the new file`);
  assert.equal(actual, readFileSync(path, 'utf8'), `${file} differs: if the change is intended, run \`make golden\` and review the diff`);
}

const cases = readdirSync(CASES)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => f.slice(0, -'.yaml'.length))
  .sort();

describe('golden injection cases', () => {
  if (refresh) mkdirSync(EXPECTED, { recursive: true });

  it('has no expected file without its case', () => {
    const outputs = readdirSync(EXPECTED).filter((f) => !f.startsWith('.'));
    const orphans = outputs.filter((f) => !cases.includes(f.replace(/\.(injected\.yaml|patch\.json|error\.txt)$/, '')));
    if (refresh) orphans.forEach((f) => unlinkSync(join(EXPECTED, f)));
    else assert.deepEqual(orphans, [], 'expected files whose case is gone: delete them or run `make golden`');
  });

  for (const name of cases) {
    it(name, () => {
      const text = readFileSync(join(CASES, `${name}.yaml`), 'utf8');
      const options = optionsFor(text);
      const result = injectManifests(text, options);
      const stale = (suffix: string): void => {
        const path = join(EXPECTED, `${name}.${suffix}`);
        if (refresh && existsSync(path)) unlinkSync(path);
        else assert.ok(!existsSync(path), `${name}.${suffix} is stale: run \`make golden\``);
      };
      if (!result.ok) {
        compareOrWrite(`${name}.error.txt`, `${result.problems.join('\n')}\n`);
        stale('injected.yaml');
        stale('patch.json');
        return;
      }
      stale('error.txt');
      compareOrWrite(`${name}.injected.yaml`, result.value);

      const before = manifestPods(text);
      const after = manifestPods(result.value);
      assert.equal(after.length, before.length);
      const patches = before.map(({ pod: original, claimVolumes }, index) => {
        const injected = after[index]?.pod as Pod;
        const patch = createPatch(original, injected);
        const patched = structuredClone(original);
        const failures = applyPatch(patched, patch as Rfc6902Operation[]).filter((r) => r !== null);
        assert.deepEqual(failures, [], 'the patch applies cleanly with rfc6902');
        assert.deepEqual(patched, injected, 'the patch turns the original into the injected pod');
        assert.deepEqual(podProblems(injected, claimVolumes), [], 'the injected pod is a valid Pod');
        const annotations = injected.metadata?.annotations ?? {};
        if (annotations[ANNOTATION.envoyBootstrap] !== undefined && original.metadata?.annotations?.[ANNOTATION.status] === undefined) {
          assert.deepEqual(envoyProtoProblems(BOOTSTRAP_TYPE, JSON.parse(annotations[ANNOTATION.envoyBootstrap] ?? '')), []);
          assert.deepEqual(envoyProtoProblems(DISCOVERY_RESPONSE_TYPE, JSON.parse(annotations[ANNOTATION.envoyLds] ?? '')), []);
          assert.deepEqual(envoyProtoProblems(DISCOVERY_RESPONSE_TYPE, JSON.parse(annotations[ANNOTATION.envoyRds] ?? '')), []);
          assert.deepEqual(envoyProtoProblems(DISCOVERY_RESPONSE_TYPE, JSON.parse(annotations[ANNOTATION.envoyCds] ?? '')), []);
        }
        return patch;
      });
      compareOrWrite(`${name}.patch.json`, `${JSON.stringify(patches, null, 2)}\n`);

      const again = injectManifests(result.value, options);
      assert.ok(again.ok);
      assert.equal(again.value, result.value, 'a second run changes nothing');
    });
  }
});
