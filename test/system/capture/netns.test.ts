// The envoy-init rules, applied for real: two network namespaces joined by a
// veth pair ("pod" and "remote"), the script run in the pod namespace with the
// arguments the webhook renders, fake proxy listeners on the capture ports,
// and real TCP connections as the app's UID and as Envoy's, over IPv4 and
// IPv6. Who answers a connection tells whether it was redirected.
//
// Needs root (CI is root); skipped, with the reason printed, only when
// network namespaces cannot be created here.

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { FakeKubeApi, type StoredObject } from '../../support/kube-api.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { DEFAULT_CONFIG } from '../../../src/config/config.js';
import type { Pod } from '../../../src/model/kubernetes.js';
import { INIT_CONTAINER, PROXY_UID, VALIDATE_CONTAINER } from '../../../src/model/names.js';
import { injectManifests } from '../../../src/offline/offline.js';
import { netnsUnavailable, run } from '../../support/netns.js';
import { DEPLOYED_CLI, repoPath } from '../../support/repo.js';

const SCRIPT = repoPath('images', 'envoy-init', 'envoy-init.sh');
/** The peers and one run of the script are other UIDs, which may not
 * traverse the checkout (a clone under /root or in a 0700 temporary folder):
 * they get world-readable copies. */
const SHARED_DIR = worldReadableDir();
// .mjs: outside the package, a .js file would be read as CommonJS.
const PEER = worldReadableCopy(repoPath('dist', 'test', 'system', 'capture', 'peer.js'), 'peer.mjs');
const SCRIPT_FOR_ANY_USER = worldReadableCopy(SCRIPT, 'envoy-init.sh');
const APP_UID = 1000;
const suffix = String(process.pid % 100000);
const POD_NS = `ei-pod-${suffix}`;
const REMOTE_NS = `ei-remote-${suffix}`;

const FAMILIES = {
  IPv4: { pod: '10.200.0.1', remote: '10.200.0.2', excludedRemote: '10.200.0.3', localhost: '127.0.0.1', prefix: 24 },
  IPv6: { pod: 'fd00:200::1', remote: 'fd00:200::2', excludedRemote: 'fd00:200::3', localhost: '::1', prefix: 64 },
} as const;

/** The pod the webhook injects: its envoy-init arguments are what the script runs with. */
const POD_YAML = `apiVersion: v1
kind: Pod
metadata:
  name: shop
  namespace: shop
  annotations:
    envoy-injector.io/exclude-inbound-ports: "9000"
    envoy-injector.io/exclude-outbound-ports: "9090"
    envoy-injector.io/exclude-outbound-ip-ranges: "${FAMILIES.IPv4.excludedRemote}/32,${FAMILIES.IPv6.excludedRemote}/128"
spec:
  containers:
  - name: app
    image: shop:1
`;

function worldReadableDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'envoy-init-test-'));
  chmodSync(dir, 0o755);
  return dir;
}

function worldReadableCopy(file: string, name: string): string {
  const copy = join(SHARED_DIR, name);
  copyFileSync(file, copy);
  chmodSync(copy, 0o644);
  return copy;
}

/** With the CNI plugin installed: what capture: cni needs. */
const CNI_CONFIG = { ...DEFAULT_CONFIG, capture: { ...DEFAULT_CONFIG.capture, cniInstalled: true } };

/** The injected pod: in init mode (its envoy-init container) or cni mode (its envoy-validate, which the plugin reads). */
function injectedPod(podYaml: string, mode: 'init' | 'cni' = 'init'): Pod {
  const yaml = mode === 'cni' ? podYaml.replace('  annotations:\n', '  annotations:\n    envoy-injector.io/capture: cni\n') : podYaml;
  const result = injectManifests(yaml, { config: CNI_CONFIG, defaultNamespace: 'default' });
  if (!result.ok) throw new Error(result.problems.join('; '));
  return parse(result.value) as Pod;
}

function renderedInitArgs(podYaml: string, mode: 'init' | 'cni' = 'init'): string[] {
  const name = mode === 'cni' ? VALIDATE_CONTAINER : INIT_CONTAINER;
  const container = (injectedPod(podYaml, mode).spec.initContainers ?? []).find((c) => c.name === name);
  assert.ok(Array.isArray(container?.args), `the injected pod has an ${name} container with arguments`);
  return container.args as string[];
}

