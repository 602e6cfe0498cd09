// Serving certificates from a directory (tls.crt, tls.key), reloaded without
// a restart when they change: kubelet updates a Secret volume by swapping a
// `..data` symlink, cert-manager renews in place; both are caught by a watch
// on the directory and, since watches can miss events, by a periodic check.

import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { connect, createSecureContext, createServer } from 'node:tls';
import { X509Certificate } from 'node:crypto';

/** TLS 1.2 and 1.3 only, and for 1.2 Mozilla's "intermediate" suites: ECDHE
 * key exchange with AEAD ciphers (no static RSA, no CBC). TLS 1.3's suites are
 * all AEAD. Go's client (kube-apiserver) offers all of these. */
export const TLS_SETTINGS = {
  minVersion: 'TLSv1.2',
  ciphers: [
    'TLS_AES_128_GCM_SHA256',
    'TLS_AES_256_GCM_SHA384',
    'TLS_CHACHA20_POLY1305_SHA256',
    'ECDHE-ECDSA-AES128-GCM-SHA256',
    'ECDHE-RSA-AES128-GCM-SHA256',
    'ECDHE-ECDSA-AES256-GCM-SHA384',
    'ECDHE-RSA-AES256-GCM-SHA384',
    'ECDHE-ECDSA-CHACHA20-POLY1305',
    'ECDHE-RSA-CHACHA20-POLY1305',
  ].join(':'),
} as const;

export interface KeyPair {
  cert: string;
  key: string;
}

export interface CertificateSourceEvents {
  onReload(pair: KeyPair): void;
  onError(error: Error): void;
}

async function readKeyPair(dir: string): Promise<KeyPair> {
  const [cert, key] = await Promise.all([readFile(join(dir, 'tls.crt'), 'utf8'), readFile(join(dir, 'tls.key'), 'utf8')]);
  return { cert, key };
}

/** Throws when the pair does not match or is half-written: keep the old one then. */
async function validateKeyPair(pair: KeyPair): Promise<KeyPair> {
  if (pair.cert.trim() === '' || pair.key.trim() === '') throw new Error(`${pair.cert.trim() === '' ? 'tls.crt' : 'tls.key'} is empty`);
  createSecureContext(pair);
  await completesHandshake(pair);
  return pair;
}

/** A pair Node accepts can still fail every handshake (createSecureContext
 * takes an empty certificate): prove it on loopback before serving it. */
export async function completesHandshake(pair: KeyPair): Promise<void> {
  const server = createServer({ ...pair, ...TLS_SETTINGS });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  try {
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
        socket.destroy();
        resolve();
      });
      socket.setTimeout(5000, () => socket.destroy(new Error('timed out')));
      socket.once('error', (error: Error) => {
        reject(new Error(`the certificate and key do not complete a TLS handshake: ${error.message}`));
      });
    });
  } finally {
    server.close();
  }
}

/** Throws when the pair's certificate is not valid now: a renewal that wrote
 * an expired (or not yet valid) certificate must not replace a working one,
 * since kube-apiserver would refuse every handshake with it. */
export function checkValidNow(pair: KeyPair, now: Date): void {
  const certificate = new X509Certificate(pair.cert);
  const from = new Date(certificate.validFrom);
  const to = new Date(certificate.validTo);
  if (now < from) throw new Error(`the new certificate is not valid until ${from.toISOString()}`);
  if (now > to) throw new Error(`the new certificate expired at ${to.toISOString()}`);
}

export class CertificateWatcher {
  private current: KeyPair | undefined;
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;
  // Stryker disable next-line BooleanLiteral: equivalent, a first check that reads twice finds the same files
  private changedWhileChecking = false;

  constructor(
    private readonly dir: string,
    private readonly events: CertificateSourceEvents,
    private readonly pollMs = 5000,
  ) {}

  async start(): Promise<KeyPair> {
    this.current = await validateKeyPair(await readKeyPair(this.dir));
    try {
      this.watcher = watch(this.dir, () => void this.check());
    } catch (error) {
      this.events.onError(error as Error);
    }
    this.timer = setInterval(() => void this.check(), this.pollMs);
    this.timer.unref();
    return this.current;
  }

  /** Reads the files and reports a new pair once it differs and is valid. A
   * change seen while a read is in flight (the key, then the certificate, each
   * replaced in turn) gets a read of its own right after, not the next poll. */
  check(): Promise<void> {
    if (this.checking) {
      this.changedWhileChecking = true;
      return this.checking;
    }
    this.checking = (async () => {
      do {
        this.changedWhileChecking = false;
        try {
          const pair = await readKeyPair(this.dir);
          // Proven only when it changed: a poll of the same files costs two reads.
          if (pair.cert !== this.current?.cert || pair.key !== this.current.key) {
            const validated = await validateKeyPair(pair);
            checkValidNow(validated, new Date());
            this.current = validated;
            this.events.onReload(pair);
          }
        } catch (error) {
          this.events.onError(error as Error);
        }
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- check() sets it while readKeyPair() is awaited
      } while (this.changedWhileChecking);
      this.checking = undefined;
    })();
    return this.checking;
  }

  stop(): void {
    this.watcher?.close();
    if (this.timer) clearInterval(this.timer);
  }
}
