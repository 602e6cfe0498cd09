// `envoy-injector serve`: the webhook, until SIGTERM.

import { pino } from 'pino';
import { clusterConfigured, startClusterCaches } from '../kube/cluster.js';
import { startServer } from '../server/server.js';
import { parseFlags, single, UsageError } from './args.js';
import { loadConfig } from './files.js';

export async function runServe(argv: readonly string[]): Promise<string> {
  const flags = parseFlags(argv, {
    'cert-dir': { value: true },
    port: { value: true },
    address: { value: true },
    config: { value: true },
    'log-level': { value: true },
  });
  const portText = single(flags, 'port') ?? '8443';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port ${portText} is not a port`);
  const config = loadConfig(single(flags, 'config'));
  // One logger for the server and the cluster caches: the same JSON lines.
  const logger = pino({ level: single(flags, 'log-level') ?? 'info' });
  let cluster;
  if (clusterConfigured()) {
    cluster = startClusterCaches({ info: (m) => logger.info(m), warn: (m) => logger.warn(m) });
  } else {
    logger.info('no Kubernetes cluster configured (no in-cluster service account, KUBECONFIG or ~/.kube/config): namespaces count as enrolled and route targets are not checked');
  }
  const server = await startServer({
    certDir: single(flags, 'cert-dir') ?? 'certs',
    port,
    address: single(flags, 'address') ?? '0.0.0.0',
    config,
    ...(cluster ? { cluster } : {}),
    logger,
  });
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      server.app.log.info({ signal }, 'shutting down after in-flight reviews');
      server.close().then(resolve, resolve);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  return '';
}