function must(command: string, ...args: string[]): string {
  const result = run(command, args);
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.code}): ${result.stderr.trim()}`);
  return result.stdout;
}

const inNs = (ns: string, ...command: string[]): string[] => ['netns', 'exec', ns, ...command];

/** Connects (TCP, or one UDP datagram) from inside a namespace as a given UID; returns the label of whoever answered. */
function connectFrom(ns: string, uid: number | undefined, host: string, port: number, protocol: 'connect' | 'udp' = 'connect'): string {
  const identity = uid === undefined ? [] : ['setpriv', `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups'];
  const result = run('ip', inNs(ns, ...identity, process.execPath, PEER, protocol, host, String(port)));
  if (result.code !== 0) throw new Error(`client failed: ${result.stderr}`);
  return result.stdout.trim();
}

function startPeers(ns: string, specs: readonly string[]): Promise<ChildProcess> {
  const child = spawn('ip', inNs(ns, process.execPath, PEER, 'serve', ...specs), { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`peers in ${ns} not ready: ${output}`)), 10_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('ready')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => reject(new Error(`peers in ${ns} exited (${code}): ${output}`)));
  });
}

function runScript(args: readonly string[]): string {
  const result = run('ip', inNs(POD_NS, 'bash', SCRIPT, ...args));
  if (result.code !== 0) throw new Error(`envoy-init failed (${result.code}): ${result.stderr}`);
  return result.stdout;
}

/** The nat table as iptables-save prints it, without counters and comments. */
function natRules(tool: 'iptables' | 'ip6tables'): string[] {
  return must('ip', ...inNs(POD_NS, `${tool}-save`, '-t', 'nat'))
    .split('\n')
    .filter((line) => line.startsWith('-') || line.startsWith(':'))
    .map((line) => line.replace(/ \[\d+:\d+\]$/, ''));
}

const reason = netnsUnavailable(`ei-probe-${suffix}`);
if (reason) console.log(`# traffic-capture test skipped: ${reason}`);

/** Who installs the rules: envoy-init's script run in the pod's namespace as its init container does,
 * or the CNI plugin run as a container runtime runs it, with the pod in the stand-in API server. */
interface Installer {
  name: string;
  mode: 'init' | 'cni';
  install(podYaml: string): Promise<void>;
  close(): Promise<void>;
}

const scriptInstaller: Installer = {
  name: 'envoy-init',
  mode: 'init',
  install: (podYaml) => {
    runScript(renderedInitArgs(podYaml));
    return Promise.resolve();
  },
  close: () => Promise.resolve(),
};

function pluginInstaller(): Installer {
  const api = new FakeKubeApi();
  const started = api.start();
  const dir = mkdtempSync(join(tmpdir(), 'envoy-cni-netns-'));
  return {
    name: 'the CNI plugin',
    mode: 'cni',
    install: async (podYaml) => {
      await started;
      api.put('pods', injectedPod(podYaml, 'cni') as unknown as StoredObject);
      const config = {
        cniVersion: '1.0.0',
        name: 'k8s-pod-network',
        type: 'envoy-injector-cni',
        kubeconfig: api.writeKubeconfig(join(dir, 'kubeconfig')),
        log_file: join(dir, 'cni.log'),
        rules_script: SCRIPT,
        prevResult: { cniVersion: '1.0.0' },
      };
      const result = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
        const child = spawn(process.execPath, [DEPLOYED_CLI, 'cni'], {
          env: {
            PATH: process.env.PATH,
            CNI_COMMAND: 'ADD',
            CNI_CONTAINERID: 'c1',
            CNI_NETNS: `/var/run/netns/${POD_NS}`,
            CNI_IFNAME: 'eth0',
            CNI_ARGS: 'K8S_POD_NAMESPACE=shop;K8S_POD_NAME=shop',
          },
        });
        let stdout = '';
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
        child.on('close', (code) => resolve({ code, stdout }));
        child.stdin.end(JSON.stringify(config));
      });
      assert.equal(result.code, 0, result.stdout);
    },
    close: () => api.stop(),
  };
}

