// One CIDR rule on both sides: what the webhook admits, envoy-init accepts,
// and what envoy-init would refuse (so the pod would fail at start), the
// webhook refuses at admission. The script runs for real, in --dry-run.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { checkCidrList } from '../../../src/syntax/values.js';
import { repoPath } from '../../support/repo.js';

const SCRIPT = repoPath('images', 'envoy-init', 'envoy-init.sh');
const BASE = ['--proxy-uid=1337', '--proxy-gid=1337', '--outbound-port=15001', '--inbound-port=15006', '--ip-families=IPv4,IPv6', '--dry-run'];

const RANGES: Array<[string, boolean]> = [
  ['10.0.0.0/8', true],
  ['0.0.0.0/0', true],
  ['192.168.1.1/32', true],
  ['fd00::/8', true],
  ['::/0', true],
  ['::1/128', true],
  ['2001:db8::/32', true],
  ['::ffff:10.0.0.1/128', true],
  ['fe80::1%eth0/64', false],
  ['10.0.0.0/08', false],
  ['fd00::/064', false],
  ['10.0.0.0', false],
  ['fd00::', false],
  ['256.0.0.0/8', false],
  ['01.2.3.4/8', false],
  ['10.0.0.0/33', false],
  ['fd00::/129', false],
  ['1.2.3/24', false],
  ['a::b::c/64', false],
  ['10.0.0.0/8/8', false],
  ['ten/8', false],
];

function scriptAccepts(range: string): boolean {
  const result = spawnSync('bash', [SCRIPT, ...BASE, `--exclude-outbound-ip-ranges=${range}`], { encoding: 'utf8', timeout: 20_000 });
  if (result.status !== 0) assert.match(result.stderr, /is not an IP range/, `envoy-init refused ${range} for another reason: ${result.stderr}`);
  return result.status === 0;
}

describe('the CIDR rule of the webhook and of envoy-init', () => {
  for (const [range, valid] of RANGES) {
    it(`${range}: ${valid ? 'accepted' : 'refused'} by both`, () => {
      assert.equal(checkCidrList([range], false).ok, valid, 'the webhook');
      assert.equal(scriptAccepts(range), valid, 'envoy-init');
    });
  }
});
