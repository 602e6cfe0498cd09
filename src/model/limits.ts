// Resource bounds in one place a reader can audit (SECURITY.md lists them):
// each a named constant with its unit and why. What a pod author or a network
// caller sends can make the webhook spend only what these allow, and each is
// checked before the work it bounds is done.

/** Kubernetes' own limits (validation that runs after the webhooks). */
export const KUBERNETES_LIMITS = {
  /** Characters of metadata.name and generateName. */
  nameLength: 253,
  /** Characters of a label value. */
  labelValueLength: 63,
  /** TotalAnnotationSizeLimitB: bytes of all annotations' keys and values together. */
  annotationBytes: 256 * 1024,
} as const;

/** What a refusal, a warning list and a log line may hold. kube-apiserver
 * drops admission warnings past 4 KiB in total and truncates each past 256
 * characters: ours fit, with a last "and K more". */
export const MESSAGE_LIMITS = {
  /** Problems named in one refusal; the rest are counted. */
  problems: 20,
  /** Characters of one problem as shown. */
  problemLength: 512,
  /** Characters of one admission warning (kube-apiserver's own limit). */
  warningLength: 256,
  /** Characters of all admission warnings of one answer together. */
  warningsTotal: 4 * 1024,
} as const;
