// `envoy-injector status`: the data plane against the cluster, read-only.
// Pods that should have the proxy and do not, pods whose proxy is stale, by
// workload with counts. Exit 0 when every pod is as the injector would make
// it today, 1 when some are not (so it can gate a pipeline), 2 bad usage or
// a cluster that cannot be used (no kubeconfig, unreadable, unreachable).

import type { FleetStatus, PodGroup } from '../inject/fleet.js';
import type { KubeConfig } from '@kubernetes/client-node';
import { clusterConfigured } from '../cluster/configured.js';
import { fleetStatus } from '../inject/fleet.js';
import { probePod, probeVerdict } from '../inject/self-test.js';
import { XDS_TYPE_URLS, type XdsTypeName } from '../envoy/xds.js';
import { proxyStatus, type ProxyStatus } from '../inject/proxy-sync.js';
import type { Pod } from '../model/kubernetes.js';
import { failed, type Result } from '../model/result.js';
import { firstLine } from '../syntax/first-line.js';
import { outputFormat, parseFlags, single } from './args.js';
import { errorLine, type CommandOutput } from './command.js';
import { COMMANDS, EXIT } from './commands.js';
import { InputError, loadConfig } from './files.js';

const LISTED_PODS = 5;

export async function runStatus(argv: readonly string[]): Promise<CommandOutput> {
  const flags = parseFlags(argv, COMMANDS.status.flags);
  const output = outputFormat(flags);
  const config = loadConfig(single(flags, 'config'));
  if (!clusterConfigured()) throw new InputError('status needs a cluster (in-cluster service account, KUBECONFIG or ~/.kube/config), and none is configured');
  const { defaultKubeConfig } = await import('../cluster/cluster.js');
  const { listNamespacesAndPods } = await import('../cluster/pods.js');
  let kubeConfig: KubeConfig;
  try {
    kubeConfig = defaultKubeConfig();
  } catch (error) {
    throw new InputError(
      `cannot read the kubeconfig (${process.env.KUBECONFIG ? `KUBECONFIG=${process.env.KUBECONFIG}` : '~/.kube/config'}): ${errorLine(error)}`,
    );
  }
  const server = kubeConfig.getCurrentCluster()?.server ?? 'the cluster of the kubeconfig';
  const snapshot = await listNamespacesAndPods(kubeConfig).catch((error: unknown) => {
    throw new InputError(`cannot list pods and namespaces from ${server}: ${errorLine(error)}`);
  });
  const status = fleetStatus(snapshot.pods, snapshot.namespaces, config);
  const selfTestNamespace = single(flags, 'self-test');
  const selfTest = selfTestNamespace === undefined ? undefined : await runSelfTestOnce(kubeConfig, selfTestNamespace);
  const xds = await xdsStatus(kubeConfig, snapshot.pods, single(flags, 'injector-namespace') ?? config.injectorNamespace);
  const xdsFindings = xds !== undefined && (xds.notConnected > 0 || xds.nacked > 0);
  const exitCode =
    status.missing.length + status.stale.length + status.uncaptured.length > 0 || selfTest?.ok === false || xdsFindings ? EXIT.findings : EXIT.ok;
  if (output === 'json') {
    const report = {
      ...status,
      ...(xds === undefined ? {} : { xds }),
      ...(selfTest === undefined
        ? {}
        : { selfTest: selfTest.ok ? { success: true, message: selfTest.value } : { success: false, message: selfTest.problems.join('; ') } }),
    };
    return { stdout: `${JSON.stringify(report, null, 2)}\n`, exitCode };
  }
  const selfTestLine =
    selfTest === undefined ? '' : selfTest.ok ? `self-test: success: ${selfTest.value}\n` : `self-test: FAILED: ${selfTest.problems.join('; ')}\n`;
  return { stdout: describeStatus(status) + (xds === undefined ? '' : describeProxyStatus(xds)) + selfTestLine, exitCode };
}

/** The webhook's port on each replica, where /proxy-status is. */
const INJECTOR_PORT = 8443;

/** The xDS part: only when some running pod reads xDS (else no replica is asked). */
async function xdsStatus(kubeConfig: KubeConfig, pods: readonly Pod[], namespace: string): Promise<(ProxyStatus & { problems: string[] }) | undefined> {
  const expected = proxyStatus(pods, []);
  if (expected.rows.length === 0) return undefined;
  const { readReplicaReports } = await import('../cluster/injector-replicas.js');
  const { reports, problems } = await readReplicaReports(kubeConfig, namespace, INJECTOR_PORT);
  return { ...proxyStatus(pods, reports), problems };
}

export function describeProxyStatus(status: ProxyStatus & { problems: readonly string[] }): string {
  const lines = [`xDS proxies: ${status.connected} connected, ${status.notConnected} not connected, ${status.nacked} refusing their config`];
  const width = Math.max(...status.rows.map((row) => row.pod.length));
  for (const row of status.rows) {
    const types = (Object.keys(XDS_TYPE_URLS) as XdsTypeName[]).map((type) => `${type} ${row.types[type] ?? '-'}`).join('  ');
    lines.push(`  ${row.pod.padEnd(width)}  ${row.replica === undefined ? 'NOT CONNECTED' : `${row.replica}  ${types}`}`);
    for (const [type, error] of Object.entries(row.errors)) lines.push(`    ${type} refused: ${firstLine(error).slice(0, 300)}`);
  }
  for (const problem of status.problems) lines.push(`  (${problem})`);
  return `${lines.join('\n')}\n`;
}

/** One dry-run create of the probe pod, as `serve --self-test-every` does. */
async function runSelfTestOnce(kubeConfig: KubeConfig, namespace: string): Promise<Result<string>> {
  const { podDryRunner } = await import('../cluster/dry-run.js');
  try {
    return probeVerdict(await podDryRunner(kubeConfig)(probePod(namespace)), namespace);
  } catch (error) {
    return failed((error as Error).message);
  }
}

export function describeStatus(status: FleetStatus): string {
  const count = (groups: readonly PodGroup[]): number => groups.reduce((sum, group) => sum + group.pods.length, 0);
  const lines = [
    `pods checked: ${status.checked}; proxy up to date: ${status.upToDate}; missing the proxy: ${count(status.missing)}; stale proxy: ${count(status.stale)}${status.uncaptured.length > 0 ? `; waiting for capture: ${count(status.uncaptured)}` : ''}`,
  ];
  const section = (title: string, groups: readonly PodGroup[]): void => {
    if (groups.length === 0) return;
    lines.push(title);
    for (const group of groups) {
      const shown = group.pods.slice(0, LISTED_PODS).join(', ') + (group.pods.length > LISTED_PODS ? `, … ${group.pods.length - LISTED_PODS} more` : '');
      lines.push(`  ${group.namespace}/${group.owner}: ${group.pods.length} pod${group.pods.length === 1 ? '' : 's'} (${shown})`, `    ${group.reason}`);
    }
  };
  section("missing the proxy (should have it by the injector's decision, and do not):", status.missing);
  section('stale proxy (the injector would inject something else today):', status.stale);
  section("waiting for capture (cni mode: the node's CNI plugin did not install their rules):", status.uncaptured);
  return `${lines.join('\n')}\n`;
}
