// The CLI's contract as operators script it (docs/reference.md#commands):
// exit 0 success, 1 findings, 2 usage or environment error, each error one
// line on stderr with no stack trace; --version; -f files, directories and
// stdin; -o/--output-file; a line per resource on stderr.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { DEPLOYED_CLI } from '../support/repo.js';
import { temporaryDirectory } from '../support/temp-dir.js';

const BIN = DEPLOYED_CLI;
const dir = temporaryDirectory('envoy-injector-contract-');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}): Run {
  const result = spawnSync(process.execPath, [BIN, ...args], { input: options.input ?? '', encoding: 'utf8', env: options.env ?? process.env });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function write(path: string, text: string): string {
  const full = join(dir, path);
  mkdirSync(join(full, '..'), { recursive: true });
  writeFileSync(full, text);
  return full;
}

/** One line on stderr, no stack trace. */
function oneLine(result: Run): string {
  assert.equal(result.stderr.split('\n').length, 2, result.stderr);
  assert.doesNotMatch(result.stderr, /\n\s+at /);
  return result.stderr.trim();
}

const pod = (name: string, annotations = ''): string =>
  `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\n  namespace: shop\n${annotations}spec:\n  containers:\n  - name: app\n    image: app:1\n`;
const REJECTED = pod('bad', '  annotations:\n    envoy-injector.io/exclude-inbound-ports: "http"\n');
const OPTED_OUT = pod('out', '  annotations:\n    envoy-injector.io/inject: "false"\n');

describe('the CLI contract', () => {
  it('--version prints the version and exits 0', () => {
    for (const args of [['--version'], ['version']]) {
      const result = run(args);
      assert.equal(result.code, 0);
      assert.match(
        result.stdout,
        /^envoy-injector 0\.1\.0 \(default proxy image envoyproxy\/envoy:v1\.36\.\d+, traffic capture image envoy-injector\/envoy-init:0\.1\.0\)\n$/,
      );
    }
  });

  it('no command or an unknown one is a usage error, exit 2, with the commands listed', () => {
    for (const args of [[], ['frobnicate']]) {
      const result = run(args);
      assert.equal(result.code, 2);
      assert.match(result.stderr, /^envoy-injector: (a command is needed|unknown command "frobnicate")\nusage: envoy-injector COMMAND/);
    }
  });

  it('each command knows only its own flags', () => {
    const result = run(['inject', '-f', '-', '--request', 'GET http://a/'], { input: pod('web') });
    assert.equal(result.code, 2);
    const line = oneLine(result);
    assert.match(line, /^envoy-injector inject: unknown flag --request \(--help lists the flags: --filename, --output-file, --continue-on-error, /);
    assert.doesNotMatch(line, /--header/);
  });

  it('inject: a line per resource on stderr, the YAML on stdout, exit 0', () => {
    const result = run(['inject', '-f', '-'], { input: `${pod('web')}---\n${OPTED_OUT}---\nkind: ConfigMap\n` });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, 'pod/web injected\npod/out skipped [pod-opted-out]\n');
    assert.equal(parseAllDocuments(result.stdout).length, 3);
  });

  it('inject reads directories recursively (YAML and JSON files only, in path order) and -f again', () => {
    write('tree/b/two.yaml', pod('two'));
    write('tree/a.yml', pod('one'));
    write(
      'tree/c.json',
      JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'three' }, spec: { containers: [{ name: 'app', image: 'app:1' }] } }),
    );
    write('tree/notes.txt', 'not a manifest');
    const extra = write('extra.yaml', pod('four'));
    const result = run(['inject', '-f', join(dir, 'tree'), '-f', extra]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, 'pod/one injected\npod/two injected\npod/three injected\npod/four injected\n');
    assert.deepEqual(
      parseAllDocuments(result.stdout).map((d) => (d.toJS() as { metadata: { name: string } }).metadata.name),
      ['one', 'two', 'three', 'four'],
    );
    const empty = run(['inject', '-f', join(dir, 'tree', 'b', '..', '..', 'nothing-here')]);
    assert.equal(empty.code, 2);
    mkdirSync(join(dir, 'empty-dir'), { recursive: true });
    const noManifests = run(['inject', '-f', join(dir, 'empty-dir')]);
    assert.equal(noManifests.code, 2);
    assert.match(oneLine(noManifests), /empty-dir holds no \.yaml, \.yml or \.json file$/);
    assert.equal(run(['inject', '-f', '-', '-f', '-']).code, 2);
  });

  it('inject -o FILE writes the file, and nothing on stdout', () => {
    const out = join(dir, 'out.yaml');
    const result = run(['inject', '-f', '-', '-o', out], { input: pod('web') });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, '');
    assert.match(readFileSync(out, 'utf8'), /name: envoy-init/);
    const unwritable = run(['inject', '-f', '-', '--output-file', join(dir, 'no', 'such', 'dir', 'out.yaml')], { input: pod('web') });
    assert.equal(unwritable.code, 2);
    assert.match(unwritable.stderr, /cannot write .*out\.yaml: ENOENT/);
  });

  it('inject with a rejected pod: nothing written and exit 1; with --continue-on-error the rest is written, exit 1', () => {
    const input = `${pod('web')}---\n${REJECTED}`;
    const refused = run(['inject', '-f', '-'], { input });
    assert.equal(refused.code, 1);
    assert.equal(refused.stdout, '');
    assert.match(refused.stderr, /^pod\/web injected\npod\/bad rejected: annotation envoy-injector\.io\/exclude-inbound-ports/);
    const continued = run(['inject', '-f', '-', '--continue-on-error'], { input });
    assert.equal(continued.code, 1);
    const [first, second] = parseAllDocuments(continued.stdout).map((d) => d.toJS() as { spec: { initContainers?: unknown[] } });
    assert.equal(first?.spec.initContainers?.length, 2, 'the good pod is injected');
    assert.equal(second?.spec.initContainers, undefined, 'the rejected one is as it was');
    assert.ok(continued.stdout.endsWith(REJECTED));
  });

  it('explain: exit 1 when a pod would be rejected, 0 otherwise; --output-file', () => {
    assert.equal(run(['explain', '-f', '-'], { input: `${pod('web')}---\n${OPTED_OUT}` }).code, 0);
    const rejected = run(['explain', '-f', '-', '-o', 'json'], { input: `${pod('web')}---\n${REJECTED}` });
    assert.equal(rejected.code, 1);
    assert.deepEqual(
      (JSON.parse(rejected.stdout) as Array<{ decision: string }>).map((v) => v.decision),
      ['injected', 'rejected'],
    );
    const out = join(dir, 'explain.txt');
    const toFile = run(['explain', '-f', '-', '--output-file', out], { input: pod('web') });
    assert.equal(toFile.stdout, '');
    assert.match(readFileSync(out, 'utf8'), /^Pod shop\/web \(document 1, pod\): injected\n/);
  });

  it('status: no cluster, an unreadable kubeconfig or an unreachable API server is exit 2, one line', () => {
    const home = temporaryDirectory('envoy-injector-home-');
    const env = (kubeconfig?: string): NodeJS.ProcessEnv => {
      const { KUBECONFIG: _kubeconfig, KUBERNETES_SERVICE_HOST: _host, ...rest } = process.env;
      return { ...rest, HOME: home, ...(kubeconfig === undefined ? {} : { KUBECONFIG: kubeconfig }) };
    };
    const none = run(['status'], { env: env() });
    assert.equal(none.code, 2);
    assert.match(oneLine(none), /^envoy-injector status: status needs a cluster .*none is configured$/);
    const malformed = run(['status'], { env: env(write('kube/malformed', 'clusters: [ {{{\n')) });
    assert.equal(malformed.code, 2);
    assert.match(oneLine(malformed), /^envoy-injector status: cannot read the kubeconfig \(KUBECONFIG=.*malformed\): /);
    const unreachable = write(
      'kube/unreachable',
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{ name: c, cluster: { server: "https://127.0.0.1:1", insecure-skip-tls-verify: true } }]',
        'users: [{ name: u, user: { token: t } }]',
        'contexts: [{ name: x, context: { cluster: c, user: u } }]',
        'current-context: x',
        '',
      ].join('\n'),
    );
    const refused = run(['status'], { env: env(unreachable) });
    assert.equal(refused.code, 2);
    assert.match(oneLine(refused), /^envoy-injector status: cannot list pods and namespaces from https:\/\/127\.0\.0\.1:1: /);
  });

  it('certs: the caBundle alone on stdout, what it is on stderr; bad flags and unwritable directories exit 2', () => {
    const out = join(dir, 'certs');
    const result = run(['certs', '--out', out, '--days', '30']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(Buffer.from(result.stdout.trim(), 'base64').toString('utf8'), readFileSync(join(out, 'ca.crt'), 'utf8'));
    assert.ok(new X509Certificate(readFileSync(join(out, 'tls.crt'))).checkHost('envoy-injector.envoy-injector.svc'));
    assert.match(
      result.stderr,
      /^wrote .*ca\.crt, .*tls\.crt and .*tls\.key: a CA and a serving certificate for envoy-injector\.envoy-injector\.svc, valid 30 days\nthe caBundle for the MutatingWebhookConfiguration \(base64 of .*ca\.crt\), on stdout:\n$/,
    );
    assert.equal(run(['certs', '--out', out, '--days', 'soon']).code, 2);
    const blocked = write('blocked', 'a file, not a directory');
    const unwritable = run(['certs', '--out', join(blocked, 'sub')]);
    assert.equal(unwritable.code, 2);
    assert.match(oneLine(unwritable), /^envoy-injector certs: cannot write certificates to /);
  });

  it('serve: bad flags and an unreadable config are exit 2, one line', () => {
    const badPort = run(['serve', '--port', 'http']);
    assert.equal(badPort.code, 2);
    assert.match(oneLine(badPort), /--port http is not a port/);
    const badConfig = run(['serve', '--config', join(dir, 'missing-config.yaml')]);
    assert.equal(badConfig.code, 2);
    assert.match(oneLine(badConfig), /cannot read .*missing-config\.yaml: ENOENT/);
  });
});
