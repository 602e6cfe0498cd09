// The workload a pod belongs to, for the proxy's service cluster name. Pods of
// Deployments are created with generateName "<name>-<template hash>-".

import type { Pod } from '../model/kubernetes.js';

export function workloadName(pod: Pod): string {
  const meta = pod.metadata ?? {};
  const labels = meta.labels ?? {};
  const fromLabel = labels['app.kubernetes.io/name'] ?? labels.app;
  if (fromLabel) return fromLabel;
  // generateName before name: a pod's name is set after admission, and its
  // proxy must render the same on CREATE and on later UPDATEs.
  if (meta.generateName) {
    let base = withoutTrailingDashes(meta.generateName);
    const templateHash = labels['pod-template-hash'];
    if (templateHash && base.endsWith(`-${templateHash}`)) base = base.slice(0, -templateHash.length - 1);
    if (base) return base;
  }
  return meta.name || 'unknown';
}

/** A loop, not /-+$/: that regex is quadratic on a long run of dashes. */
function withoutTrailingDashes(text: string): string {
  let end = text.length;
  while (end > 0 && text[end - 1] === '-') end--;
  return text.slice(0, end);
}
