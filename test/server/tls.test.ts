// Serving certificates: what replaces a working pair and what never does,
// decided in-process (a temporary directory, a loopback handshake), each
// outcome asserted through the watcher's events.

import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generateWebhookCertificates, type WebhookCertificates } from '../../src/certs/generate.js';
import { CertificateWatcher, checkValidNow, completesHandshake, type KeyPair } from '../../src/server/tls.js';

const DAY = 24 * 3600 * 1000;
const NAMES = { service: 'envoy-injector', namespace: 'envoy-injector' };

/** A watcher over a fresh directory, recording what it reports. */
class Recorder {
  readonly dir = mkdtempSync(join(tmpdir(), 'tls-test-'));
  readonly reloads: KeyPair[] = [];
  readonly errors: string[] = [];
  private nextReload: ((pair: KeyPair) => void) | undefined;
  // A poll period no test waits for: a check is called explicitly, or comes from the directory watch.
  readonly watcher = new CertificateWatcher(
    this.dir,
    {
      onReload: (pair) => {
        this.reloads.push(pair);
        this.nextReload?.(pair);
      },
      onError: (error) => this.errors.push(error.message),
    },
    3_600_000,
  );

  /** The next pair reported, however the check came. */
  reloaded(): Promise<KeyPair> {
    return new Promise((resolve) => (this.nextReload = resolve));
  }

  write(cert: string, key: string): void {
    writeFileSync(join(this.dir, 'tls.crt'), cert);
    writeFileSync(join(this.dir, 'tls.key'), key);
  }

