// The init container of traffic capture. In init mode, `envoy-init` installs
// the iptables redirection that sends the pod's TCP traffic through the proxy
// (images/envoy-init runs it as root with NET_ADMIN and NET_RAW). In cni mode
// the node's CNI plugin installs the same rules, from the same script and the
// same arguments (it reads them from this pod's `envoy-validate` container),
// and `envoy-validate` proves they are in place, with no privilege at all.

import type { CaptureSettings, IpFamily, Resources } from '../config/config.js';
import { resourcesSpec } from './resources.js';
import { unprivileged } from './security-context.js';
import type { Container } from '../model/kubernetes.js';
import { INIT_CONTAINER, PROXY_GID, PROXY_PORT, PROXY_UID, VALIDATE_CONTAINER, VALIDATE_UID } from '../model/names.js';

export interface InitInput {
  image: string;
  resources: Resources;
  capture: CaptureSettings;
  ipFamilies: readonly IpFamily[];
}

/** Ports the proxy serves itself: kubelet probes and Prometheus reach them
 * directly, never through the inbound redirect. Nor are connections to those
 * ports of other pods captured on the way out: the xDS bootstrap's outbound
 * listener hands a connection to the listener of its original destination's
 * port, which for these would be this proxy's own (listeners.ts, handOff). */
const PROXY_SERVED_PORTS = [PROXY_PORT.health, PROXY_PORT.prometheus];

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

/** The script's arguments, one `--flag=value` each so an empty list stays explicit. */
function captureArgs(input: Omit<InitInput, 'image' | 'resources'>): string[] {
  const { capture } = input;
  return [
    `--proxy-uid=${PROXY_UID}`,
    `--proxy-gid=${PROXY_GID}`,
    `--outbound-port=${PROXY_PORT.outbound}`,
    `--inbound-port=${PROXY_PORT.inbound}`,
    `--exclude-inbound-ports=${unique([...PROXY_SERVED_PORTS, ...capture.excludeInboundPorts]).join(',')}`,
    `--exclude-outbound-ports=${unique([...PROXY_SERVED_PORTS, ...capture.excludeOutboundPorts]).join(',')}`,
    `--exclude-outbound-ip-ranges=${unique(capture.excludeOutboundIpRanges).join(',')}`,
    `--include-outbound-ip-ranges=${unique(capture.includeOutboundIpRanges).join(',')}`,
    `--ip-families=${input.ipFamilies.join(',')}`,
  ];
}

export function buildInitContainer(input: InitInput): Container {
  return {
    name: INIT_CONTAINER,
    image: input.image,
    imagePullPolicy: 'IfNotPresent',
    args: captureArgs(input),
    resources: resourcesSpec(input.resources),
    securityContext: {
      // iptables needs root with NET_ADMIN and NET_RAW, and nothing else.
      runAsUser: 0,
      runAsGroup: 0,
      runAsNonRoot: false,
      privileged: false,
      allowPrivilegeEscalation: false,
      // iptables takes its lock in /run: the root filesystem stays writable.
      readOnlyRootFilesystem: false,
      capabilities: { add: ['NET_ADMIN', 'NET_RAW'], drop: ['ALL'] },
    },
  };
}

/** The validator's path in the envoy-init image (images/envoy-init/envoy-validate). */
const VALIDATOR_COMMAND = '/usr/local/bin/envoy-validate';

/**
 * cni mode: an unprivileged check that the plugin redirected this pod's
 * traffic — it listens on the proxy's outbound port and connects to an
 * address the rules redirect; until it is answered by itself, it fails and
 * kubelet retries it, so the app never starts uncaptured (a pod scheduled
 * before the plugin reached its node). Its arguments are envoy-init's: the
 * plugin installs the rules they describe. Passes Pod Security "restricted".
 */
export function buildValidateContainer(input: InitInput): Container {
  return {
    name: VALIDATE_CONTAINER,
    image: input.image,
    imagePullPolicy: 'IfNotPresent',
    command: [VALIDATOR_COMMAND],
    args: captureArgs(input),
    resources: resourcesSpec(input.resources),
    // Not the proxy's UID: its traffic is the one the rules never redirect.
    securityContext: unprivileged(VALIDATE_UID, VALIDATE_UID),
  };
}
