// The routing guide's examples are tests. Every manifest it shows is a file
// of examples/routing/ whose route-check tests pass; and each pod in docs/routing.md
// is injected exactly as `envoy-injector inject` would, and the virtual hosts
// and clusters shown under it must be what was rendered. REFRESH_GOLDEN=1
// rewrites the shown output from the rendering, for review like code.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { DEFAULT_CONFIG } from '../src/config/config.js';
import { ANNOTATION } from '../src/model/names.js';
import { injectManifests } from '../src/offline/offline.js';
import { routeCheck } from '../src/offline/route-check.js';
import { DISCOVERY_RESPONSE_TYPE, envoyProtoProblems } from './support/envoy-proto.js';
import { repoPath } from './support/repo.js';

const GUIDE = repoPath('docs', 'routing.md');
const EXAMPLE_FILE = /<!-- routing-example: ([a-z-]+) -->\n```yaml\n([\s\S]*?)```/g;
const EXAMPLES_DIR = repoPath('examples', 'routing');
const EXAMPLE = /<!-- routing-example: ([a-z-]+) -->\n```yaml\n([\s\S]*?)```\n\n[^`]*?```json\n([\s\S]*?)```\n\n[^`]*?```text\n([\s\S]*?)```/g;

interface RenderedExample {
  virtualHosts: string;
  clusters: string;
  documents: Record<string, unknown>[];
}

interface Cluster {
  name: string;
  type: string;
  load_assignment: { endpoints: { lb_endpoints: { endpoint: { address: { socket_address: { address: string; port_value: number } } } }[] }[] };
}

function render(podYaml: string): RenderedExample {
  const result = injectManifests(podYaml, { config: DEFAULT_CONFIG, defaultNamespace: 'default' });
  if (!result.ok) throw new Error(`the routing guide's example is refused: ${result.problems.join('; ')}`);
  const annotations = (parse(result.value) as { metadata: { annotations: Record<string, string> } }).metadata.annotations;
  const rds = JSON.parse(annotations[ANNOTATION.envoyRds] ?? '{}') as { resources: { virtual_hosts: { name: string }[] }[] };
  const cds = JSON.parse(annotations[ANNOTATION.envoyCds] ?? '{}') as { resources: Cluster[] };
  // What the pod asked for: the catch-all passthrough host is the same for every pod.
  const ownHosts = (rds.resources[0]?.virtual_hosts ?? []).filter((host) => host.name !== 'passthrough');
  const clusterLines = cds.resources.map((cluster) => {
    const address = cluster.load_assignment.endpoints[0]?.lb_endpoints[0]?.endpoint.address.socket_address;
    return `${cluster.name} → ${cluster.type} ${address?.address}:${address?.port_value}`;
  });
  return { virtualHosts: `${JSON.stringify(ownHosts, null, 2)}\n`, clusters: `${clusterLines.join('\n')}\n`, documents: [rds, cds] };
}

describe('routing guide examples', () => {
  const guide = readFileSync(GUIDE, 'utf8');
  const examples = [...guide.matchAll(EXAMPLE)];

  it('has the three worked examples: path routing, canary, header A/B', () => {
    assert.deepEqual(
      examples.map((match) => match[1]),
      ['path-routing', 'canary', 'header-ab'],
    );
  });

  if (process.env.REFRESH_GOLDEN === '1') {
    it('rewrites the shown output (REFRESH_GOLDEN=1)', () => {
      const refreshed = guide.replace(EXAMPLE, (whole, _name: string, podYaml: string, json: string, text: string) => {
        const rendered = render(podYaml);
        return whole
          .replace(`\`\`\`json\n${json}\`\`\``, `\`\`\`json\n${rendered.virtualHosts}\`\`\``)
          .replace(`\`\`\`text\n${text}\`\`\``, `\`\`\`text\n${rendered.clusters}\`\`\``);
      });
      writeFileSync(GUIDE, refreshed);
    });
    return;
  }

  const shown = [...guide.matchAll(EXAMPLE_FILE)];
  it('shows every example of examples/routing, each once', () => {
    const files = readdirSync(EXAMPLES_DIR)
      .filter((f) => f.endsWith('.tests.yaml'))
      .map((f) => f.replace('.tests.yaml', ''));
    assert.deepEqual(shown.map((m) => m[1]).sort(), files.sort());
    assert.ok(files.length >= 5);
  });

  for (const [, name = '', yaml] of shown) {
    it(`${name}: the guide shows the file, and its route-check tests pass`, () => {
      const manifest = readFileSync(join(EXAMPLES_DIR, `${name}.yaml`), 'utf8');
      assert.equal(yaml, manifest, `the guide shows examples/routing/${name}.yaml as it is`);
      const results = routeCheck(manifest, readFileSync(join(EXAMPLES_DIR, `${name}.tests.yaml`), 'utf8'), {
        config: DEFAULT_CONFIG,
        defaultNamespace: 'default',
      });
      assert.ok(results.ok, results.ok ? '' : results.problems.join('; '));
      assert.ok(results.value.length >= 3);
      assert.deepEqual(
        results.value.filter((r) => !r.passed),
        [],
      );
    });
  }

  for (const [, name, podYaml = '', json, text] of examples) {
    it(`${name}: the guide shows exactly what is rendered, and it is valid Envoy config`, () => {
      const rendered = render(podYaml);
      assert.equal(json, rendered.virtualHosts, 'the JSON under the example is the rendered virtual host (make golden to refresh)');
      assert.equal(text, rendered.clusters, 'the clusters under the example are the rendered ones (make golden to refresh)');
      for (const document of rendered.documents) assert.deepEqual(envoyProtoProblems(DISCOVERY_RESPONSE_TYPE, document), []);
    });
  }
});
