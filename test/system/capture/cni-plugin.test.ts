// `envoy-injector cni` run exactly as a container runtime runs a chained
// plugin: CNI_* in the environment, the network configuration (with the
// previous plugin's result) on stdin, a real network namespace, and the
// stand-in API server holding the pod. What it installs is envoy-init's rule
// set from envoy-init's script and arguments — proven by the unprivileged
// validator's real TCP connection being redirected — and it passes the
// previous result on unchanged, passes every other pod through, fails closed
// (CNI error JSON, non-zero exit) for a pod it cannot look up, and never
// writes anything but the protocol on stdout.
//
// Needs root (CI is root); skipped, with the reason printed, only when
// network namespaces cannot be created here.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_CONFIG } from '../../../src/config/config.js';
import { evaluatePod } from '../../../src/inject/evaluate.js';
import type { Pod } from '../../../src/model/kubernetes.js';
import { VALIDATE_CONTAINER } from '../../../src/model/names.js';
import { FakeKubeApi, type StoredObject } from '../../support/kube-api.js';
import { netnsUnavailable, podNetwork, removeNetns, run, validateIn, validatorCopy } from '../../support/netns.js';
import { DEPLOYED_CLI, repoPath } from '../../support/repo.js';

const suffix = String(process.pid % 100000);
const POD_NS = `ec-pod-${suffix}`;
const PEER_NS = `ec-peer-${suffix}`;
const NETNS = `/var/run/netns/${POD_NS}`;
const DIR = mkdtempSync(join(tmpdir(), 'envoy-cni-test-'));
chmodSync(DIR, 0o755);
const VALIDATOR = validatorCopy();
const RULES = join(DIR, 'envoy-injector-rules');
copyFileSync(repoPath('images', 'envoy-init', 'envoy-init.sh'), RULES);
chmodSync(RULES, 0o755);
const LOG = join(DIR, 'cni.log');
const PREV_RESULT = { cniVersion: '1.0.0', interfaces: [{ name: 'eth0', sandbox: NETNS }], ips: [{ address: '10.202.0.1/24', interface: 0 }], dns: {} };

function runAsync(
  command: string,
  args: readonly string[],
  options: { env: NodeJS.ProcessEnv; input: string },
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env: options.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // 'close', not 'exit': the output is read whole only once the pipes close.
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input);
  });
}

const CNI_CONFIG = { ...DEFAULT_CONFIG, capture: { ...DEFAULT_CONFIG.capture, cniInstalled: true } };

function injectedPod(name: string, annotations: Record<string, string>): Pod {
  const outcome = evaluatePod({
    pod: { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'shop', annotations }, spec: { containers: [{ name: 'app', image: 'app:1' }] } },
    namespace: { name: 'shop' },
    config: CNI_CONFIG,
  });
  if (outcome.kind !== 'injected') throw new Error(JSON.stringify(outcome));
  return outcome.pod;
}

const skip = netnsUnavailable(`ec-probe-${suffix}`);