for (const installer of [scriptInstaller, pluginInstaller()])
  describe(`capture rules installed by ${installer.name}, in a network namespace`, { skip: reason ?? false, timeout: 180_000 }, () => {
    const peers: ChildProcess[] = [];
    const initArgs = renderedInitArgs(POD_YAML, installer.mode);

    before(async () => {
      for (const ns of [POD_NS, REMOTE_NS]) run('ip', ['netns', 'del', ns]);
      must('ip', 'netns', 'add', POD_NS);
      must('ip', 'netns', 'add', REMOTE_NS);
      must('ip', 'link', 'add', 'eip', 'netns', POD_NS, 'type', 'veth', 'peer', 'name', 'eir', 'netns', REMOTE_NS);
      for (const [ns, device, addresses] of [
        [POD_NS, 'eip', (['IPv4', 'IPv6'] as const).map((f) => [FAMILIES[f].pod, FAMILIES[f].prefix] as const)],
        [
          REMOTE_NS,
          'eir',
          (['IPv4', 'IPv6'] as const).flatMap((f) => [
            [FAMILIES[f].remote, FAMILIES[f].prefix] as const,
            [FAMILIES[f].excludedRemote, FAMILIES[f].prefix] as const,
          ]),
        ],
      ] as const) {
        must('ip', ...inNs(ns, 'ip', 'link', 'set', 'lo', 'up'));
        for (const [address, prefix] of addresses) {
          must('ip', ...inNs(ns, 'ip', 'addr', 'add', `${address}/${prefix}`, 'dev', device, ...(address.includes(':') ? ['nodad'] : [])));
        }
        must('ip', ...inNs(ns, 'ip', 'link', 'set', device, 'up'));
      }
      // The pod: the fake proxy's two capture listeners, the proxy's health
      // port, and the app on a captured and an excluded inbound port.
      // UDP listeners on the capture ports too: a datagram that were redirected would land there.
      peers.push(
        await startPeers(POD_NS, [
          'outbound-proxy@15001',
          'inbound-proxy@15006',
          'proxy-health@15021',
          'app@8080',
          'app-9000@9000',
          'udp:outbound-proxy@15001',
          'udp:inbound-proxy@15006',
          'udp:app-dns@53',
        ]),
      );
      peers.push(await startPeers(REMOTE_NS, ['remote@8080', 'remote-9090@9090', 'remote-health@15021', 'udp:remote-dns@53']));
      for (const family of Object.values(FAMILIES)) {
        assert.equal(connectFrom(POD_NS, APP_UID, family.remote, 8080), 'remote', 'before capture, the remote service answers');
      }
      await installer.install(POD_YAML);
    });

    after(async () => {
      for (const peer of peers) peer.kill();
      for (const ns of [POD_NS, REMOTE_NS]) run('ip', ['netns', 'del', ns]);
      await installer.close();
    });

    it('runs with the arguments the webhook renders, and installs the exclusions they name', () => {
      assert.deepEqual(initArgs, [
        '--proxy-uid=1337',
        '--proxy-gid=1337',
        '--outbound-port=15001',
        '--inbound-port=15006',
        '--exclude-inbound-ports=15021,15090,9000',
        '--exclude-outbound-ports=15021,15090,9090',
        '--exclude-outbound-ip-ranges=10.200.0.3/32,fd00:200::3/128',
        '--include-outbound-ip-ranges=*',
        '--ip-families=IPv4,IPv6',
      ]);
      for (const [tool, range] of [
        ['iptables', '10.200.0.3/32'],
        ['ip6tables', 'fd00:200::3/128'],
      ] as const) {
        const rules = natRules(tool);
        for (const expected of [
          '-A PREROUTING -p tcp -j ENVOY_INBOUND',
          '-A OUTPUT -p tcp -j ENVOY_OUTPUT',
          '-A ENVOY_INBOUND -p tcp -m tcp --dport 15021 -j RETURN',
          '-A ENVOY_INBOUND -p tcp -m tcp --dport 15090 -j RETURN',
          '-A ENVOY_INBOUND -p tcp -m tcp --dport 9000 -j RETURN',
          '-A ENVOY_INBOUND -p tcp -j ENVOY_IN_REDIRECT',
          '-A ENVOY_IN_REDIRECT -p tcp -j REDIRECT --to-ports 15006',
          `-A ENVOY_OUTPUT -m owner --uid-owner ${PROXY_UID} -j RETURN`,
          `-A ENVOY_OUTPUT -m owner --gid-owner ${PROXY_UID} -j RETURN`,
          '-A ENVOY_OUTPUT -o lo -j RETURN',
          '-A ENVOY_OUTPUT -p tcp -m tcp --dport 15021 -j RETURN',
          '-A ENVOY_OUTPUT -p tcp -m tcp --dport 15090 -j RETURN',
          '-A ENVOY_OUTPUT -p tcp -m tcp --dport 9090 -j RETURN',
          `-A ENVOY_OUTPUT -d ${range} -j RETURN`,
          '-A ENVOY_OUTPUT -j ENVOY_REDIRECT',
          '-A ENVOY_REDIRECT -p tcp -j REDIRECT --to-ports 15001',
        ]) {
          assert.ok(rules.includes(expected), `${tool}: missing ${expected}\n${rules.join('\n')}`);
        }
        assert.equal(rules.filter((rule) => rule.includes(tool === 'iptables' ? 'fd00:' : '10.200.')).length, 0, 'each family gets only its own ranges');
      }
    });

    for (const [familyName, family] of Object.entries(FAMILIES)) {
      const cases: Array<[string, () => string, string]> = [
        ['app → remote service: captured by the outbound listener', () => connectFrom(POD_NS, APP_UID, family.remote, 8080), 'outbound-proxy'],
        ['app → excluded outbound port: not captured', () => connectFrom(POD_NS, APP_UID, family.remote, 9090), 'remote-9090'],
        // Captured, the xDS bootstrap's hand-off would give it to this proxy's own health listener.
        ["app → another pod's proxy health port 15021: not captured", () => connectFrom(POD_NS, APP_UID, family.remote, 15021), 'remote-health'],
        ['app → excluded outbound range: not captured', () => connectFrom(POD_NS, APP_UID, family.excludedRemote, 8080), 'remote'],
        ['Envoy (UID 1337) → remote service: not captured', () => connectFrom(POD_NS, PROXY_UID, family.remote, 8080), 'remote'],
        ['app → localhost: stays local', () => connectFrom(POD_NS, APP_UID, family.localhost, 8080), 'app'],
        ['Envoy → the app on the pod IP (inbound passthrough): not re-captured', () => connectFrom(POD_NS, PROXY_UID, family.pod, 8080), 'app'],
        ['remote → pod port: captured by the inbound listener', () => connectFrom(REMOTE_NS, undefined, family.pod, 8080), 'inbound-proxy'],
        ['remote → excluded inbound port: not captured', () => connectFrom(REMOTE_NS, undefined, family.pod, 9000), 'app-9000'],
        ['kubelet → proxy health port 15021: not captured', () => connectFrom(REMOTE_NS, undefined, family.pod, 15021), 'proxy-health'],
        ['app → remote DNS over UDP: untouched', () => connectFrom(POD_NS, APP_UID, family.remote, 53, 'udp'), 'remote-dns'],
        ['remote → pod over UDP: untouched', () => connectFrom(REMOTE_NS, undefined, family.pod, 53, 'udp'), 'app-dns'],
      ];
      for (const [name, connectNow, expected] of cases) {
        it(`${familyName}: ${name}`, () => {
          assert.equal(connectNow(), expected);
        });
      }
    }

    it('installing again (a retry) leaves exactly the same rules', async () => {
      const before4 = natRules('iptables');
      const before6 = natRules('ip6tables');
      await installer.install(POD_YAML);
      assert.deepEqual(natRules('iptables'), before4);
      assert.deepEqual(natRules('ip6tables'), before6);
    });

    it('include-outbound-ip-ranges narrows capture to the listed ranges (and a re-run replaces the rules)', async () => {
      const narrowedYaml = POD_YAML.replace(
        /exclude-outbound-ip-ranges: "[^"]*"/,
        `include-outbound-ip-ranges: "${FAMILIES.IPv4.remote}/32,${FAMILIES.IPv6.remote}/128"`,
      );
      const narrowed = renderedInitArgs(narrowedYaml, installer.mode);
      assert.ok(narrowed.includes('--include-outbound-ip-ranges=10.200.0.2/32,fd00:200::2/128'), narrowed.join(' '));
      try {
        await installer.install(narrowedYaml);
        for (const family of Object.values(FAMILIES)) {
          assert.equal(connectFrom(POD_NS, APP_UID, family.remote, 8080), 'outbound-proxy', `${family.remote} is in the included range`);
          assert.equal(connectFrom(POD_NS, APP_UID, family.excludedRemote, 8080), 'remote', `${family.excludedRemote} is outside it`);
        }
      } finally {
        await installer.install(POD_YAML);
      }
    });

    it(
      'fails loudly, changing nothing, without root privileges',
      { skip: installer.mode === 'cni' ? 'the plugin runs as the runtime runs it: as root' : false },
      () => {
        const before4 = natRules('iptables');
        const result = run(
          'ip',
          inNs(POD_NS, 'setpriv', `--reuid=${APP_UID}`, `--regid=${APP_UID}`, '--clear-groups', 'bash', SCRIPT_FOR_ANY_USER, ...initArgs),
        );
        assert.equal(result.code, 1);
        assert.match(
          result.stderr,
          /^envoy-init: cannot use iptables here \(.*\): the container needs to run as root with the NET_ADMIN and NET_RAW capabilities\n$/,
        );
        assert.deepEqual(natRules('iptables'), before4);
      },
    );
  });

