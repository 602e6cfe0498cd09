// The JSON Patch (RFC 6902) that turns the submitted pod into the injected one.

import fastJsonPatch, { type Operation } from 'fast-json-patch';
import type { Pod } from '../model/kubernetes.js';

export type PatchOperation = Operation;

export function createPatch(original: Pod, injected: Pod): PatchOperation[] {
  // compare() escapes "/" in annotation keys as "~1" and adds whole objects
  // where the original had none (no annotations, no initContainers, no volumes).
  return fastJsonPatch.compare(original, injected);
}
