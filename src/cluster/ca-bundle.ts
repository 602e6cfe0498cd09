// Keeps the caBundle of the injector's own MutatingWebhookConfiguration equal
// to the CA that signs the serving certificate, so kube-apiserver trusts it.

import { AdmissionregistrationV1Api, PatchStrategy, setHeaderOptions, type KubeConfig, type V1MutatingWebhookConfiguration } from '@kubernetes/client-node';
import { describeApiError } from './api-errors.js';

export type JsonPatchOperation = { op: 'test' | 'add' | 'replace'; path: string; value: unknown };

/**
 * The JSON Patch that sets every webhook's caBundle, or [] when all match.
 * Each change is guarded by a `test` of the webhook's name, so a concurrent
 * edit that reorders the webhooks makes the patch fail instead of landing
 * on the wrong entry.
 */
export function caBundlePatch(configuration: V1MutatingWebhookConfiguration, caBundle: string): JsonPatchOperation[] {
  return (configuration.webhooks ?? []).flatMap((webhook, index): JsonPatchOperation[] => {
    if (webhook.clientConfig.caBundle === caBundle) return [];
    return [
      { op: 'test', path: `/webhooks/${index}/name`, value: webhook.name },
      { op: webhook.clientConfig.caBundle === undefined ? 'add' : 'replace', path: `/webhooks/${index}/clientConfig/caBundle`, value: caBundle },
    ];
  });
}

/** Returns how many webhooks were changed. */
export async function syncCaBundle(kubeConfig: KubeConfig, name: string, caCertPem: string): Promise<number> {
  const api = kubeConfig.makeApiClient(AdmissionregistrationV1Api);
  const caBundle = Buffer.from(caCertPem).toString('base64');
  let configuration: V1MutatingWebhookConfiguration;
  try {
    configuration = await api.readMutatingWebhookConfiguration({ name });
  } catch (error) {
    throw new Error(`cannot read MutatingWebhookConfiguration ${name}: ${describeApiError(error)}`);
  }
  const patch = caBundlePatch(configuration, caBundle);
  if (patch.length === 0) return 0;
  try {
    await api.patchMutatingWebhookConfiguration({ name, body: patch }, setHeaderOptions('Content-Type', PatchStrategy.JsonPatch));
  } catch (error) {
    throw new Error(`cannot patch the caBundle of MutatingWebhookConfiguration ${name}: ${describeApiError(error)}`);
  }
  return patch.length / 2;
}
