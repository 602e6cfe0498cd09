// Why a pod is not injected: stable codes (they are metric labels, log fields
// and what `explain` prints) with a sentence a person can act on.

/** Every reason code (docs/reference.md lists them). */
export const REASON_CODES = [
  'system-namespace',
  'host-network',
  'already-injected',
  'other-mesh',
  'other-mesh-opt-out',
  'namespace-disabled',
  'namespace-not-enrolled',
  'pod-opted-out',
  'pod-not-opted-in',
  'invalid-inject-value',
  'invalid-status',
  'pod-security',
] as const;

export type ReasonCode = (typeof REASON_CODES)[number];

export interface Reason {
  code: ReasonCode;
  message: string;
  /** True when the pod must be refused rather than admitted without a proxy. */
  rejectsPod: boolean;
}

export type Decision = { inject: true; because: string; reasons: [] } | { inject: false; reasons: Reason[] };

export function formatReason(reason: Reason): string {
  return `[${reason.code}] ${reason.message}`;
}
