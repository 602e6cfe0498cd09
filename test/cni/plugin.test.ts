// The CNI plugin's decisions (cni/plugin.ts), in process: what a runtime's
// call asks, the network configuration read strictly, which pods get rules
// and with which arguments, and the answers, as the CNI spec has them.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_CONFIG } from '../../src/config/config.js';
import {
  addPlan,
  CNI_ERROR,
  MAX_CONFIG_BYTES,
  passedResult,
  podPlan,
  readInvocation,
  readNetworkConfig,
  versionResult,
  type NetworkConfig,
} from '../../src/cni/plugin.js';
import { evaluatePod } from '../../src/inject/evaluate.js';
import type { Pod } from '../../src/model/kubernetes.js';

const ENV = {
  CNI_COMMAND: 'ADD',
  CNI_CONTAINERID: 'c1',
  CNI_NETNS: '/var/run/netns/x',
  CNI_IFNAME: 'eth0',
  CNI_ARGS: 'IgnoreUnknown=1;K8S_POD_NAMESPACE=shop;K8S_POD_NAME=web-1;K8S_POD_UID=u',
};
const CONFIG = { cniVersion: '1.0.0', name: 'k8s-pod-network', type: 'envoy-injector-cni', kubeconfig: '/etc/cni/net.d/k.kubeconfig' };

function config(extra: Record<string, unknown> = {}): NetworkConfig {
  const read = readNetworkConfig(JSON.stringify({ ...CONFIG, ...extra }));
  if ('code' in read) throw new Error(read.msg);
  return read;
}

function injected(annotations: Record<string, string>): Pod {
  const outcome = evaluatePod({
    pod: { metadata: { name: 'web-1', namespace: 'shop', annotations }, spec: { containers: [{ name: 'a', image: 'a' }] } },
    namespace: { name: 'shop' },
    config: { ...DEFAULT_CONFIG, capture: { ...DEFAULT_CONFIG.capture, cniInstalled: true } },
  });
  if (outcome.kind !== 'injected') throw new Error(JSON.stringify(outcome));
  return outcome.pod;
}

describe('a runtime’s call', () => {
  it('reads the command, the sandbox and the pod from CNI_ARGS', () => {
    assert.deepEqual(readInvocation(ENV), {
      command: 'ADD',
      containerId: 'c1',
      netns: '/var/run/netns/x',
      ifName: 'eth0',
      pod: { namespace: 'shop', name: 'web-1' },
    });
    assert.deepEqual(readInvocation({ CNI_COMMAND: 'DEL', CNI_CONTAINERID: 'c1' }), { command: 'DEL', containerId: 'c1', netns: '', ifName: '' });
    assert.deepEqual(readInvocation({ CNI_COMMAND: 'VERSION' }), { command: 'VERSION', containerId: '', netns: '', ifName: '' });
    assert.equal('pod' in (readInvocation({ ...ENV, CNI_ARGS: 'K8S_POD_NAMESPACE=shop' }) as object), false, 'a namespace without a name is no pod');
    assert.equal('pod' in (readInvocation({ ...ENV, CNI_ARGS: '=x;K8S_POD_NAME=' }) as object), false);
  });

  it('refuses an unknown command, and an ADD without its sandbox, as CNI error 4', () => {
    for (const env of [
      { ...ENV, CNI_COMMAND: 'REPAIR' },
      { CNI_COMMAND: undefined },
      { ...ENV, CNI_NETNS: '' },
      { ...ENV, CNI_IFNAME: '' },
      { ...ENV, CNI_CONTAINERID: '' },
    ]) {
      const result = readInvocation(env);
      assert.ok('code' in result && result.code === CNI_ERROR.invalidEnvironment && result.cniVersion === '1.0.0', JSON.stringify(env));
    }
    assert.match((readInvocation({ CNI_COMMAND: 'REPAIR' }) as { msg: string }).msg, /CNI_COMMAND "REPAIR" is not ADD, DEL, CHECK or VERSION/);
  });
});

describe('the network configuration', () => {
  it('is read with its defaults: info logs, the system namespaces and the injector’s excluded, the installed rules script', () => {
    assert.deepEqual(config(), {
      cniVersion: '1.0.0',
      name: 'k8s-pod-network',
      kubeconfig: '/etc/cni/net.d/k.kubeconfig',
      logLevel: 'info',
      excludeNamespaces: ['kube-system', 'kube-public', 'kube-node-lease', 'envoy-injector'],
      rulesScript: '/opt/cni/bin/envoy-injector-rules',
    });
    const full = config({
      log_file: '/var/log/x.log',
      log_level: 'debug',
      exclude_namespaces: ['monitoring'],
      rules_script: '/opt/r',
      injector_namespace: 'mesh',
      prevResult: { ips: [] },
    });
    assert.deepEqual(full, {
      cniVersion: '1.0.0',
      name: 'k8s-pod-network',
      prevResult: { ips: [] },
      kubeconfig: '/etc/cni/net.d/k.kubeconfig',
      logFile: '/var/log/x.log',
      logLevel: 'debug',
      excludeNamespaces: ['kube-system', 'kube-public', 'kube-node-lease', 'mesh', 'monitoring'],
      rulesScript: '/opt/r',
    });
  });

  const REFUSED: Array<[string, string, number, RegExp]> = [
    ['not JSON', '{', CNI_ERROR.decodeFailure, /not JSON/],
    ['not an object', '[]', CNI_ERROR.decodeFailure, /not a JSON object/],
    ['over the size bound', `{"x":"${'a'.repeat(MAX_CONFIG_BYTES)}"}`, CNI_ERROR.decodeFailure, /over 1048576 bytes/],
    [
      'of a version it does not speak',
      JSON.stringify({ ...CONFIG, cniVersion: '0.2.0' }),
      CNI_ERROR.incompatibleVersion,
      /cniVersion "0.2.0" is not one of 0.3.0, 0.3.1, 0.4.0, 1.0.0/,
    ],
    ['without a name', JSON.stringify({ ...CONFIG, name: '' }), CNI_ERROR.invalidConfig, /no name/],
    ['without a kubeconfig', JSON.stringify({ ...CONFIG, kubeconfig: undefined }), CNI_ERROR.invalidConfig, /no kubeconfig path/],
    [
      'with an unknown log level',
      JSON.stringify({ ...CONFIG, log_level: 'loud' }),
      CNI_ERROR.invalidConfig,
      /log_level "loud" is not one of debug, info, warn, error/,
    ],
    [
      'with excluded namespaces that are not names',
      JSON.stringify({ ...CONFIG, exclude_namespaces: [1] }),
      CNI_ERROR.invalidConfig,
      /exclude_namespaces is not a list/,
    ],
  ];
  for (const [what, text, code, message] of REFUSED) {
    it(`is refused ${what}, with the CNI error code`, () => {
      const read = readNetworkConfig(text);
      assert.ok('code' in read);
      assert.equal(read.code, code);
      assert.match(read.msg, message);
    });
  }
});