  close(): void {
    this.watcher.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

describe('serving certificates', () => {
  let working: WebhookCertificates;
  let renewed: WebhookCertificates;
  let expired: WebhookCertificates;
  let notYetValid: WebhookCertificates;
  before(async () => {
    working = await generateWebhookCertificates(NAMES);
    renewed = await generateWebhookCertificates({ ...NAMES, ca: { cert: working.caCert, key: working.caKey } });
    expired = await generateWebhookCertificates({ ...NAMES, now: new Date(Date.now() - 30 * DAY), days: 1 });
    notYetValid = await generateWebhookCertificates({ ...NAMES, now: new Date(Date.now() + 30 * DAY), days: 10 });
  });

  it('starts with the pair in the directory, and a check of the same files reports nothing', async () => {
    const recorder = new Recorder();
    after(() => recorder.close());
    recorder.write(working.cert, working.key);
    assert.deepEqual(await recorder.watcher.start(), { cert: working.cert, key: working.key });
    await recorder.watcher.check();
    assert.deepEqual(recorder.reloads, []);
    assert.deepEqual(recorder.errors, []);
  });

  it('refuses to start on a pair that cannot serve, naming what is wrong', async () => {
    const recorder = new Recorder();
    after(() => recorder.close());
    recorder.write(working.cert, '');
    await assert.rejects(recorder.watcher.start(), /tls\.key is empty/);
    recorder.write('  \n', working.key);
    await assert.rejects(recorder.watcher.start(), /tls\.crt is empty/);
    recorder.write(working.cert, ' \n\t');
    await assert.rejects(recorder.watcher.start(), /tls\.key is empty/);
  });

  it('reloads a renewed pair once, and reports it with the new files', async () => {
    const recorder = new Recorder();
    after(() => recorder.close());
    recorder.write(working.cert, working.key);
    await recorder.watcher.start();
    recorder.write(renewed.cert, renewed.key);
    await recorder.watcher.check();
    await recorder.watcher.check();
    assert.deepEqual(recorder.reloads, [{ cert: renewed.cert, key: renewed.key }]);
    assert.deepEqual(recorder.errors, []);
  });

  const broken: Array<[string, (w: WebhookCertificates) => [string, string], RegExp]> = [
    ['an expired certificate', () => [expired.cert, expired.key], /expired at/],
    ['a certificate not yet valid', () => [notYetValid.cert, notYetValid.key], /not valid until/],
    ['an empty key', (w) => [w.cert, ''], /tls\.key is empty/],
    ['an empty certificate', (w) => ['', w.key], /tls\.crt is empty/],
    ['a half-written certificate', (w) => [w.cert.slice(0, 200), w.key], /./],
    ['a certificate with the key of another', (w) => [w.cert, renewed.key], /./],
  ];
  for (const [name, pair, why] of broken) {
    it(`never replaces a working pair with ${name}, and says why`, async () => {
      const recorder = new Recorder();
      after(() => recorder.close());
      recorder.write(working.cert, working.key);
      await recorder.watcher.start();
      const [cert, key] = pair(working);
      recorder.write(cert, key);
      await recorder.watcher.check();
      assert.deepEqual(recorder.reloads, []);
      // The directory watch may have read the same files as well: each read says why.
      assert.ok(recorder.errors.length >= 1);
      for (const error of recorder.errors) assert.match(error, why);
      // Put right, the next check takes it.
      recorder.write(renewed.cert, renewed.key);
      await recorder.watcher.check();
      assert.equal(recorder.reloads.length, 1);
    });
  }

  it('a change seen while a check is reading gets a read of its own, not the next poll', async () => {
    const recorder = new Recorder();
    after(() => recorder.close());
    recorder.write(working.cert, working.key);
    await recorder.watcher.start();
    recorder.write(renewed.cert, working.key); // the certificate first: a mismatched pair
    const first = recorder.watcher.check();
    recorder.write(renewed.cert, renewed.key); // then the key, while the first read is in flight
    const second = recorder.watcher.check();
    assert.equal(second, first, 'one check at a time');
    await first;
    assert.deepEqual(recorder.reloads.at(-1), { cert: renewed.cert, key: renewed.key });
  });

  // Bounded: without the directory watch the reload never comes, and the test must fail, not hang.
  it('takes a renewed pair as soon as the directory changes, without waiting for the poll', { timeout: 20_000 }, async () => {
    const recorder = new Recorder();
    after(() => recorder.close());
    recorder.write(working.cert, working.key);
    await recorder.watcher.start();
    const reloaded = recorder.reloaded();
    recorder.write(renewed.cert, renewed.key);
    // The poll is an hour away: only the directory watch can bring it.
    assert.deepEqual(await reloaded, { cert: renewed.cert, key: renewed.key });
  });

  it('checkValidNow takes the first and the last instant of the validity period', () => {
    const pair = { cert: working.cert, key: working.key };
    const certificate = new X509Certificate(working.cert);
    assert.doesNotThrow(() => checkValidNow(pair, new Date(certificate.validFrom)));
    assert.doesNotThrow(() => checkValidNow(pair, new Date(certificate.validTo)));
    assert.throws(() => checkValidNow(pair, new Date(new Date(certificate.validTo).getTime() + 1000)), /expired at/);
    assert.throws(() => checkValidNow(pair, new Date(new Date(certificate.validFrom).getTime() - 1000)), /not valid until/);
  });

  it('checkValidNow holds the bounds of the validity period', () => {
    const pair = { cert: working.cert, key: working.key };
    assert.doesNotThrow(() => checkValidNow(pair, new Date()));
    assert.throws(() => checkValidNow(pair, new Date(Date.now() + 400 * DAY)), /expired at \d{4}-/);
    assert.throws(() => checkValidNow(pair, new Date(Date.now() - DAY)), /not valid until \d{4}-/);
  });

  it('a pair that completes a handshake passes; a mismatched one is refused with the reason', async () => {
    await completesHandshake({ cert: working.cert, key: working.key });
    await assert.rejects(completesHandshake({ cert: working.cert, key: renewed.key }), /./);
  });

  it('refuses a pair Node loads but no handshake completes with (an empty certificate)', async () => {
    await assert.rejects(completesHandshake({ cert: '', key: working.key }), /^Error: the certificate and key do not complete a TLS handshake: /);
  });
});
