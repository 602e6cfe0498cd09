// cni capture mode, for real: the webhook renders an unprivileged
// envoy-validate init container with envoy-init's arguments; in a pod network
// namespace without capture rules it fails, naming the missing plugin (so
// kubelet retries it and the app never starts uncaptured); once the rules are
// installed from the same script and the same arguments — what the CNI
// plugin does — it succeeds, as the unprivileged UID the pod runs it as.
//
// Needs root (CI is root); skipped, with the reason printed, only when
// network namespaces cannot be created here.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { DEFAULT_CONFIG } from '../../../src/config/config.js';
import type { Container, Pod } from '../../../src/model/kubernetes.js';
import { VALIDATE_CONTAINER } from '../../../src/model/names.js';
import { injectManifests } from '../../../src/offline/offline.js';
import { netnsUnavailable, podNetwork, removeNetns, run, validateIn, validatorCopy } from '../../support/netns.js';
import { repoPath } from '../../support/repo.js';

const suffix = String(process.pid % 100000);
const POD_NS = `ev-pod-${suffix}`;
const PEER_NS = `ev-peer-${suffix}`;
const VALIDATOR = validatorCopy();
const SCRIPT = repoPath('images', 'envoy-init', 'envoy-init.sh');

/** The cni-mode pod's envoy-validate container, as the webhook renders it. */
function validateContainer(): Container {
  const result = injectManifests(
    'apiVersion: v1\nkind: Pod\nmetadata:\n  name: shop\n  namespace: shop\n  annotations:\n    envoy-injector.io/capture: cni\n    envoy-injector.io/exclude-outbound-ports: "15002"\nspec:\n  containers:\n  - { name: app, image: shop:1 }\n',
    { config: { ...DEFAULT_CONFIG, capture: { ...DEFAULT_CONFIG.capture, cniInstalled: true } }, defaultNamespace: 'default' },
  );
  if (!result.ok) throw new Error(result.problems.join('; '));
  const container = ((parse(result.value) as Pod).spec.initContainers ?? []).find((c) => c.name === VALIDATE_CONTAINER);
  assert.ok(container && Array.isArray(container.args));
  return container;
}

const skip = netnsUnavailable(`ev-probe-${suffix}`);

describe('envoy-validate in a pod network namespace', { skip: skip ?? false }, () => {
  const container = validateContainer();
  const args = container.args as string[];
  const validate = (): { code: number | null; stdout: string; stderr: string } => validateIn(POD_NS, VALIDATOR, args);

  before(() => podNetwork(POD_NS, PEER_NS, `ev${suffix}`, '10.201.0'));

  after(() => removeNetns(POD_NS, PEER_NS));

  it('is rendered with no privilege, and with envoy-init’s arguments for the plugin to install', () => {
    assert.deepEqual(container.command, ['/usr/local/bin/envoy-validate']);
    assert.ok(args.includes('--outbound-port=15001') && args.includes('--exclude-outbound-ports=15021,15090,15002'), args.join(' '));
    assert.deepEqual((container.securityContext as { capabilities?: unknown }).capabilities, { drop: ['ALL'] });
  });

  it('fails without the rules, naming the missing plugin, and succeeds once the same script installed them', () => {
    const missing = validate();
    assert.equal(missing.code, 1, missing.stdout + missing.stderr);
    // 15002 is excluded for this pod: the probe takes the next port.
    assert.match(
      missing.stderr,
      /outbound TCP to 192\.0\.2\.1:15003 was not redirected to the proxy's port 15001 .*the envoy-injector CNI plugin has not installed this pod's capture rules/,
    );
    const installed = run('ip', ['netns', 'exec', POD_NS, 'bash', SCRIPT, ...args]);
    assert.equal(installed.code, 0, installed.stderr);
    const proven = validate();
    assert.equal(proven.code, 0, proven.stderr);
    assert.match(proven.stdout, /reached the proxy's port 15001: the capture rules are in place/);
  });
});