describe('envoy-init picks the iptables backend the node uses', { skip: reason ?? false }, () => {
  // A pod's namespace starts empty; rules already present (kube-proxy, a CNI
  // chained plugin) show which backend the node's tools write with.
  for (const [backend, seed] of [
    ['legacy', ['iptables-legacy', '-t', 'filter', '-A', 'INPUT', '-p', 'udp', '--dport', '9', '-j', 'ACCEPT']],
    ['nft', undefined],
  ] as const) {
    it(`${seed ? 'with legacy rules present' : 'with no rules at all'}: ${backend}`, () => {
      const ns = `ei-${backend}-${suffix}`;
      run('ip', ['netns', 'del', ns]);
      must('ip', 'netns', 'add', ns);
      try {
        if (seed) must('ip', ...inNs(ns, ...seed));
        const result = run('ip', inNs(ns, 'bash', SCRIPT, '--ip-families=IPv4'));
        assert.equal(result.code, 0, result.stderr);
        assert.match(result.stdout, new RegExp(`IPv4 rules installed \\(${backend} backend\\)`));
        const other = backend === 'nft' ? 'legacy' : 'nft';
        assert.match(must('ip', ...inNs(ns, `iptables-${backend}-save`, '-t', 'nat')), /-A OUTPUT -p tcp -j ENVOY_OUTPUT/);
        assert.doesNotMatch(run('ip', inNs(ns, `iptables-${other}-save`, '-t', 'nat')).stdout, /ENVOY_OUTPUT/);
      } finally {
        run('ip', ['netns', 'del', ns]);
      }
    });
  }
});

