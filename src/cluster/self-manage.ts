// `serve --self-manage`: the injector keeps its own serving certificate (in a
// Secret) and its webhook's caBundle, at start and then periodically, so a
// renewal, a new replica, or a `kubectl apply` that blanked the caBundle all
// converge without an operator.

import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { syncCaBundle } from './ca-bundle.js';
import type { ClusterLog } from './cluster.js';
import { ensureServingSecret, type ServingSecretOptions } from './serving-secret.js';

export interface SelfManageOptions extends ServingSecretOptions {
  certDir: string;
  /** MutatingWebhookConfiguration whose caBundle to keep; none: only the Secret. */
  webhookConfiguration?: string;
}

/** Replaces a file by rename, so the certificate watcher never reads half of it. */
function writeIfChanged(path: string, content: string, mode: number): boolean {
  try {
    if (readFileSync(path, 'utf8') === content) return false;
  } catch {
    // absent: write it
  }
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, content, { mode });
  renameSync(temporary, path);
  return true;
}

export interface ReconcileResult {
  secret: string;
  filesChanged: boolean;
  webhooksPatched: number;
  /** The caBundle could not be kept: the server can still serve, kube-apiserver may not trust it yet. */
  webhookError?: string;
}

/** One pass; throws, naming the object, only when no usable certificate could be had. */
export async function reconcileSelfManaged(kubeConfig: KubeConfig, options: SelfManageOptions): Promise<ReconcileResult> {
  const { certificates, outcome } = await ensureServingSecret(kubeConfig, options);
  mkdirSync(options.certDir, { recursive: true });
  // The key first: the watcher reloads on the certificate, and a certificate
  // with a stale key is refused (the current pair keeps serving).
  const keyChanged = writeIfChanged(join(options.certDir, 'tls.key'), certificates.key, 0o600);
  const certChanged = writeIfChanged(join(options.certDir, 'tls.crt'), certificates.cert, 0o644);
  const caChanged = writeIfChanged(join(options.certDir, 'ca.crt'), certificates.caCert, 0o644);
  const result: ReconcileResult = { secret: outcome, filesChanged: keyChanged || certChanged || caChanged, webhooksPatched: 0 };
  if (options.webhookConfiguration) {
    try {
      result.webhooksPatched = await syncCaBundle(kubeConfig, options.webhookConfiguration, certificates.caCert);
    } catch (error) {
      result.webhookError = (error as Error).message;
    }
  }
  return result;
}

export interface SelfManager {
  stop(): void;
}

/**
 * Runs the first pass until there is a certificate to serve (the server
 * cannot start without one), then repeats every `intervalMs` in the background.
 */
export async function startSelfManagement(
  kubeConfig: KubeConfig,
  options: SelfManageOptions,
  log: ClusterLog,
  intervalMs = 60_000,
  retryMs = 5_000,
): Promise<SelfManager> {
  const describe = (result: ReconcileResult): string =>
    `self-managed certificate: Secret ${options.namespace}/${options.secretName} ${result.secret}` +
    (result.filesChanged ? `, written to ${options.certDir}` : '') +
    (options.webhookConfiguration && !result.webhookError
      ? `, caBundle of ${options.webhookConfiguration} ${result.webhooksPatched > 0 ? `set on ${result.webhooksPatched} webhook(s)` : 'already current'}`
      : '');
  let last = '';
  // Once per distinct problem: an unreachable API server is not news every minute.
  const warnOnce = (message: string): void => {
    if (message !== last) log.warn(message);
    last = message;
  };
  const report = (result: ReconcileResult, always: boolean): void => {
    if (always || result.filesChanged || result.webhooksPatched > 0) log.info(describe(result));
    if (result.webhookError)
      warnOnce(`${result.webhookError}; kube-apiserver cannot verify this server until it is fixed, retrying every ${intervalMs / 1000}s`);
    else last = '';
  };
  for (;;) {
    try {
      report(await reconcileSelfManaged(kubeConfig, options), true);
      break;
    } catch (error) {
      log.warn(`${(error as Error).message}; retrying in ${retryMs / 1000}s`);
      await new Promise((resolve) => setTimeout(resolve, retryMs));
    }
  }
  const timer = setInterval(() => {
    reconcileSelfManaged(kubeConfig, options).then(
      (result) => report(result, false),
      (error: unknown) => warnOnce(`${error instanceof Error ? error.message : String(error)}; keeping the current certificate`),
    );
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
