// Self-managed serving certificate: one Secret in the injector's namespace
// holds the CA and the serving pair, so every replica serves the same chain
// and the webhook's caBundle has one value. The first replica to create the
// Secret wins; the others read what it wrote.

import { X509Certificate, createPrivateKey } from 'node:crypto';
import { CoreV1Api, type KubeConfig, type V1Secret } from '@kubernetes/client-node';
import { generateWebhookCertificates, type WebhookCertificates } from '../certs/generate.js';
import { apiStatus, describeApiError } from './api-errors.js';

export interface ServingSecretOptions {
  namespace: string;
  secretName: string;
  service: string;
  /** Renew when the serving certificate has fewer days left than this. */
  renewBeforeDays?: number;
  now?: Date;
}

export type SecretOutcome = 'created' | 'existing' | 'renewed' | 'taken-from-another-replica';

export interface ServingSecret {
  certificates: WebhookCertificates;
  outcome: SecretOutcome;
}

// The key names kubectl and cert-manager use for TLS Secrets, plus the CA key
// so that a renewal re-signs with the same CA and the caBundle stays valid.
const KEYS = { caCert: 'ca.crt', caKey: 'ca.key', cert: 'tls.crt', key: 'tls.key' } as const;

function decode(secret: V1Secret): WebhookCertificates | undefined {
  const data = secret.data ?? {};
  const read = (key: string): string | undefined => (data[key] === undefined ? undefined : Buffer.from(data[key], 'base64').toString('utf8'));
  const caCert = read(KEYS.caCert);
  const caKey = read(KEYS.caKey);
  const cert = read(KEYS.cert);
  const key = read(KEYS.key);
  return caCert && caKey && cert && key ? { caCert, caKey, cert, key } : undefined;
}

function encode(certificates: WebhookCertificates): Record<string, string> {
  const b64 = (text: string): string => Buffer.from(text).toString('base64');
  return {
    [KEYS.caCert]: b64(certificates.caCert),
    [KEYS.caKey]: b64(certificates.caKey),
    [KEYS.cert]: b64(certificates.cert),
    [KEYS.key]: b64(certificates.key),
  };
}

const DAY_MS = 24 * 3600 * 1000;

/** Why the stored certificates cannot serve `<service>.<namespace>.svc` for long enough, or undefined when they can. */
export function renewalReason(certificates: WebhookCertificates | undefined, options: ServingSecretOptions): string | undefined {
  if (!certificates) return 'the Secret lacks ca.crt, ca.key, tls.crt or tls.key';
  const now = options.now ?? new Date();
  const renewBefore = (options.renewBeforeDays ?? 30) * DAY_MS;
  try {
    const ca = new X509Certificate(certificates.caCert);
    const serving = new X509Certificate(certificates.cert);
    const serverName = `${options.service}.${options.namespace}.svc`;
    if (!serving.checkHost(serverName, { subject: 'never' })) return `the serving certificate has no SAN for ${serverName}`;
    if (!serving.verify(ca.publicKey)) return 'the serving certificate is not signed by ca.crt';
    if (!serving.checkPrivateKey(createPrivateKey(certificates.key))) return 'tls.key does not match tls.crt';
    if (new Date(serving.validTo).getTime() - now.getTime() < renewBefore) return `the serving certificate expires ${serving.validTo}`;
    return undefined;
  } catch (error) {
    return `the Secret's certificates do not parse (${(error as Error).message})`;
  }
}

/** The CA to re-sign with, when it outlives the next serving certificate. */
function reusableCa(certificates: WebhookCertificates | undefined, now: Date): { cert: string; key: string } | undefined {
  if (!certificates) return undefined;
  try {
    const ca = new X509Certificate(certificates.caCert);
    if (!ca.checkPrivateKey(createPrivateKey(certificates.caKey))) return undefined;
    return new Date(ca.validTo).getTime() - now.getTime() > 366 * DAY_MS ? { cert: certificates.caCert, key: certificates.caKey } : undefined;
  } catch {
    return undefined;
  }
}

/** Reads the Secret, creating or renewing it when needed; safe to run from every replica at once. */
export async function ensureServingSecret(kubeConfig: KubeConfig, options: ServingSecretOptions): Promise<ServingSecret> {
  const api = kubeConfig.makeApiClient(CoreV1Api);
  const { namespace, secretName: name, service } = options;
  const now = options.now ?? new Date();
  const where = `Secret ${namespace}/${name}`;
  const readSecret = async (): Promise<V1Secret | undefined> => {
    try {
      return await api.readNamespacedSecret({ name, namespace });
    } catch (error) {
      if (apiStatus(error) === 404) return undefined;
      throw new Error(`cannot read ${where}: ${describeApiError(error)}`);
    }
  };
  const takeWinner = async (): Promise<ServingSecret> => {
    const winner = decode((await readSecret()) ?? {});
    if (!winner || renewalReason(winner, options)) throw new Error(`${where} was written by another replica but is not usable yet; will retry`);
    return { certificates: winner, outcome: 'taken-from-another-replica' };
  };

  const existing = await readSecret();
  const stored = existing ? decode(existing) : undefined;
  if (existing && stored && !renewalReason(stored, options)) return { certificates: stored, outcome: 'existing' };

  // A new CA lives ten years and each serving certificate one: renewals re-sign
  // with the same CA, so replicas never disagree with the caBundle.
  const ca = reusableCa(stored, now);
  const fresh = await generateWebhookCertificates({ service, namespace, now, days: 365, caDays: 3650, ...(ca ? { ca } : {}) });
  const body: V1Secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    // The standard TLS Secret shape (tls.crt, tls.key), plus ca.crt and ca.key.
    type: 'kubernetes.io/tls',
    metadata: {
      name,
      namespace,
      labels: { 'app.kubernetes.io/managed-by': 'envoy-injector' },
      // Optimistic concurrency: a replace only lands on the version we read.
      ...(existing?.metadata?.resourceVersion ? { resourceVersion: existing.metadata.resourceVersion } : {}),
    },
    data: encode(fresh),
  };
  try {
    if (existing) {
      await api.replaceNamespacedSecret({ name, namespace, body });
      return { certificates: fresh, outcome: 'renewed' };
    }
    await api.createNamespacedSecret({ namespace, body });
    return { certificates: fresh, outcome: 'created' };
  } catch (error) {
    // 409: another replica created or renewed it first; theirs is the one to serve.
    if (apiStatus(error) === 409) return takeWinner();
    throw new Error(`cannot ${existing ? 'renew' : 'create'} ${where}: ${describeApiError(error)}`);
  }
}
