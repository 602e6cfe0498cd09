// Size limits on what a pod author writes, checked before anything is
// parsed. kube-apiserver calls mutating webhooks before it validates the
// object, so the webhook sees raw values up to its 3 MiB request limit; each
// limit below is what Kubernetes itself allows after admission, or, for our
// own annotations, far more than any real value needs.

import { outboundRouteConfiguration } from '../envoy/route-config.js';
import type { Pod } from '../model/kubernetes.js';
import { KUBERNETES_LIMITS } from '../model/limits.js';
import { ANNOTATION, DOMAIN, INJECTOR_ANNOTATIONS, LABEL_INJECT } from '../model/names.js';
import type { ProxySettings } from './settings.js';

/** Any envoy-injector.io annotation but the routes (whose own limit is in routes/parse.ts). */
export const MAX_SETTING_ANNOTATION_BYTES = 4 * 1024;
const ROUTES = ANNOTATION.routes;

export function annotationBytes(annotations: Readonly<Record<string, string>>): number {
  let total = 0;
  for (const [key, value] of Object.entries(annotations)) total += Buffer.byteLength(key) + Buffer.byteLength(value);
  return total;
}

/** What breaks a limit, each naming the field and the limit; [] when all fit. */
export function inputLimitProblems(pod: Pod): string[] {
  const problems: string[] = [];
  const meta = pod.metadata ?? {};
  for (const field of ['name', 'generateName'] as const) {
    // null is absent, as Kubernetes decodes it.
    const value: unknown = meta[field];
    if (typeof value === 'string' && value.length > KUBERNETES_LIMITS.nameLength) {
      problems.push(`metadata.${field} is ${value.length} characters, over Kubernetes' limit of ${KUBERNETES_LIMITS.nameLength}`);
    }
  }
  const label = meta.labels?.[LABEL_INJECT];
  if (label !== undefined && label.length > KUBERNETES_LIMITS.labelValueLength) {
    problems.push(`label ${LABEL_INJECT} is ${label.length} characters, over Kubernetes' limit of ${KUBERNETES_LIMITS.labelValueLength} for a label value`);
  }
  const annotations = meta.annotations ?? {};
  const total = annotationBytes(annotations);
  if (total > KUBERNETES_LIMITS.annotationBytes) {
    problems.push(`metadata.annotations are ${kib(total)} KiB, over Kubernetes' limit of ${kib(KUBERNETES_LIMITS.annotationBytes)} KiB`);
    return problems;
  }
  for (const [key, value] of Object.entries(annotations)) {
    if (!key.startsWith(`${DOMAIN}/`) || key === ROUTES || INJECTOR_ANNOTATIONS.includes(key)) continue; // ours: the total covers them
    const bytes = Buffer.byteLength(value);
    if (bytes > MAX_SETTING_ANNOTATION_BYTES)
      problems.push(`annotation ${key.slice(0, 100)} is ${bytes} bytes, over the limit of ${MAX_SETTING_ANNOTATION_BYTES}`);
  }
  return problems;
}

export function kib(bytes: number): string {
  return (bytes / 1024).toFixed(1);
}

/** The API server refuses a pod whose annotations exceed its limit with a bare
 * "Too long": say here which of ours made it so, and what to shrink. */
export function renderedSizeProblem(injected: Pod): string | undefined {
  const total = annotationBytes(injected.metadata?.annotations ?? {});
  if (total <= KUBERNETES_LIMITS.annotationBytes) return undefined;
  return `the rendered Envoy config would make the pod's annotations ${kib(total)} KiB, over Kubernetes' limit of ${kib(KUBERNETES_LIMITS.annotationBytes)} KiB: shrink ${ROUTES} (the pod's or its namespace's default) or the pod's own annotations`;
}

/** Over xDS the bootstrap's fallback holds the routes once per HTTP port
 * (inline in each chain): routes that fit once may not fit that many times.
 * Measured from the routes rendered once, before the copies are built, so a
 * pod cannot make a review build megabytes only to be refused. */
export function fallbackSizeProblem(settings: Pick<ProxySettings, 'configSource' | 'routes' | 'httpPorts'>): string | undefined {
  if (settings.configSource !== 'xds') return undefined;
  const copies = new Set(settings.httpPorts.map((p) => p.port)).size;
  const bytes = JSON.stringify(outboundRouteConfiguration(settings.routes.virtualHosts)).length * copies;
  if (bytes <= KUBERNETES_LIMITS.annotationBytes) return undefined;
  return (
    `the routes, which an xds-mode proxy's bootstrap holds once per HTTP port as its fallback (${copies} ports), ` +
    `would take ${kib(bytes)} KiB of the pod's annotations, over Kubernetes' limit of ${kib(KUBERNETES_LIMITS.annotationBytes)} KiB: ` +
    `shrink ${ROUTES}, route fewer HTTP ports, or use ${ANNOTATION.configSource}: file`
  );
}