describe('envoy-injector cni, as a container runtime runs it', { skip: skip ?? false }, () => {
  const api = new FakeKubeApi();
  let kubeconfig = '';
  const cni = (
    command: string,
    pod: string | undefined,
    config: Record<string, unknown> | string,
    netns = NETNS,
  ): Promise<{ code: number | null; stdout: string; stderr: string }> =>
    // Asynchronous: the stand-in API server answers from this process's event loop.
    runAsync(process.execPath, [DEPLOYED_CLI, 'cni'], {
      env: {
        PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
        CNI_COMMAND: command,
        CNI_CONTAINERID: `container-${pod ?? 'none'}`,
        CNI_NETNS: netns,
        CNI_IFNAME: 'eth0',
        CNI_PATH: '/opt/cni/bin',
        ...(pod === undefined
          ? {}
          : { CNI_ARGS: `IgnoreUnknown=1;K8S_POD_NAMESPACE=${pod.split('/')[0] ?? ''};K8S_POD_NAME=${pod.split('/')[1] ?? ''};K8S_POD_INFRA_CONTAINER_ID=x` }),
      },
      input: typeof config === 'string' ? config : JSON.stringify(config),
    });
  const conf = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    cniVersion: '1.0.0',
    name: 'k8s-pod-network',
    type: 'envoy-injector-cni',
    kubeconfig,
    log_file: LOG,
    log_level: 'debug',
    rules_script: RULES,
    prevResult: PREV_RESULT,
    ...extra,
  });
  const validate = (): { code: number | null; stdout: string; stderr: string } => {
    const args = (api.get('pods', 'shop', 'web-1') as unknown as Pod).spec.initContainers?.find((c) => c.name === VALIDATE_CONTAINER)?.args as string[];
    return validateIn(POD_NS, VALIDATOR, args);
  };
  const natRules = (): string[] =>
    run('ip', ['netns', 'exec', POD_NS, 'iptables-save', '-t', 'nat'])
      .stdout.split('\n')
      .filter((line) => line.includes('ENVOY_'))
      .map((line) => line.replace(/ \[\d+:\d+\]$/, ''));

  before(async () => {
    await api.start();
    kubeconfig = api.writeKubeconfig(join(DIR, 'kubeconfig'));
    api.put('pods', injectedPod('web-1', { 'envoy-injector.io/capture': 'cni', 'envoy-injector.io/exclude-outbound-ports': '5432' }) as StoredObject);
    api.put('pods', injectedPod('old-1', { 'envoy-injector.io/capture': 'init' }) as StoredObject);
    api.put('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'plain-1', namespace: 'shop' }, spec: { containers: [{ name: 'a', image: 'a' }] } });
    podNetwork(POD_NS, PEER_NS, `ec${suffix}`, '10.202.0');
  });

  after(async () => {
    removeNetns(POD_NS, PEER_NS);
    await api.stop();
  });

  it('VERSION: the versions it speaks', async () => {
    const result = await cni('VERSION', undefined, '');
    assert.equal(result.code, 0);
    assert.deepEqual(JSON.parse(result.stdout), { cniVersion: '1.0.0', supportedVersions: ['0.3.0', '0.3.1', '0.4.0', '1.0.0'] });
  });

  it('ADD of a pod injected in cni mode installs envoy-init’s rules from its arguments, passes the previous result on, and is the same on a retry', async () => {
    assert.equal(validate().code, 1, 'no rules yet: the validator fails');
    const added = await cni('ADD', 'shop/web-1', conf());
    assert.equal(added.code, 0, added.stdout + added.stderr);
    assert.deepEqual(JSON.parse(added.stdout), PREV_RESULT, 'the previous result, unchanged; nothing else on stdout');
    const rules = natRules();
    assert.ok(rules.includes('-A ENVOY_OUTPUT -p tcp -m tcp --dport 5432 -j RETURN'), rules.join('\n'));
    assert.ok(rules.includes('-A ENVOY_REDIRECT -p tcp -j REDIRECT --to-ports 15001'));
    const proven = validate();
    assert.equal(proven.code, 0, proven.stderr);
    // A runtime retrying ADD: the same rules, not twice.
    assert.equal((await cni('ADD', 'shop/web-1', conf())).code, 0);
    assert.deepEqual(natRules(), rules);
    assert.match(readFileSync(LOG, 'utf8'), /info ADD shop\/web-1: capture rules installed/);
  });

  const sea = repoPath('dist', 'cni', 'envoy-injector-cni');
  it(
    'the single executable the DaemonSet installs does the same, with no Node.js beside it; its cost per ADD measured',
    { skip: existsSync(sea) ? false : 'dist/cni/envoy-injector-cni is built by make cni-plugin (make test builds it)' },
    async (t) => {
      run('ip', ['netns', 'exec', POD_NS, 'iptables', '-t', 'nat', '-F']);
      assert.equal(validate().code, 1, 'no rules: the validator fails');
      const input = JSON.stringify(conf());
      const env = {
        PATH: '/usr/sbin:/usr/bin:/sbin:/bin',
        CNI_COMMAND: 'ADD',
        CNI_CONTAINERID: 'c',
        CNI_NETNS: NETNS,
        CNI_IFNAME: 'eth0',
        CNI_ARGS: 'K8S_POD_NAMESPACE=shop;K8S_POD_NAME=web-1',
      };
      // /usr/bin/time: wall seconds and peak RSS of the plugin process (and the script it runs).
      const timed = await runAsync('/usr/bin/time', ['-f', '%e %M', '--', sea], { env, input });
      assert.equal(timed.code, 0, timed.stdout + timed.stderr);
      assert.deepEqual(JSON.parse(timed.stdout), PREV_RESULT);
      assert.equal(validate().code, 0, 'the rules are in place');
      const [seconds, kib] = timed.stderr.trim().split('\n').at(-1)?.split(' ') ?? [];
      t.diagnostic(`one ADD by the single executable: ${seconds ?? '?'} s, peak RSS ${Math.round(Number(kib) / 1024)} MiB (the reference plugins take ~20 ms)`);
      const version = await runAsync('/usr/bin/time', ['-f', '%e %M', '--', sea], { env: { CNI_COMMAND: 'VERSION' }, input: '' });
      t.diagnostic(`VERSION: ${version.stderr.trim().split('\n').at(-1) ?? ''} (seconds, KiB)`);
    },
  );

  it('answers in the configuration’s version, for runtimes that still send 0.4.0', async () => {
    const result = await cni('ADD', 'shop/plain-1', conf({ cniVersion: '0.4.0', prevResult: { ...PREV_RESULT, cniVersion: '0.4.0' } }));
    assert.equal(result.code, 0, result.stdout);
    assert.equal((JSON.parse(result.stdout) as { cniVersion: string }).cniVersion, '0.4.0');
  });

  it('passes through a pod not injected, one captured by envoy-init, and a system namespace’s — with the API server down for the last', async () => {
    for (const pod of ['shop/plain-1', 'shop/old-1']) {
      const result = await cni('ADD', pod, conf());
      assert.equal(result.code, 0, result.stdout);
      assert.deepEqual(JSON.parse(result.stdout), PREV_RESULT);
    }
    api.failWith = 503;
    try {
      const system = await cni('ADD', 'kube-system/coredns-1', conf());
      assert.equal(system.code, 0, system.stdout);
      const own = await cni('ADD', 'envoy-injector/envoy-injector-abc', conf());
      assert.equal(own.code, 0, own.stdout);
      // Any other pod fails closed: the runtime retries it, it never starts uncaptured.
      const closed = await cni('ADD', 'shop/web-2', conf());
      assert.equal(closed.code, 1);
      assert.deepEqual(Object.keys(JSON.parse(closed.stdout) as object).sort(), ['cniVersion', 'code', 'details', 'msg']);
      assert.equal((JSON.parse(closed.stdout) as { code: number }).code, 11);
      assert.match(closed.stdout, /cannot look up pod shop\/web-2 to decide its traffic capture/);
    } finally {
      api.failWith = undefined;
    }
  });

  it('fails closed, with a CNI error, for an API server that cannot be reached at all', async () => {
    const result = await cni('ADD', 'shop/web-1', conf({ kubeconfig: join(DIR, 'missing-kubeconfig') }));
    assert.equal(result.code, 1);
    assert.match((JSON.parse(result.stdout) as { details: string }).details, /cannot read the kubeconfig/);
  });

  it('DEL succeeds with nothing on stdout, even without a network namespace; CHECK finds the rules, and says when they are gone', async () => {
    const deleted = await cni('DEL', 'shop/web-1', conf(), '');
    assert.deepEqual([deleted.code, deleted.stdout], [0, ''], deleted.stderr);
    assert.equal((await cni('ADD', 'shop/web-1', conf())).code, 0);
    const checked = await cni('CHECK', 'shop/web-1', conf());
    assert.deepEqual([checked.code, checked.stdout], [0, ''], checked.stderr);
    const notOurs = await cni('CHECK', 'shop/plain-1', conf());
    assert.deepEqual([notOurs.code, notOurs.stdout], [0, '']);
    run('ip', ['netns', 'exec', POD_NS, 'iptables', '-t', 'nat', '-F', 'OUTPUT']);
    const gone = await cni('CHECK', 'shop/web-1', conf());
    assert.equal(gone.code, 1);
    const error = JSON.parse(gone.stdout) as { code: number; msg: string; details: string };
    assert.deepEqual([error.code, error.msg], [100, 'envoy-injector: the capture rules of pod shop/web-1 are missing from its network namespace']);
    assert.match(error.details, /IPv4: -A OUTPUT -p tcp -j ENVOY_OUTPUT/);
    assert.equal((await cni('ADD', 'shop/web-1', conf())).code, 0, 'a new ADD puts them back');
  });

  it('refuses what is not a runtime’s call: an unknown command, a configuration that is not JSON or of another version', async () => {
    const unknown = await cni('REPAIR', 'shop/web-1', conf());
    assert.deepEqual([unknown.code, (JSON.parse(unknown.stdout) as { code: number }).code], [2, 4]);
    const notJson = await cni('ADD', 'shop/web-1', '{not json');
    assert.deepEqual([notJson.code, (JSON.parse(notJson.stdout) as { code: number }).code], [2, 6]);
    const version = await cni('ADD', 'shop/web-1', conf({ cniVersion: '2.0.0' }));
    assert.deepEqual([version.code, (JSON.parse(version.stdout) as { code: number }).code], [2, 1]);
  });
});
