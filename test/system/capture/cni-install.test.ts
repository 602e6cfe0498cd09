// `envoy-injector cni-install`, the node agent, against a node's CNI
// directories as the DaemonSet mounts them (temporary ones here): it installs
// the plugin and the rules script, writes the plugin's kubeconfig from the
// (rotating) token, chains the plugin into the primary's configuration, says
// it is ready; puts it back when the primary CNI rewrites its file; follows
// a new token; and at SIGTERM leaves the node as it found it.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { readKubeconfig } from '../../../src/cluster/pod-get.js';
import { DEPLOYED_CLI, repoPath } from '../../support/repo.js';

const FLANNEL = {
  name: 'cbr0',
  cniVersion: '0.3.1',
  plugins: [
    { type: 'flannel', delegate: { hairpinMode: true, isDefaultGateway: true } },
    { type: 'portmap', capabilities: { portMappings: true } },
  ],
};

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`timed out waiting for ${what}`);
}

describe('envoy-injector cni-install', () => {
  it('installs, chains, follows rewrites and token rotation, and uninstalls cleanly', async () => {
    const node = mkdtempSync(join(tmpdir(), 'envoy-cni-node-'));
    const [bin, conf, secrets] = [join(node, 'bin'), join(node, 'net.d'), join(node, 'secrets')];
    for (const dir of [bin, conf, secrets]) mkdirSync(dir);
    const primary = join(conf, '10-flannel.conflist');
    const original = `${JSON.stringify(FLANNEL, null, 2)}\n`;
    writeFileSync(primary, original);
    writeFileSync(join(conf, '99-loopback.conf'), '{"cniVersion":"0.3.1","name":"lo","type":"loopback"}');
    writeFileSync(join(secrets, 'token'), 'token-1');
    writeFileSync(join(secrets, 'ca.crt'), '-----BEGIN CERTIFICATE-----\nAPI\n-----END CERTIFICATE-----\n');
    const plugin = join(node, 'plugin-binary');
    writeFileSync(plugin, '#!/bin/sh\necho plugin\n');
    const ready = join(node, 'ready');
    const child = spawn(process.execPath, [
      DEPLOYED_CLI,
      'cni-install',
      '--cni-bin-dir',
      bin,
      '--cni-conf-dir',
      conf,
      '--plugin',
      plugin,
      '--rules-script',
      repoPath('images', 'envoy-init', 'envoy-init.sh'),
      '--token-file',
      join(secrets, 'token'),
      '--ca-file',
      join(secrets, 'ca.crt'),
      '--api-server',
      'https://10.96.0.1:443',
      '--ready-file',
      ready,
      '--check-every',
      '0.1',
    ]);
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      await until(() => existsSync(ready), 'the ready file');
      assert.equal(statSync(join(bin, 'envoy-injector-cni')).mode & 0o777, 0o755);
      assert.equal(readFileSync(join(bin, 'envoy-injector-rules'), 'utf8'), readFileSync(repoPath('images', 'envoy-init', 'envoy-init.sh'), 'utf8'));
      const chained = JSON.parse(readFileSync(primary, 'utf8')) as { plugins: Array<Record<string, unknown>> };
      assert.deepEqual(chained.plugins.slice(0, 2), FLANNEL.plugins);
      assert.deepEqual(chained.plugins[2], {
        name: 'envoy-injector-cni',
        kubeconfig: '/etc/cni/net.d/envoy-injector-cni.kubeconfig',
        log_level: 'info',
        rules_script: '/opt/cni/bin/envoy-injector-rules',
        injector_namespace: 'envoy-injector',
        type: 'envoy-injector-cni',
      });
      const kubeconfigFile = join(conf, 'envoy-injector-cni.kubeconfig');
      assert.equal(statSync(kubeconfigFile).mode & 0o777, 0o600, 'the token is not for every reader of the node');
      const kubeconfig = parse(readFileSync(kubeconfigFile, 'utf8')) as {
        clusters: Array<{ cluster: { server: string } }>;
        users: Array<{ user: { token: string } }>;
      };
      assert.deepEqual([kubeconfig.clusters[0]?.cluster.server, kubeconfig.users[0]?.user.token], ['https://10.96.0.1:443', 'token-1']);
      // What the plugin reads of it: the server, the token, the CA it verifies the API server with.
      const access = readKubeconfig(kubeconfigFile);
      assert.deepEqual(
        [access.server, access.token, access.ca?.toString(), access.insecure],
        ['https://10.96.0.1:443', 'token-1', readFileSync(join(secrets, 'ca.crt'), 'utf8'), false],
      );

      // The primary CNI rewrites its file (an upgrade, a restart): the plugin is chained again.
      writeFileSync(primary, original);
      await until(() => readFileSync(primary, 'utf8').includes('envoy-injector-cni'), 'the plugin chained again');
      // kubelet rotates the token: the plugin's kubeconfig follows.
      writeFileSync(join(secrets, 'token'), 'token-2');
      await until(() => readFileSync(kubeconfigFile, 'utf8').includes('token-2'), 'the new token');
    } finally {
      child.kill('SIGTERM');
    }
    assert.equal(await exited, 0, output);
    assert.deepEqual(JSON.parse(readFileSync(primary, 'utf8')), FLANNEL, 'the primary configuration as it was');
    for (const file of [join(bin, 'envoy-injector-cni'), join(bin, 'envoy-injector-rules'), join(conf, 'envoy-injector-cni.kubeconfig'), ready])
      assert.equal(existsSync(file), false, file);
    assert.match(output, /uninstalled/);
  });
});
