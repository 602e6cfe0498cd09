// The `envoy` container: the proxy itself.

import { PROMETHEUS_PATH, READY_PATH } from '../envoy/bootstrap.js';
import type { ProxySettings } from './settings.js';
import type { Container } from '../model/kubernetes.js';
import { drainCommand } from './drain.js';
import { unprivileged } from './security-context.js';
import { resourcesSpec } from './resources.js';
import {
  CONFIG_FILES,
  CONFIG_MOUNT_PATH,
  CONFIG_VOLUME,
  configFilePath,
  PROXY_GID,
  PROXY_PORT,
  PROXY_UID,
  SIDECAR_CONTAINER,
  TOKEN_MOUNT_PATH,
  TOKEN_VOLUME,
} from '../model/names.js';

export interface SidecarInput {
  settings: ProxySettings;
  serviceCluster: string;
  holdTimeoutSeconds: number;
}

const readyProbe = { httpGet: { path: READY_PATH, port: PROXY_PORT.health } };

/** postStart hook for hold-application: the app containers after `envoy` start
 * only once this returns. It polls /ready with bash's /dev/tcp (no curl in the
 * Envoy image) until a deadline, and gives up with a message in the event; a
 * listener that accepts but never answers costs a 1 s read timeout, not a hang. */
export function waitForProxyCommand(timeoutSeconds: number): string[] {
  const probe = `(exec 3<>/dev/tcp/127.0.0.1/${PROXY_PORT.health} && printf 'GET ${READY_PATH} HTTP/1.0\\r\\n\\r\\n' >&3 && read -r -t 1 _ code _ <&3 && [ "$code" = 200 ]) 2>/dev/null`;
  const script = `deadline=$((SECONDS + ${timeoutSeconds})); while ((SECONDS < deadline)); do if ${probe}; then exit 0; fi; sleep 1; done; echo "envoy was not ready after ${timeoutSeconds}s" >&2; exit 1`;
  return ['bash', '-c', script];
}

export function buildSidecar(input: SidecarInput, mode: 'native' | 'classic'): Container {
  const { settings } = input;
  const container: Container = {
    name: SIDECAR_CONTAINER,
    image: settings.image,
    imagePullPolicy: 'IfNotPresent',
    command: ['envoy'],
    args: [
      '-c',
      configFilePath(CONFIG_FILES.bootstrap.file),
      '--service-node',
      '$(POD_NAME).$(POD_NAMESPACE)',
      '--service-cluster',
      input.serviceCluster,
      '--log-level',
      settings.logLevel,
      // Not one worker per node CPU: the number the proxy's CPU can use.
      '--concurrency',
      String(settings.concurrency.workers),
      // One Envoy per container lifetime: no shared memory for hot restart.
      '--disable-hot-restart',
      // A graceful drain (the preStop hook) lasts this long, not Envoy's 600 s.
      ...(settings.drainSeconds > 0 ? ['--drain-time-s', String(settings.drainSeconds)] : []),
    ],
    env: [
      { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    ],
    ports: [
      { name: 'envoy-outbound', containerPort: PROXY_PORT.outbound, protocol: 'TCP' },
      { name: 'envoy-inbound', containerPort: PROXY_PORT.inbound, protocol: 'TCP' },
      { name: 'envoy-health', containerPort: PROXY_PORT.health, protocol: 'TCP' },
      { name: 'http-envoy-prom', containerPort: PROXY_PORT.prometheus, protocol: 'TCP' },
    ],
    readinessProbe: { ...readyProbe, initialDelaySeconds: 1, periodSeconds: 2, timeoutSeconds: 3, failureThreshold: 30 },
    resources: resourcesSpec(settings.resources),
    securityContext: unprivileged(PROXY_UID, PROXY_GID),
    volumeMounts: [
      { name: CONFIG_VOLUME, mountPath: CONFIG_MOUNT_PATH, readOnly: true },
      ...(settings.configSource === 'xds' ? [{ name: TOKEN_VOLUME, mountPath: TOKEN_MOUNT_PATH, readOnly: true }] : []),
    ],
  };
  const preStop = settings.drainSeconds > 0 ? { preStop: { exec: { command: drainCommand(settings.drainSeconds) } } } : {};
  if (mode === 'native') {
    // A restartable init container: kubelet starts the app containers only
    // after this probe succeeds, and stops the proxy after them.
    container.restartPolicy = 'Always';
    container.startupProbe = { ...readyProbe, periodSeconds: 1, timeoutSeconds: 3, failureThreshold: 600 };
  }
  const postStart =
    mode === 'classic' && settings.holdApplicationUntilProxyStarts ? { postStart: { exec: { command: waitForProxyCommand(input.holdTimeoutSeconds) } } } : {};
  if (Object.keys(preStop).length + Object.keys(postStart).length > 0) container.lifecycle = { ...postStart, ...preStop };
  return container;
}

export const PROMETHEUS_ANNOTATIONS = {
  'prometheus.io/scrape': 'true',
  'prometheus.io/port': String(PROXY_PORT.prometheus),
  'prometheus.io/path': PROMETHEUS_PATH,
} as const;
