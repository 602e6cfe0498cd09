// What `inject` writes, as text: no YAML anchors or aliases the input did
// not have, and the input's line endings kept.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_CONFIG } from '../../src/config/config.js';
import { injectManifests } from '../../src/offline/offline.js';
import { readAsKubernetes } from '../support/yaml11.js';

const OPTIONS = { config: DEFAULT_CONFIG, defaultNamespace: 'default' };

const DEPLOYMENT = [
  '# the web tier',
  'apiVersion: apps/v1',
  'kind: Deployment',
  'metadata:',
  '  name: web',
  'spec:',
  '  selector:',
  '    matchLabels: { app: web }',
  '  template:',
  '    metadata:',
  '      labels: { app: web }',
  '    spec:',
  '      containers:',
  '      - name: web',
  '        image: nginx:1.27',
  '        args:',
  '        - |',
  '          a block',
  '          of two lines',
  '',
].join('\n');

function injected(text: string): string {
  const result = injectManifests(text, OPTIONS);
  assert.ok(result.ok, JSON.stringify(result));
  return result.value;
}

describe('inject output text', () => {
  it('writes no anchor or alias: the proxy’s two probes are written out twice', () => {
    const output = injected(DEPLOYMENT);
    assert.doesNotMatch(output, /[&*][a-z]+\d+\b/);
    assert.equal(output.match(/path: \/ready/g)?.length, 2, 'a readiness and a startup probe');
  });

  it('keeps CRLF line endings throughout, and means the same', () => {
    const crlf = `${DEPLOYMENT.replaceAll('\n', '\r\n')}---\r\napiVersion: v1\r\nkind: ConfigMap\r\nmetadata: { name: c }\r\n`;
    const output = injected(crlf);
    assert.doesNotMatch(output.replaceAll('\r\n', ''), /\n/, 'no line ends with \\n alone');
    assert.ok(output.startsWith('# the web tier\r\n'), 'the comment is kept once');
    assert.equal(output.match(/# the web tier/g)?.length, 1);
    const [deployment] = readAsKubernetes(output) as Array<{ spec: { template: { spec: { containers: Array<{ args: string[] }> } } } }>;
    assert.deepEqual(deployment?.spec.template.spec.containers[0]?.args, ['a block\nof two lines\n']);
    assert.equal(injected(output), output, 'a second run changes nothing');
  });

  it('keeps LF line endings', () => {
    assert.doesNotMatch(injected(DEPLOYMENT), /\r/);
  });
});
