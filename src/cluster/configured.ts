// Whether a Kubernetes cluster is configured, without loading the Kubernetes
// client (75 MiB of generated models): `serve` loads it only when one is.

import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** A cluster is configured when running in one, or when a kubeconfig exists. */
export function clusterConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.KUBERNETES_SERVICE_HOST) || Boolean(env.KUBECONFIG) || existsSync(join(homedir(), '.kube', 'config'));
}