describe('what ADD does', () => {
  it('passes through a call naming no pod, and the excluded namespaces, without asking the API server', () => {
    assert.equal(addPlan({ command: 'ADD', containerId: 'c', netns: 'n', ifName: 'e' }, config()).kind, 'pass');
    for (const namespace of ['kube-system', 'kube-public', 'kube-node-lease', 'envoy-injector', 'monitoring']) {
      const plan = addPlan(
        { command: 'ADD', containerId: 'c', netns: 'n', ifName: 'e', pod: { namespace, name: 'p' } },
        config({ exclude_namespaces: ['monitoring'] }),
      );
      assert.deepEqual(plan, { kind: 'pass', why: `namespace ${namespace} is excluded` });
    }
    assert.deepEqual(addPlan({ command: 'ADD', containerId: 'c', netns: 'n', ifName: 'e', pod: { namespace: 'shop', name: 'web-1' } }, config()), {
      kind: 'lookup',
      namespace: 'shop',
      name: 'web-1',
    });
  });

  it('installs the rules of a pod injected in cni mode, with its envoy-validate arguments', () => {
    const plan = podPlan(injected({ 'envoy-injector.io/capture': 'cni', 'envoy-injector.io/exclude-outbound-ports': '5432' }));
    assert.equal(plan.kind, 'install');
    if (plan.kind === 'install') assert.ok(plan.args.includes('--exclude-outbound-ports=15021,15090,5432') && plan.args.includes('--outbound-port=15001'));
  });

  it('passes through a pod not injected, one captured by envoy-init, and one whose status is not the injector’s', () => {
    assert.deepEqual(podPlan({ metadata: { name: 'p' }, spec: { containers: [] } }), { kind: 'pass', why: 'the pod is not injected' });
    assert.deepEqual(podPlan(injected({})), { kind: 'pass', why: 'the pod captures its traffic with envoy-init' });
    const forged = { metadata: { name: 'p', annotations: { 'envoy-injector.io/status': '{}' } }, spec: { containers: [] } };
    assert.match((podPlan(forged) as { why: string }).why, /^its envoy-injector.io\/status is not the injector's/);
  });

  it('refuses a cni pod whose envoy-validate arguments are not flags, rather than run them', () => {
    const pod = injected({ 'envoy-injector.io/capture': 'cni' });
    for (const args of [undefined, ['--exclude-outbound-ports=80; rm -rf /'], ['-x'], [7], ['--a=b'.padEnd(5000, 'c')]]) {
      const tampered: Pod = {
        ...pod,
        spec: { ...pod.spec, initContainers: pod.spec.initContainers?.map((c) => (c.name === 'envoy-validate' ? { ...c, args: args } : c)) },
      };
      const plan = podPlan(tampered);
      assert.equal(plan.kind, 'error', JSON.stringify(args));
      if (plan.kind === 'error')
        assert.deepEqual(
          [plan.error.code, plan.error.msg],
          [CNI_ERROR.invalidConfig, 'the pod is injected in cni mode, but its envoy-validate container has no capture arguments'],
        );
    }
  });
});

describe('the answers', () => {
  it('VERSION: the versions it speaks', () => {
    assert.deepEqual(versionResult(), { cniVersion: '1.0.0', supportedVersions: ['0.3.0', '0.3.1', '0.4.0', '1.0.0'] });
  });

  it('ADD: the previous result unchanged, in the configuration’s version; without one, just the version', () => {
    assert.deepEqual(passedResult(config({ prevResult: { cniVersion: '1.0.0', ips: [{ address: '10.0.0.1/24' }] } })), {
      cniVersion: '1.0.0',
      ips: [{ address: '10.0.0.1/24' }],
    });
    assert.deepEqual(passedResult(config({ cniVersion: '0.4.0', prevResult: { cniVersion: '0.4.0', ips: [] } })), { cniVersion: '0.4.0', ips: [] });
    assert.deepEqual(passedResult(config()), { cniVersion: '1.0.0' });
    assert.deepEqual(passedResult(config({ prevResult: 'garbage' })), { cniVersion: '1.0.0' });
  });
});
