// `inject` on manifests as people write them (the golden cases and the
// third-party corpus in test/corpus): Kubernetes reads the output as it read
// the input, apart from what injection adds (an independent YAML 1.1 reader
// says so); comments and untouched documents stay; the pods are valid, a
// second run changes nothing, and the webhook, given the pod the controller
// creates from each template, injects exactly what `inject` wrote.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { applyPatch, type Operation } from 'rfc6902';
import { reviewAdmission } from '../../src/admission/review.js';
import { DEFAULT_CONFIG } from '../../src/config/config.js';
import { isPlainObject, type Pod } from '../../src/model/kubernetes.js';
import { KUBECTL_DEFAULT_CONTAINER } from '../../src/model/names.js';
import { parseKubernetesYaml } from '../../src/offline/kubernetes-yaml.js';
import { injectManifests } from '../../src/offline/offline.js';
import { findPods } from '../../src/offline/workloads.js';
import { admissionReview } from '../support/apiserver.js';
import { controllerPod } from '../support/controller-pod.js';
import { podProblems } from '../support/pod-checks.js';
import { repoPath } from '../support/repo.js';
import { readAsKubernetes } from '../support/yaml11.js';

const OPTIONS = { config: DEFAULT_CONFIG, defaultNamespace: 'default' };
const INJECTED_NAMES = ['envoy', 'envoy-init', 'envoy-config'];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : /\.ya?ml$/.test(name) ? [path] : [];
  });
}

const inputs = [
  ...files(repoPath('test', 'golden', 'cases')).filter((f) => !/\/(invalid|conflict)-/.test(f) && !readFileSync(f, 'utf8').includes('golden-options')),
  ...files(repoPath('test', 'corpus')),
];

/** The output as Kubernetes reads it, without what injection added, aligned with the input. */
function withoutInjection(output: unknown, input: unknown): unknown {
  if (Array.isArray(output)) return output.map((item, i) => withoutInjection(item, Array.isArray(input) ? input[i] : undefined));
  if (!isPlainObject(output)) return output;
  const inputObject = isPlainObject(input) ? input : {};
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(output)) {
    let kept = value;
    if (['containers', 'initContainers', 'volumes'].includes(key) && Array.isArray(value)) {
      const had = new Set((Array.isArray(inputObject[key]) ? inputObject[key] : []).map((item) => (isPlainObject(item) ? String(item.name) : '')));
      kept = value.filter((item) => !(isPlainObject(item) && INJECTED_NAMES.includes(String(item.name)) && !had.has(String(item.name))));
      if ((kept as unknown[]).length === 0 && !(key in inputObject)) continue;
    }
    if (key === 'annotations' && isPlainObject(value)) {
      const before = isPlainObject(inputObject.annotations) ? inputObject.annotations : {};
      kept = Object.fromEntries(
        Object.entries(value).filter(
          ([k]) => k in before || !(k.startsWith('envoy-injector.io/') || k.startsWith('prometheus.io/') || k === KUBECTL_DEFAULT_CONTAINER),
        ),
      );
      if (Object.keys(kept as object).length === 0 && !(key in inputObject)) continue;
    }
    const stripped = withoutInjection(kept, inputObject[key]);
    // A template without metadata gets one for the annotations alone.
    if (key === 'metadata' && isPlainObject(stripped) && Object.keys(stripped).length === 0 && !(key in inputObject)) continue;
    result[key] = stripped;
  }
  return result;
}

const fullLineComments = (text: string): string[] =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('#'))
    .sort();

describe('inject keeps what manifests mean, on real manifests', () => {
  it('reads the golden cases and the corpus', () => assert.ok(inputs.length >= 30 && inputs.some((f) => f.includes('corpus'))));

  for (const file of inputs) {
    it(relative(repoPath(), file), () => {
      const input = readFileSync(file, 'utf8');
      const result = injectManifests(input, OPTIONS);
      assert.ok(result.ok, result.ok ? '' : result.problems.join('\n'));
      const output = result.value;

      // The injector reads YAML as Kubernetes does, and so, read by another
      // YAML 1.1 reader, the output means the input plus the injection.
      const before = readAsKubernetes(input);
      assert.deepEqual(
        parseKubernetesYaml(input).map((d): unknown => d.toJS() ?? null),
        before.map((d) => d ?? null),
        'the injector reads the input as Kubernetes does',
      );
      const after = readAsKubernetes(output);
      assert.deepEqual(withoutInjection(after, before), before, 'outside what injection added, the output means what the input meant');

      // Comments stay; documents without an injected pod stay byte for byte.
      const kept = fullLineComments(output);
      for (const comment of new Set(fullLineComments(input))) {
        const count = (list: string[]): number => list.filter((c) => c === comment).length;
        assert.ok(count(kept) >= count(fullLineComments(input)), `comment kept: ${comment}`);
      }
      for (const document of parseKubernetesYaml(input)) {
        const data: unknown = document.toJS();
        if (findPods(data).length > 0) continue;
        const [start, , end] = document.range;
        assert.ok(output.includes(input.slice(start, end)), `an untouched document is byte-identical (at ${start})`);
      }

      // Idempotent, valid, and the same as the webhook's.
      const again = injectManifests(output, OPTIONS);
      assert.equal(again.ok && again.value, output, 'a second run changes nothing');
      const injected = parseKubernetesYaml(output).flatMap((d) => findPods(d.toJS()));
      const originals = parseKubernetesYaml(input).flatMap((d) => findPods(d.toJS()));
      injected.forEach((location, index) => {
        const holder = location.holder as unknown as Pod;
        if (!holder.metadata?.annotations?.['envoy-injector.io/status'] || originals[index]?.holder.metadata === undefined) return;
        // null is "not set" to the API server (emojivoto writes creationTimestamp: null).
        const metadata = Object.fromEntries(Object.entries(holder.metadata ?? {}).filter(([, v]) => v !== null));
        const claims = ((location.owner.spec as { volumeClaimTemplates?: Array<{ metadata: { name: string } }> } | undefined)?.volumeClaimTemplates ?? []).map(
          (c) => c.metadata.name,
        );
        assert.deepEqual(podProblems({ ...holder, metadata }, claims), [], 'the injected pod is valid');
        const original = originals[index]?.holder as unknown as Pod;
        if (original.metadata?.annotations?.['envoy-injector.io/status']) return;
        const pod = location.isTemplate ? controllerPod(location.owner, original) : original;
        const namespace = (location.owner.metadata as { namespace?: string } | undefined)?.namespace ?? 'default';
        const answer = reviewAdmission(admissionReview(pod, { namespace }), { config: DEFAULT_CONFIG });
        const patched = structuredClone(pod);
        applyPatch(patched, JSON.parse(Buffer.from(answer.review.response.patch ?? '', 'base64').toString('utf8')) as Operation[]);
        assert.deepEqual(patched.metadata?.annotations, holder.metadata?.annotations, 'the webhook writes the same annotations');
        assert.deepEqual(patched.spec, holder.spec, 'the webhook writes the same spec');
      });
    });
  }
});