after(() => rmSync(SHARED_DIR, { recursive: true, force: true }));

describe('envoy-init arguments and environment (no namespace needed)', () => {
  it('refuses a bad value before touching any rule, naming the flag', () => {
    for (const [args, message] of [
      [['--exclude-outbound-ports=80,http'], "envoy-init: --exclude-outbound-ports: 'http' is not a port (1-65535)\n"],
      [['--exclude-outbound-ip-ranges=10.0.0.0/33'], "envoy-init: --exclude-outbound-ip-ranges: '10.0.0.0/33' is not an IP range (10.0.0.0/8, fd00::/8)\n"],
      [['--include-outbound-ip-ranges=fd00::1::2/64'], "envoy-init: --include-outbound-ip-ranges: 'fd00::1::2/64' is not an IP range (10.0.0.0/8, fd00::/8)\n"],
      [['--ip-families=IPv5'], "envoy-init: --ip-families: 'IPv5' is not IPv4 or IPv6\n"],
      [['--proxy-uid=envoy'], 'envoy-init: --proxy-uid=envoy is not a user id\n'],
      [
        ['--capture=all'],
        "envoy-init: unknown argument '--capture=all' (expected --proxy-uid=, --proxy-gid=, --outbound-port=, --inbound-port=, --exclude-inbound-ports=, --exclude-outbound-ports=, --exclude-outbound-ip-ranges=, --include-outbound-ip-ranges=, --ip-families=, --iptables-backend=, --dry-run)\n",
      ],
    ] as const) {
      const result = run('bash', [SCRIPT, ...args]);
      assert.equal(result.code, 1, args.join(' '));
      assert.equal(result.stderr, message);
    }
  });

  it('says iptables is missing when it is', () => {
    // /usr/sbin and /sbin hold iptables on Debian: without them it is "not installed".
    const result = run('bash', [SCRIPT, ...renderedInitArgs(POD_YAML)], { env: { PATH: '/usr/bin:/bin' } });
    assert.equal(result.code, 1);
    assert.equal(result.stderr, 'envoy-init: iptables is not installed: this script needs iptables-nft or iptables-legacy (the envoy-init image has both)\n');
  });

  it('--dry-run prints the rules for each family, only its own ranges in each', () => {
    const result = run('bash', [SCRIPT, ...renderedInitArgs(POD_YAML), '--dry-run']);
    assert.equal(result.code, 0, result.stderr);
    const [ipv4 = '', ipv6 = ''] = result.stdout.split('# IPv6');
    assert.match(ipv4, /-A ENVOY_OUTPUT -d 10\.200\.0\.3\/32 -j RETURN/);
    assert.doesNotMatch(ipv4, /fd00:/);
    assert.match(ipv6, /-A ENVOY_OUTPUT -d fd00:200::3\/128 -j RETURN/);
    assert.doesNotMatch(ipv6, /10\.200\./);
  });
});
