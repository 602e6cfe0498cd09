// The patch the webhook would send for a pod, applied by an independent
// RFC 6902 implementation (fast-json-patch, each operation validated), must
// turn the pod into the injected one: the YAML that `inject` writes is made
// from that same patch, so the offline path and the webhook's answer cannot
// drift apart unseen. A mismatch is a bug of the injector, never of the input.

import jsonPatch, { type Operation } from 'fast-json-patch';
import type { PatchOperation } from '../model/json-patch.js';
import { firstLine } from '../syntax/first-line.js';

/** Undefined when `patch` turns `before` into `after` (key order aside). */
export function patchMismatch(before: unknown, patch: readonly PatchOperation[], after: unknown): string | undefined {
  let patched: unknown;
  try {
    // Not in place: `before` is the document's own data.
    patched = jsonPatch.applyPatch(before, patch as Operation[], true, false).newDocument;
  } catch (error) {
    return `the patch cannot be applied: ${firstLine((error as Error).message)}`;
  }
  const [difference] = jsonPatch.compare(patched as object, after as object);
  return difference === undefined ? undefined : `the patch gives another pod than the injected one (first difference at ${difference.path})`;
}
