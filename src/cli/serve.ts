// `envoy-injector serve`: the webhook, until SIGTERM.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import type { ClusterCaches } from '../cluster/cluster.js';
import { clusterConfigured } from '../cluster/configured.js';
import type { SelfManager } from '../cluster/self-manage.js';
import { XDS_TOKEN_AUDIENCE } from '../envoy/proxy-identity.js';
import type { Pod } from '../model/kubernetes.js';
import type { ControlPlane, ControlPlaneCluster } from '../server/control-plane.js';
import type { KeyPair } from '../server/tls.js';
import { startFleetGauges } from '../server/fleet-tracker.js';
import type { WebhookMetrics } from '../server/metrics.js';
import { startSelfTest } from '../server/self-test.js';
import { startServer } from '../server/server.js';
import { parseFlags, single, UsageError, type ParsedFlags } from './args.js';
import { COMMANDS } from './commands.js';
import { loadConfig, readInput } from './files.js';

export async function runServe(argv: readonly string[]): Promise<string> {
  const flags = parseFlags(argv, COMMANDS.serve.flags);
  const port = portFlag(flags, 'port') ?? 8443;
  const metricsPort = portFlag(flags, 'metrics-port');
  const maxInFlightText = single(flags, 'max-in-flight-mib');
  const maxInFlightMiB = maxInFlightText === undefined ? undefined : Number(maxInFlightText);
  if (maxInFlightMiB !== undefined && !(Number.isInteger(maxInFlightMiB) && maxInFlightMiB >= 1))
    throw new UsageError('--max-in-flight-mib must be a whole number ≥ 1');
  const maxConnectionsText = single(flags, 'max-connections');
  const maxConnections = maxConnectionsText === undefined ? undefined : Number(maxConnectionsText);
  if (maxConnections !== undefined && !(Number.isInteger(maxConnections) && maxConnections >= 1))
    throw new UsageError('--max-connections must be a whole number ≥ 1');
  const selfTestMinutes = minutesFlag(flags, 'self-test-every');
  const clientCaFile = single(flags, 'client-ca');
  const clientCa = clientCaFile === undefined ? undefined : readInput(clientCaFile);
  const xdsPort = portFlag(flags, 'xds-port');
  const certDir = single(flags, 'cert-dir') ?? 'certs';
  let config = loadConfig(single(flags, 'config'));
  // The manifests/cni overlay says so: pods may be captured by the node's plugin.
  if (flags.has('cni-installed')) config = { ...config, capture: { ...config.capture, cniInstalled: true } };
  // One logger for the server and the cluster caches: the same JSON lines.
  // Buffered: a review waits on no write to stdout. Flushed before exit.
  const logger = pino({ level: single(flags, 'log-level') ?? 'info' }, pino.destination({ dest: 1, sync: false }));
  const log = { info: (m: string) => logger.info(m), warn: (m: string) => logger.warn(m) };
  let cluster: ClusterCaches | undefined;
  let selfManager: SelfManager | undefined;
  let dryRunCreate: ((pod: Pod) => Promise<Pod>) | undefined;
  let startGauges: ((metrics: WebhookMetrics) => () => void) | undefined;
  let controlPlaneCluster: ControlPlaneCluster | undefined;
  if (clusterConfigured()) {
    // The Kubernetes client is large: loaded only when there is a cluster.
    const { defaultKubeConfig, startClusterCaches } = await import('../cluster/cluster.js');
    const { startSelfManagement } = await import('../cluster/self-manage.js');
    const kubeConfig = defaultKubeConfig();
    // The caches fill while the certificate is being fetched: neither waits on the other.
    cluster = startClusterCaches(kubeConfig, log);
    if (selfTestMinutes !== undefined) dryRunCreate = (await import('../cluster/dry-run.js')).podDryRunner(kubeConfig);
    if (flags.has('fleet-gauges')) {
      const { watchPods } = await import('../cluster/pod-watch.js');
      const caches = cluster;
      startGauges = (metrics) =>
        startFleetGauges({ namespaces: caches, watch: (sink) => watchPods(kubeConfig, sink, log), config, metrics, refreshMs: FLEET_REFRESH_MS }).stop;
    }
    if (xdsPort !== undefined) {
      const { watchPods } = await import('../cluster/pod-watch.js');
      const { watchEndpointSlices } = await import('../cluster/endpoint-slices.js');
      const { tokenReviewer } = await import('../cluster/token-review.js');
      const caches = cluster;
      controlPlaneCluster = {
        services: caches,
        onServiceChange: (changed) => caches.onServiceChange(changed),
        reviewToken: tokenReviewer(kubeConfig, XDS_TOKEN_AUDIENCE),
        watchPods: (sink) => watchPods(kubeConfig, sink, log),
        watchEndpointSlices: (sink) => watchEndpointSlices(kubeConfig, sink, log),
      };
    }
    if (flags.has('self-manage')) {
      const webhookConfiguration = single(flags, 'webhook-config') ?? 'envoy-injector';
      selfManager = await startSelfManagement(
        kubeConfig,
        {
          certDir,
          // The Downward API sets POD_NAMESPACE in the Deployment: the Secret lives beside the pods.
          namespace: single(flags, 'namespace') ?? process.env.POD_NAMESPACE ?? config.injectorNamespace,
          service: single(flags, 'service') ?? 'envoy-injector',
          secretName: single(flags, 'secret') ?? 'envoy-injector-tls',
          ...(webhookConfiguration === '' ? {} : { webhookConfiguration }),
        },
        log,
      );
    }
  } else if (flags.has('self-manage') || selfTestMinutes !== undefined || flags.has('fleet-gauges') || xdsPort !== undefined) {
    throw new UsageError(
      '--self-manage, --self-test-every, --fleet-gauges and --xds-port need a cluster (in-cluster service account, KUBECONFIG or ~/.kube/config), and none is configured',
    );
  } else {
    logger.info(
      'no Kubernetes cluster configured (no in-cluster service account, KUBECONFIG or ~/.kube/config): namespaces count as enrolled and route targets are not checked',
    );
  }
  // Proxies in xds mode trust this CA alone: the one that signs the serving
  // certificate (read after --self-manage has written it).
  if (xdsPort !== undefined) config = { ...config, xds: { ...config.xds, caBundle: readCaBundle(certDir) } };
  let certificate: KeyPair | undefined;
  // Declared before the server: its certificate callback runs during startServer.
  let controlPlane: ControlPlane | undefined;
  const server = await startServer({
    certDir,
    port,
    address: single(flags, 'address') ?? '0.0.0.0',
    config,
    ...(cluster ? { cluster } : {}),
    ...(clientCa === undefined ? {} : { clientCa }),
    ...(metricsPort === undefined ? {} : { metricsPort }),
    ...(maxInFlightMiB === undefined ? {} : { maxReviewBytesInFlight: maxInFlightMiB * 2 ** 20 }),
    ...(maxConnections === undefined ? {} : { maxConnections }),
    logger,
    onCertificate: (pair) => {
      certificate = pair;
      controlPlane?.reload(pair);
    },
    proxySync: () => controlPlane?.sync(),
  });
  controlPlane =
    xdsPort === undefined || controlPlaneCluster === undefined || certificate === undefined
      ? undefined
      : await (
          await import('../server/control-plane.js')
        ).startControlPlane({
          address: single(flags, 'address') ?? '0.0.0.0',
          port: xdsPort,
          certificate,
          cluster: controlPlaneCluster,
          metrics: server.metrics,
          log: logger,
        });
  const stopFleetGauges = startGauges?.(server.metrics);
  const selfTest =
    selfTestMinutes === undefined || dryRunCreate === undefined
      ? undefined
      : startSelfTest({
          namespace: single(flags, 'self-test-namespace') ?? 'envoy-injector-self-test',
          intervalMs: selfTestMinutes * 60_000,
          dryRunCreate,
          onResult: (result) => {
            server.metrics.recordSelfTest(result.success);
            if (result.success) logger.info({ selfTest: 'success' }, result.message);
            else logger.error({ selfTest: 'failure' }, `self-test failed: ${result.message}`);
          },
        });
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      logger.info({ signal }, 'shutting down after in-flight reviews');
      selfManager?.stop();
      selfTest?.stop();
      stopFleetGauges?.();
      const done = (): void => logger.flush(() => resolve());
      // The proxies' streams first: they reconnect to another replica while this one answers its last reviews.
      const closeControlPlane = controlPlane?.close() ?? Promise.resolve();
      closeControlPlane.then(() => server.close()).then(done, done);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  return '';
}

/** DIR/ca.crt: written by `certs` and by --self-manage beside the pair it signed. */
function readCaBundle(certDir: string): string {
  const file = join(certDir, 'ca.crt');
  if (!existsSync(file)) throw new UsageError(`--xds-port needs ${file}, the CA the proxies trust (written by \`envoy-injector certs\` and by --self-manage)`);
  return readFileSync(file, 'utf8');
}

/** How often every tracked pod is classified again (namespace enrolment changes). */
const FLEET_REFRESH_MS = 60_000;

/** A number of minutes > 0 (fractions allowed, for tests and impatient people). */
function minutesFlag(flags: ParsedFlags, name: string): number | undefined {
  const text = single(flags, name);
  if (text === undefined) return undefined;
  const minutes = Number(text);
  if (!(Number.isFinite(minutes) && minutes > 0 && minutes <= 24 * 60))
    throw new UsageError(`--${name} ${text} is not a number of minutes from more than 0 to 1440`);
  return minutes;
}

function portFlag(flags: ParsedFlags, name: string): number | undefined {
  const text = single(flags, name);
  if (text === undefined) return undefined;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--${name} ${text} is not a port`);
  return port;
}
