// Splicing the plugin into the node's CNI configuration: the shapes the common
// CNIs write (Calico, Cilium, Flannel, kindnet, the AWS VPC CNI; a bare
// bridge .conf), the file the runtime loads chosen as it chooses it, the
// primary's entries kept exactly, the plugin last, again and again the same,
// and taken out again whole.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PLUGIN_TYPE, primaryConfigFile, splice, unsplice } from '../../src/cni/conflist.js';
import { readNetworkConfig } from '../../src/cni/plugin.js';

/** As each CNI writes them on its nodes (abridged only where values are node-specific). */
const CONFLISTS: Record<string, unknown> = {
  '10-calico.conflist': {
    name: 'k8s-pod-network',
    cniVersion: '0.3.1',
    plugins: [
      {
        type: 'calico',
        log_level: 'info',
        log_file_path: '/var/log/calico/cni/cni.log',
        datastore_type: 'kubernetes',
        nodename: 'node-1',
        mtu: 0,
        ipam: { type: 'calico-ipam' },
        policy: { type: 'k8s' },
        kubernetes: { kubeconfig: '/etc/cni/net.d/calico-kubeconfig' },
      },
      { type: 'portmap', snat: true, capabilities: { portMappings: true } },
      { type: 'bandwidth', capabilities: { bandwidth: true } },
    ],
  },
  '05-cilium.conflist': {
    cniVersion: '0.3.1',
    name: 'cilium',
    plugins: [{ type: 'cilium-cni', 'enable-debug': false, 'log-file': '/var/run/cilium/cilium-cni.log' }],
  },
  '10-flannel.conflist': {
    name: 'cbr0',
    cniVersion: '0.3.1',
    plugins: [
      { type: 'flannel', delegate: { hairpinMode: true, isDefaultGateway: true } },
      { type: 'portmap', capabilities: { portMappings: true } },
    ],
  },
  '10-kindnet.conflist': {
    cniVersion: '0.3.1',
    name: 'kindnet',
    plugins: [
      {
        type: 'ptp',
        ipMasq: false,
        ipam: { type: 'host-local', dataDir: '/run/cni-ipam-state', routes: [{ dst: '0.0.0.0/0' }], ranges: [[{ subnet: '10.244.0.0/24' }]] },
        mtu: 1500,
      },
      { type: 'portmap', capabilities: { portMappings: true } },
    ],
  },
  '10-aws.conflist': {
    cniVersion: '1.0.0',
    name: 'aws-cni',
    disableCheck: true,
    plugins: [
      {
        name: 'aws-cni',
        type: 'aws-cni',
        vethPrefix: 'eni',
        mtu: '9001',
        podSGEnforcingMode: 'strict',
        pluginLogFile: '/var/log/aws-routed-eni/plugin.log',
        pluginLogLevel: 'DEBUG',
      },
      { name: 'egress-cni', type: 'egress-cni', mtu: '9001', enabled: 'false', randomizeSNAT: 'prng', nodeIP: '' },
      { type: 'portmap', capabilities: { portMappings: true }, snat: true },
    ],
  },
};

const ENTRY = {
  name: 'envoy-injector-cni',
  kubeconfig: '/etc/cni/net.d/envoy-injector-cni.kubeconfig',
  log_file: '/var/log/envoy-injector-cni.log',
  log_level: 'info',
  rules_script: '/opt/cni/bin/envoy-injector-rules',
  injector_namespace: 'envoy-injector',
};

describe('splicing the plugin into a node’s CNI configuration', () => {
  for (const [file, original] of Object.entries(CONFLISTS)) {
    it(`${file}: the primary's chain kept exactly, the plugin last; the same on a second pass; out again whole`, () => {
      const text = JSON.stringify(original, null, 2);
      const once = splice(text, file, ENTRY);
      assert.ok(once.ok && once.changed);
      assert.equal(once.fileName, file);
      const spliced = JSON.parse(once.text) as { plugins: Array<Record<string, unknown>> } & Record<string, unknown>;
      const { plugins: before, ...network } = original as { plugins: unknown[] };
      assert.deepEqual(spliced.plugins.slice(0, -1), before);
      assert.deepEqual({ ...spliced, plugins: undefined }, { ...network, plugins: undefined });
      assert.deepEqual(spliced.plugins.at(-1), { ...ENTRY, type: PLUGIN_TYPE });
      // The runtime hands the plugin its entry with the list's version and name: the plugin reads it.
      const asRuntimeSends = { cniVersion: spliced.cniVersion, name: spliced.name, ...spliced.plugins.at(-1) };
      assert.ok(!('code' in (readNetworkConfig(JSON.stringify(asRuntimeSends)) as object)));
      const twice = splice(once.text, file, ENTRY);
      assert.ok(twice.ok && !twice.changed);
      assert.equal(twice.text, once.text);
      assert.deepEqual(JSON.parse(unsplice(once.text) ?? 'null'), original);
      assert.equal(unsplice(text), undefined, 'nothing of ours: nothing to write');
    });
  }

  it('replaces an older entry of its own rather than chaining twice', () => {
    const old = splice(JSON.stringify(CONFLISTS['10-flannel.conflist']), '10-flannel.conflist', { ...ENTRY, log_level: 'debug' });
    assert.ok(old.ok);
    const updated = splice(old.text, '10-flannel.conflist', ENTRY);
    assert.ok(updated.ok && updated.changed);
    const plugins = (JSON.parse(updated.text) as { plugins: Array<{ type: string; log_level?: string }> }).plugins;
    assert.deepEqual(
      plugins.map((p) => p.type),
      ['flannel', 'portmap', PLUGIN_TYPE],
    );
    assert.equal(plugins[2]?.log_level, 'info');
  });

  it('turns a single-plugin .conf into a .conflist that chains it', () => {
    const bridge = {
      cniVersion: '0.4.0',
      name: 'mynet',
      type: 'bridge',
      bridge: 'cni0',
      isGateway: true,
      ipam: { type: 'host-local', subnet: '10.22.0.0/16' },
    };
    const result = splice(JSON.stringify(bridge), '10-bridge.conf', ENTRY);
    assert.ok(result.ok);
    assert.equal(result.fileName, '10-bridge.conflist');
    assert.deepEqual(JSON.parse(result.text), {
      cniVersion: '0.4.0',
      name: 'mynet',
      plugins: [
        { type: 'bridge', bridge: 'cni0', isGateway: true, ipam: { type: 'host-local', subnet: '10.22.0.0/16' } },
        { ...ENTRY, type: PLUGIN_TYPE },
      ],
    });
  });

  it('leaves alone what the runtime could not load either', () => {
    assert.deepEqual(splice('{not json', 'x.conflist', ENTRY), { ok: false, problem: 'x.conflist is not JSON: the runtime cannot load it either' });
    assert.deepEqual(splice('{"name":"x"}', 'x.conf', ENTRY), { ok: false, problem: 'x.conf has neither a plugins list nor a plugin type' });
    assert.deepEqual(splice(' '.repeat(1024 * 1024 + 1), 'x.conf', ENTRY), { ok: false, problem: 'x.conf is over 1048576 bytes' });
  });

  it('finds the file the runtime loads: the first CNI file in lexical order', () => {
    assert.equal(primaryConfigFile(['10-calico.conflist', 'calico-kubeconfig', '05-cilium.conflist', '.tmp-x.conflist']), '05-cilium.conflist');
    assert.equal(primaryConfigFile(['99-loopback.conf', '10-flannel.conflist']), '10-flannel.conflist');
    assert.equal(primaryConfigFile(['calico-kubeconfig', 'README']), undefined);
  });
});
