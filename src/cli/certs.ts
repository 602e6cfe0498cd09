// `envoy-injector certs`: a CA and serving certificate for the webhook.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateWebhookCertificates } from '../certs/generate.js';
import { parseFlags, single, UsageError } from './args.js';
import { COMMANDS } from './commands.js';
import type { CommandOutput } from './command.js';
import { InputError } from './files.js';

export async function runCerts(argv: readonly string[]): Promise<CommandOutput> {
  const flags = parseFlags(argv, COMMANDS.certs.flags);
  const out = single(flags, 'out');
  if (out === undefined) throw new UsageError('--out DIR is required');
  const days = Number(single(flags, 'days') ?? '365');
  if (!Number.isInteger(days) || days < 1) throw new UsageError('--days must be a whole number ≥ 1');
  const service = single(flags, 'service') ?? 'envoy-injector';
  const namespace = single(flags, 'namespace') ?? 'envoy-injector';
  const certificates = await generateWebhookCertificates({ service, namespace, days });
  try {
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'ca.crt'), certificates.caCert);
    writeFileSync(join(out, 'tls.crt'), certificates.cert);
    writeFileSync(join(out, 'tls.key'), certificates.key, { mode: 0o600 });
  } catch (error) {
    throw new InputError(`cannot write certificates to ${out}: ${(error as Error).message}`);
  }
  // The caBundle alone on stdout, so that `$(envoy-injector certs …)` is it;
  // what it is, on stderr.
  return {
    stdout: `${Buffer.from(certificates.caCert).toString('base64')}\n`,
    preface: `wrote ${join(out, 'ca.crt')}, ${join(out, 'tls.crt')} and ${join(out, 'tls.key')}: a CA and a serving certificate for ${service}.${namespace}.svc, valid ${days} days\nthe caBundle for the MutatingWebhookConfiguration (base64 of ${join(out, 'ca.crt')}), on stdout:\n`,
  };
}
