// The end-to-end self-test's probe: a tiny pod the webhook must inject, sent
// as a server-side dry-run create so the API server runs admission — our
// webhook included, over the network path it really uses — and stores nothing.
// What comes back tells whether the API server reached the webhook.

import type { Pod } from '../model/kubernetes.js';
import { ANNOTATION, LABEL_INJECT } from '../model/names.js';
import { failed, ok, type Result } from '../model/result.js';
import { verifiedStatus } from './status.js';

export const PROBE_NAME_PREFIX = 'envoy-injector-self-test-';

export function probePod(namespace: string): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: PROBE_NAME_PREFIX,
      namespace,
      // Asks for the proxy, so only an unenrolled or disabled namespace skips it.
      labels: { 'app.kubernetes.io/name': 'envoy-injector-self-test', [LABEL_INJECT]: 'true' },
    },
    spec: {
      containers: [{ name: 'probe', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '1m', memory: '4Mi' } } }],
      restartPolicy: 'Never',
      automountServiceAccountToken: false,
    },
  };
}

/** Injected as the webhook injects, or why the API server's answer is not. */
export function probeVerdict(created: Pod, namespace: string): Result<string> {
  const status = created.metadata?.annotations?.[ANNOTATION.status];
  if (status === undefined) {
    return failed(
      `the API server admitted the probe pod in namespace ${namespace} without the proxy: it did not reach the webhook (unreachable and failing open: network policy, firewall, private control plane), or the webhook skipped the namespace (is it enrolled?)`,
    );
  }
  const verified = verifiedStatus(created, status);
  if (!verified.ok) return failed(`the probe pod came back with a status the injector did not write: ${verified.problems.join('; ')}`);
  return ok(`the API server reached the webhook and got the probe pod injected (${verified.value.mode} mode)`);
}
