// `envoy-injector certs`: a CA and serving certificate for the webhook.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateWebhookCertificates } from '../certs/generate.js';
import { parseFlags, single, UsageError } from './args.js';
import { InputError } from './files.js';

export async function runCerts(argv: readonly string[]): Promise<string> {
  const flags = parseFlags(argv, { out: { value: true }, service: { value: true }, namespace: { value: true }, days: { value: true } });
  const out = single(flags, 'out');
  if (out === undefined) throw new UsageError('--out DIR is required');
  const days = Number(single(flags, 'days') ?? '365');
  if (!Number.isInteger(days) || days < 1) throw new UsageError('--days must be a whole number ≥ 1');
  const certificates = await generateWebhookCertificates({
    service: single(flags, 'service') ?? 'envoy-injector',
    namespace: single(flags, 'namespace') ?? 'envoy-injector',
    days,
  });
  try {
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'ca.crt'), certificates.caCert);
    writeFileSync(join(out, 'tls.crt'), certificates.cert);
    writeFileSync(join(out, 'tls.key'), certificates.key, { mode: 0o600 });
  } catch (error) {
    throw new InputError(`cannot write certificates to ${out}: ${(error as Error).message}`);
  }
  // The caBundle of the MutatingWebhookConfiguration.
  return `${Buffer.from(certificates.caCert).toString('base64')}\n`;
}
