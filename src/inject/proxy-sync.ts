// `status`'s xDS part, as istioctl proxy-status shows it: for each running pod
// whose proxy reads xDS, the replica it is connected to and, per resource
// type, whether it runs what the server has (SYNCED), an older version
// (STALE), or refused the newest (NACKED, with the proxy's own words). Pure:
// the pods and the replicas' reports (GET /proxy-status) in, the table out.

import type { ProxySync, SyncStatus } from '../envoy/ads-stream.js';
import { xdsTypeName, type XdsTypeName } from '../envoy/xds.js';
import type { Pod } from '../model/kubernetes.js';
import { ANNOTATION } from '../model/names.js';
import { parseStatus, statusConfigSource } from './status.js';

export interface ReplicaReport {
  replica: string;
  proxies: readonly ProxySync[];
}

export interface ProxyStatusRow {
  /** `<namespace>/<pod>`. */
  pod: string;
  /** The replica serving it; absent when none is. */
  replica?: string;
  types: Partial<Record<XdsTypeName, SyncStatus>>;
  /** NACK messages, by type. */
  errors: Partial<Record<XdsTypeName, string>>;
}

export interface ProxyStatus {
  rows: ProxyStatusRow[];
  connected: number;
  notConnected: number;
  nacked: number;
}

/** Running pods injected in xds mode, as `<pod>.<namespace>` (the node id) → `<namespace>/<pod>`. */
function xdsPods(pods: readonly Pod[]): Map<string, string> {
  const found = new Map<string, string>();
  for (const pod of pods) {
    const status = pod.metadata?.annotations?.[ANNOTATION.status];
    const phase = (pod as { status?: { phase?: unknown } }).status?.phase;
    if (status === undefined || phase !== 'Running') continue;
    const parsed = parseStatus(status);
    if (!parsed.ok || statusConfigSource(parsed.value) !== 'xds') continue;
    const { name = '', namespace = '' } = pod.metadata ?? {};
    found.set(`${name}.${namespace}`, `${namespace}/${name}`);
  }
  return found;
}

export function proxyStatus(pods: readonly Pod[], reports: readonly ReplicaReport[]): ProxyStatus {
  const expected = xdsPods(pods);
  const rows: ProxyStatusRow[] = [];
  const seen = new Set<string>();
  for (const { replica, proxies } of reports) {
    for (const proxy of proxies) {
      const pod = expected.get(proxy.pod);
      // A proxy of a pod the list did not show (created since): still shown.
      const dot = proxy.pod.lastIndexOf('.');
      seen.add(proxy.pod);
      const row: ProxyStatusRow = { pod: pod ?? `${proxy.pod.slice(dot + 1)}/${proxy.pod.slice(0, dot)}`, replica, types: {}, errors: {} };
      for (const type of proxy.types) {
        const name = xdsTypeName(type.typeUrl);
        if (name === undefined) continue;
        row.types[name] = type.status;
        if (type.status === 'NACKED' && type.error !== undefined) row.errors[name] = type.error;
      }
      rows.push(row);
    }
  }
  for (const [nodeId, pod] of expected) if (!seen.has(nodeId)) rows.push({ pod, types: {}, errors: {} });
  rows.sort((a, b) => a.pod.localeCompare(b.pod) || (a.replica ?? '').localeCompare(b.replica ?? ''));
  return {
    rows,
    connected: rows.filter((row) => row.replica !== undefined).length,
    notConnected: rows.filter((row) => row.replica === undefined).length,
    nacked: rows.filter((row) => Object.keys(row.errors).length > 0 || Object.values(row.types).includes('NACKED')).length,
  };
}
