// The command as users run it: `node dist/src/cli/main.js ...`, exit codes,
// one-line errors on stderr, stdin, and namespace simulation.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { DEPLOYED_CLI, repoPath } from '../support/repo.js';
import { temporaryDirectory } from '../support/temp-dir.js';

const BIN = DEPLOYED_CLI;

function run(args: string[], input?: string): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [BIN, ...args], { input: input ?? '', encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const dir = temporaryDirectory('envoy-injector-cli-');
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const POD = `apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: shop
spec:
  containers:
  - name: web
    image: nginx
`;

describe('envoy-injector CLI', () => {
  it('inject -f FILE writes the injected manifest and exits 0', () => {
    const { code, stdout, stderr } = run(['inject', '-f', file('pod.yaml', POD)]);
    assert.equal(code, 0, stderr);
    const pod = parse(stdout) as { spec: { initContainers: Array<{ name: string }> } };
    assert.deepEqual(
      pod.spec.initContainers.map((c) => c.name),
      ['envoy-init', 'envoy'],
    );
  });

  it('inject -f - reads standard input, and a second pass is byte-identical', () => {
    const first = run(['inject', '-f', '-'], POD);
    assert.equal(first.code, 0, first.stderr);
    const second = run(['inject', '-f', '-'], first.stdout);
    assert.equal(second.stdout, first.stdout);
  });

  it('refuses an invalid annotation with one line naming document, object and annotation', () => {
    const bad = POD.replace('  namespace: shop\n', '  namespace: shop\n  annotations:\n    envoy-injector.io/exclude-inbound-ports: "http"\n');
    const { code, stdout, stderr } = run(['inject', '-f', '-'], `kind: ConfigMap\n---\n${bad}`);
    assert.equal(code, 1);
    assert.equal(stdout, '');
    const [summary, problem, nothing, ...more] = stderr.split('\n');
    assert.match(summary ?? '', /^pod\/web rejected: annotation envoy-injector\.io\/exclude-inbound-ports: "http" is not a port/);
    assert.match(
      problem ?? '',
      /^envoy-injector inject: document 2 \(Pod shop\/web\): annotation envoy-injector\.io\/exclude-inbound-ports: "http" is not a port/,
    );
    assert.equal(nothing, 'nothing written: a pod was rejected (--continue-on-error writes the other documents)');
    assert.deepEqual(more, ['']);
  });

  it('refuses invalid YAML and unreadable files: bad input, exit 2', () => {
    const invalid = run(['inject', '-f', '-'], 'a: [');
    assert.equal(invalid.code, 2);
    assert.match(invalid.stderr, /document 1: invalid YAML/);
    const missing = run(['inject', '-f', join(dir, 'nope.yaml')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read .*nope\.yaml: ENOENT/);
  });

  it('usage errors exit 2 with the reason', () => {
    assert.equal(run(['inject']).code, 2);
    assert.match(run(['inject']).stderr, /-f FILE .* is required/);
    assert.match(run(['inject', '-f', '-', '--bogus']).stderr, /unknown flag --bogus/);
    assert.equal(run(['frobnicate']).code, 2);
    for (const flag of ['--max-connections', '--max-in-flight-mib']) {
      const bad = run(['serve', flag, '0']);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, new RegExp(`${flag} must be a whole number ≥ 1`));
    }
  });

  it('explain says why, with reason codes, for each pod', () => {
    const optOut = POD.replace('  namespace: shop\n', '  namespace: shop\n  labels:\n    envoy-injector.io/inject: "false"\n');
    const { code, stdout } = run(['explain', '-f', '-'], `${POD}---\n${optOut}`);
    assert.equal(code, 0);
    assert.match(stdout, /Pod shop\/web \(document 1, pod\): injected\n {2}because namespace shop is not known/);
    assert.match(stdout, /Pod shop\/web \(document 2, pod\): skipped\n {2}\[pod-opted-out\]/);
    // How the proxy will live: its workers, its drain on stop, its access log.
    assert.match(stdout, /\n {2}workers: 1 \(from the CPU request 100m, rounded up\)\n {2}drain on stop: up to 5 s\n {2}access log: off\n/);
    const tuned = POD.replace(
      '  namespace: shop\n',
      '  namespace: shop\n  annotations:\n    envoy-injector.io/proxy-concurrency: "2"\n    envoy-injector.io/access-log: json\n',
    );
    const [verdict] = JSON.parse(run(['explain', '-f', '-', '-o', 'json'], tuned).stdout) as Array<Record<string, unknown>>;
    assert.deepEqual(
      { concurrency: verdict?.concurrency, drainSeconds: verdict?.drainSeconds, accessLog: verdict?.accessLog },
      { concurrency: { workers: 2, source: 'annotation envoy-injector.io/proxy-concurrency' }, drainSeconds: 5, accessLog: 'json' },
    );
  });

  it('explain and inject say and do where a proxy reads its config: files, or the ADS server given its CA (--xds-ca)', async () => {
    const xdsPod = POD.replace('  namespace: shop\n', '  namespace: shop\n  annotations:\n    envoy-injector.io/config-source: xds\n');
    assert.match(
      run(['explain', '-f', '-'], POD).stdout,
      /\n {2}capture by: envoy-init \(init; root with NET_ADMIN and NET_RAW\), set by config capture.mode\n {2}config from: the envoy-config volume \(file\), set by config proxy.configSource\n/,
    );
    const restricted = run(
      [
        'explain',
        '-f',
        '-',
        '--namespace-label',
        'envoy-injector.io/inject=enabled',
        '--namespace-label',
        'pod-security.kubernetes.io/enforce=restricted',
        '--config',
        file('cni.yaml', 'capture: { cniInstalled: true }\n'),
      ],
      POD,
    );
    assert.match(
      restricted.stdout,
      /capture by: the node's CNI plugin \(cni; envoy-validate checks it, no privilege\), set by namespace shop enforcing the "restricted" Pod Security level/,
    );
    // Without the CA, as from an injector without --xds-port: files, and said.
    const without = run(['explain', '-f', '-'], xdsPod).stdout;
    assert.match(without, /config from: the envoy-config volume \(file\), set by annotation envoy-injector.io\/config-source, but this injector serves no xDS/);
    assert.match(without, /warning: envoy-injector.io\/config-source: xds, but this injector serves no xDS/);
    const { generateWebhookCertificates } = await import('../../src/certs/generate.js');
    const ca = file('ca.crt', (await generateWebhookCertificates({ service: 'envoy-injector', namespace: 'envoy-injector' })).caCert);
    const [verdict] = JSON.parse(run(['explain', '-f', '-', '-o', 'json', '--xds-ca', ca], xdsPod).stdout) as Array<Record<string, unknown>>;
    assert.deepEqual(verdict?.configSource, { value: 'xds', from: 'annotation envoy-injector.io/config-source' });
    assert.match(
      run(['explain', '-f', '-', '--xds-ca', ca], xdsPod).stdout,
      /\n {2}config from: the injector's ADS server \(xds; until a replica answers, the routes in its bootstrap\), set by annotation envoy-injector.io\/config-source\n/,
    );
    const injected = run(['inject', '-f', '-', '--xds-ca', ca], xdsPod);
    assert.equal(injected.code, 0, injected.stderr);
    const pod = parse(injected.stdout) as { spec: { volumes: Array<{ name: string }> }; metadata: { annotations: Record<string, string> } };
    assert.deepEqual(
      pod.spec.volumes.map((v) => v.name),
      ['envoy-config', 'envoy-token'],
    );
    assert.match(pod.metadata.annotations['envoy-injector.io/envoy-bootstrap'] ?? '', /"ads_config"/);
    const notPem = run(['inject', '-f', '-', '--xds-ca', file('not-a-ca', 'hello')], xdsPod);
    assert.deepEqual(
      [notPem.code, notPem.stderr.trim()],
      [2, `envoy-injector inject: --xds-ca ${join(dir, 'not-a-ca')} is not a PEM certificate (envoy-injector inject --help)`],
    );
  });

  it('explain -o json is machine-readable', () => {
    const { stdout } = run(['explain', '-f', '-', '-o', 'json', '--namespace-label', 'envoy-injector.io/inject=disabled'], POD);
    assert.deepEqual(JSON.parse(stdout), [
      {
        document: 1,
        object: 'Pod shop/web',
        pod: 'pod',
        namespace: { name: 'shop', source: 'the --namespace-label/--namespace-annotation flags' },
        decision: 'skipped',
        reasons: [{ code: 'namespace-disabled', message: 'namespace shop is labelled envoy-injector.io/inject=disabled, which no pod setting overrides' }],
        warnings: [],
      },
    ]);
  });

  it('explain shows the warning the webhook would return for a skip the pod did not expect', () => {
    const asked = POD.replace('  namespace: shop\n', '  namespace: shop\n  labels:\n    envoy-injector.io/inject: "true"\n').replace(
      'spec:\n',
      'spec:\n  hostNetwork: true\n',
    );
    const text = run(['explain', '-f', '-'], asked).stdout;
    assert.match(text, /: skipped\n {2}\[host-network\][^\n]*\n {2}warning: envoy-injector: not injected: \[host-network\]/);
    const [verdict] = JSON.parse(run(['explain', '-f', '-', '-o', 'json'], asked).stdout) as Array<{ warnings: string[] }>;
    assert.equal(verdict?.warnings.length, 1);
  });

  it('--namespace-label and --namespace-annotation simulate the namespace', () => {
    const unlabelled = run(['explain', '-f', '-', '--namespace-label', 'team=a'], POD);
    assert.match(unlabelled.stdout, /\[namespace-not-enrolled\]/);
    const withDefault = run(
      ['inject', '-f', '-', '--namespace-label', 'envoy-injector.io/inject=enabled', '--namespace-annotation', 'envoy-injector.io/log-level=debug'],
      POD,
    );
    assert.equal(withDefault.code, 0, withDefault.stderr);
    assert.match(withDefault.stdout, /- --log-level\n\s+- debug/);
    // An annotation alone does not make the namespace one without labels.
    const annotationOnly = run(['explain', '-f', '-', '--namespace-annotation', 'envoy-injector.io/log-level=debug'], POD);
    assert.match(
      annotationOnly.stdout,
      /: injected\n {2}because the labels of namespace shop are not known \(only its annotations were given\), so it counts as enrolled/,
    );
  });

  it('--config overlays the defaults and reports every problem of a bad file', () => {
    const config = file('config.yaml', 'policy: disabled\nproxy:\n  logLevel: info\n');
    assert.match(run(['explain', '-f', '-', '--config', config], POD).stdout, /\[pod-not-opted-in\]/);
    const bad = file('bad.yaml', 'polcy: disabled\nproxy:\n  image: ""\n  outboundHttpPorts: [0]\n');
    const result = run(['explain', '-f', '-', '--config', bad], POD);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /polcy: unknown setting \(did you mean "policy"\?\)/);
    assert.match(result.stderr, /proxy\.image: "" is not a container image reference/);
    assert.match(result.stderr, /proxy\.outboundHttpPorts: 0 is not a port/);
  });

  it('every command has --help: its flags with their defaults, examples and exit codes, exit 0', () => {
    for (const command of ['serve', 'inject', 'explain', 'route-check', 'status', 'certs']) {
      for (const help of [run([command, '--help']), run(['help', command])]) {
        assert.equal(help.code, 0, help.stderr);
        assert.match(help.stdout, new RegExp(`^envoy-injector ${command}: .+\\n\\nusage: envoy-injector ${command} `));
        assert.match(help.stdout, /\nflags:\n {2}(-\w, | {4})--[a-z-]+/);
        assert.match(help.stdout, /\nexamples:\n {2}envoy-injector /);
        assert.match(help.stdout, /\nexit codes: 0 [^\n]+; 2 usage or environment error/);
      }
    }
    assert.match(run(['certs', '--help']).stdout, /\n {6}--days N\n {8}days the certificates are valid \(default: 365\)\n/);
    assert.match(run(['inject', '--help']).stdout, /\n {2}-f, --filename FILE\|DIR\|-\n {8}manifests to read: a file, a directory/);
    const overview = run(['--help']);
    assert.equal(overview.code, 0);
    for (const command of ['serve', 'inject', 'explain', 'route-check', 'status', 'certs']) assert.match(overview.stdout, new RegExp(`\\n {2}${command} +\\S`));
  });

  it('route-check follows router_check: exit 0, 1 with expected and actual on stderr, 2 on bad input', () => {
    const config = repoPath('examples', 'routing', 'canary.yaml');
    const tests = repoPath('examples', 'routing', 'canary.tests.yaml');
    const passing = run(['route-check', '--config', config, '--tests', tests, '--details']);
    assert.equal(passing.code, 0, passing.stderr);
    assert.match(passing.stdout, /^90 of every 100 requests go to v1\n/);
    assert.match(passing.stdout, /route-check: 4 of 4 tests passed\nCurrent route coverage: [0-9.]+%\n$/);

    const wrong = file(
      'wrong.tests.yaml',
      'tests:\n- test_name: wrong\n  input: { authority: "reviews:9080", path: / }\n  validate: { cluster_name: "reviews-v2.shop:9080", path_redirect: "" }\n',
    );
    const failing = run(['route-check', '--config', config, '--tests', wrong]);
    assert.equal(failing.code, 1);
    assert.equal(failing.stderr, 'wrong\nexpected: [reviews-v2.shop:9080], actual: [reviews-v1.shop:9080], test type: cluster_name\n');
    const json = JSON.parse(run(['route-check', '--config', config, '--tests', wrong, '-o', 'json']).stdout) as {
      failed: number;
      tests: Array<{ passed: boolean }>;
    };
    assert.equal(json.failed, 1);

    const bad = run(['route-check', '--config', config, '--tests', file('bad.tests.yaml', 'tests: [{ test_name: x }]\n')]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^envoy-injector route-check: --tests at tests\[0\]\.input: is required/);
    assert.equal(run(['route-check', '--config', config]).code, 2);
    assert.equal(run(['route-check', '--config', config, '--tests', `${tests}.nope`]).code, 2);
    // An alias bomb, as the config or the tests: bad input, one line, no stack trace.
    const levels = Array.from({ length: 11 }, (_, i) => `l${i + 1}: &l${i + 1} [${Array.from({ length: 9 }, () => `*l${i}`).join(',')}]`);
    const bomb = file('bomb.yaml', `l0: &l0 ["x","x","x","x","x","x","x","x","x"]\n${levels.join('\n')}\n`);
    for (const args of [
      ['--config', bomb, '--tests', tests],
      ['--config', config, '--tests', bomb],
    ]) {
      const bombed = run(['route-check', ...args]);
      assert.equal(bombed.code, 2);
      assert.match(bombed.stderr, /^envoy-injector route-check: --(config|tests): .*Excessive alias count/);
      assert.doesNotMatch(bombed.stderr, /\n\s+at /);
    }
  });

  it('route-check over a RouteConfiguration, as router_check takes it', () => {
    const config = file('routes.yaml', 'virtual_hosts:\n- name: a\n  domains: ["a.com"]\n  routes:\n  - match: { prefix: "/" }\n    route: { cluster: ca }\n');
    const tests = file(
      'routes.tests.json',
      JSON.stringify({ tests: [{ test_name: 't', input: { authority: 'a.com', path: '/' }, validate: { cluster_name: 'ca', virtual_host_name: 'a' } }] }),
    );
    const result = run(['route-check', '--config', config, '--tests', tests]);
    assert.equal(result.code, 0, result.stderr);
  });

  it('explain --request shows the path of one request, and --service simulates the Service cache', () => {
    const manifest = repoPath('examples', 'routing', 'bookinfo-reviews.yaml');
    const jason = run(['explain', '-f', manifest, '--request', 'GET http://reviews:9080/reviews/0', '-H', 'end-user: jason']);
    assert.equal(jason.code, 0, jason.stderr);
    assert.match(jason.stdout, /port 9080 is routed as HTTP \(route target reviews-v2\.bookinfo:9080/);
    assert.match(jason.stdout, /virtual host "reviews" \(virtual_hosts\[0\]\) by domain "reviews:9080" \(exact\)/);
    assert.match(jason.stdout, /routes\[0\] matched/);
    assert.match(jason.stdout, /cluster reviews-v2\.bookinfo:9080\n/);
    const other = run(['explain', '-f', manifest, '--request', 'GET http://reviews.bookinfo.svc:9080/reviews/0']);
    assert.match(other.stdout, /routes\[0\] did not match: header end-user is absent/);
    assert.match(other.stdout, /by weight \(reviews-v1\.bookinfo:9080 90 chosen, reviews-v3\.bookinfo:9080 10/);
    const tcp = run(['explain', '-f', manifest, '--request', 'GET http://mysql:3306/']);
    assert.match(tcp.stdout, /port 3306 is not an HTTP port of this pod \(its HTTP ports: 80, 8080, 9080\): TCP to cluster passthrough/);
    assert.equal(run(['explain', '-f', manifest, '--request', 'reviews:9080']).code, 2);

    const pod = file(
      'grpc.yaml',
      POD.replace(
        '  namespace: shop\n',
        '  namespace: shop\n  annotations:\n    envoy-injector.io/routes: |\n      virtual_hosts:\n      - name: cat\n        domains: ["catalog"]\n        routes:\n        - match: { prefix: "/" }\n          route: { cluster: "catalog-v2" }\n',
      ),
    );
    const withService = run(['explain', '-f', pod, '--service', 'catalog:3550/grpc', '--service', 'catalog-v2:3550']);
    assert.match(withService.stdout, /HTTP ports: .*3550 \(route target catalog-v2\.shop:3550, service shop\/catalog port 3550 \(appProtocol grpc\)/);
    assert.equal(run(['explain', '-f', pod, '--service', 'catalog']).code, 2);
  });
});
