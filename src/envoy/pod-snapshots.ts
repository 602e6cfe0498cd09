// A pod's xDS snapshots are the documents rendered for it in file mode (its
// envoy-lds, envoy-rds and envoy-cds annotations): one source of truth for
// both ways of serving a proxy. Each file is a DiscoveryResponse already —
// its type_url, its version_info (a hash of its resources, so a route change
// moves only RDS's version) and its resources. Pure: the pod in, a snapshot
// per type out, and what could not be read.

import type { JsonObject } from '../model/json.js';
import { isPlainObject, type Pod } from '../model/kubernetes.js';
import { ANNOTATION } from '../model/names.js';
import type { TypeSnapshot } from './ads-stream.js';

const RENDERED = [ANNOTATION.envoyLds, ANNOTATION.envoyRds, ANNOTATION.envoyCds];

export interface PodSnapshots {
  /** By type URL. */
  snapshots: Record<string, TypeSnapshot>;
  /** An annotation that is not a rendered DiscoveryResponse (edited by hand; the webhook renders it again on the next UPDATE). */
  problems: string[];
}

export function podSnapshots(pod: Pod): PodSnapshots {
  const annotations = pod.metadata?.annotations ?? {};
  const snapshots: Record<string, TypeSnapshot> = {};
  const problems: string[] = [];
  for (const key of RENDERED) {
    const text = annotations[key];
    if (text === undefined) continue;
    const response = parsed(text);
    if (response === undefined) problems.push(`annotation ${key} is not a DiscoveryResponse with type_url, version_info and resources`);
    else snapshots[response.typeUrl] = { version: response.version, resources: response.resources };
  }
  return { snapshots, problems };
}

function parsed(text: string): { typeUrl: string; version: string; resources: JsonObject[] } | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isPlainObject(value)) return undefined;
  const { type_url: typeUrl, version_info: version, resources } = value;
  if (typeof typeUrl !== 'string' || typeof version !== 'string' || !Array.isArray(resources) || !resources.every(isPlainObject)) return undefined;
  return { typeUrl, version, resources: resources as JsonObject[] };
}
