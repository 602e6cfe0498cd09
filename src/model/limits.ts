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

/** Heap bytes each cache of remembered answers may hold (model/memo.ts),
 * a quarter of the Deployment's 128 MiB heap in all: what a pod author can
 * make the webhook keep, whatever the size or number of distinct pods. */
export const MEMO_BYTES = {
  /** Answers to pod creations (admission/answer.ts). */
  answers: 8 * 2 ** 20,
  /** Rendered Envoy documents (envoy/render.ts). */
  rendered: 8 * 2 ** 20,
  /** Proxy templates: containers, volume, rendered config (inject/inject.ts). */
  templates: 6 * 2 ** 20,
  /** Proxy settings read from annotations (inject/settings.ts). */
  settings: 4 * 2 ** 20,
  /** Parsed routes annotations (routes/parse.ts). */
  parsedRoutes: 4 * 2 ** 20,
  /** xDS resources encoded as Envoy's protobuf, by type and version (server/xds-server.ts). */
  encodedResources: 8 * 2 ** 20,
  /** JSON text of long strings (model/json-text.ts). */
  quoted: 2 * 2 ** 20,
} as const;
