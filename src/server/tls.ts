// Serving certificates from a directory (tls.crt, tls.key), reloaded without
// a restart when they change: kubelet updates a Secret volume by swapping a
// `..data` symlink, cert-manager renews in place; both are caught by a watch
// on the directory and, since watches can miss events, by a periodic check.

import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';

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
  // Throws when the pair does not match or is half-written: keep the old one then.
  createSecureContext({ cert, key });
  return { cert, key };
}

export class CertificateWatcher {
  private current: KeyPair | undefined;
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private checking: Promise<void> | undefined;
  private changedWhileChecking = false;

  constructor(
    private readonly dir: string,
    private readonly events: CertificateSourceEvents,
    private readonly pollMs = 5000,
  ) {}

  async start(): Promise<KeyPair> {
    this.current = await readKeyPair(this.dir);
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
          if (pair.cert !== this.current?.cert || pair.key !== this.current.key) {
            this.current = pair;
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
