// Fixed names (docs/reference.md): users, manifests and the init script rely on them.

export const DOMAIN = 'envoy-injector.io';

/** Recorded in every injected pod's status; equal to package.json's version
 * (a test holds them together): the core reads no files. */
export const INJECTOR_VERSION = '0.1.0';

export const LABEL_INJECT = `${DOMAIN}/inject`;

export const ANNOTATION = {
  inject: `${DOMAIN}/inject`,
  status: `${DOMAIN}/status`,
  routes: `${DOMAIN}/routes`,
  httpPorts: `${DOMAIN}/http-ports`,
  proxyImage: `${DOMAIN}/proxy-image`,
  proxyCpu: `${DOMAIN}/proxy-cpu`,
  proxyMemory: `${DOMAIN}/proxy-memory`,
  proxyCpuLimit: `${DOMAIN}/proxy-cpu-limit`,
  proxyMemoryLimit: `${DOMAIN}/proxy-memory-limit`,
  logLevel: `${DOMAIN}/log-level`,
  excludeInboundPorts: `${DOMAIN}/exclude-inbound-ports`,
  excludeOutboundPorts: `${DOMAIN}/exclude-outbound-ports`,
  excludeOutboundIpRanges: `${DOMAIN}/exclude-outbound-ip-ranges`,
  includeOutboundIpRanges: `${DOMAIN}/include-outbound-ip-ranges`,
  nativeSidecar: `${DOMAIN}/native-sidecar`,
  proxyConcurrency: `${DOMAIN}/proxy-concurrency`,
  drainSeconds: `${DOMAIN}/drain-seconds`,
  accessLog: `${DOMAIN}/access-log`,
  holdApplicationUntilProxyStarts: `${DOMAIN}/hold-application-until-proxy-starts`,
  configSource: `${DOMAIN}/config-source`,
  capture: `${DOMAIN}/capture`,
  // Written by the webhook, projected into the envoy-config volume as files.
  envoyBootstrap: `${DOMAIN}/envoy-bootstrap`,
  envoyLds: `${DOMAIN}/envoy-lds`,
  envoyRds: `${DOMAIN}/envoy-rds`,
  envoyCds: `${DOMAIN}/envoy-cds`,
} as const;

/** The annotations the webhook writes: users may see them but never set them. */
export const INJECTOR_ANNOTATIONS: readonly string[] = [
  ANNOTATION.status,
  ANNOTATION.envoyBootstrap,
  ANNOTATION.envoyLds,
  ANNOTATION.envoyRds,
  ANNOTATION.envoyCds,
];

/** kubectl logs/exec/attach pick this container when none is named; without
 * it they pick the first, which is the proxy when it holds the app. */
export const KUBECTL_DEFAULT_CONTAINER = 'kubectl.kubernetes.io/default-container';

export const SIDECAR_CONTAINER = 'envoy';
export const INIT_CONTAINER = 'envoy-init';
/** cni capture mode: the unprivileged init container that proves the plugin installed the rules. */
export const VALIDATE_CONTAINER = 'envoy-validate';
/** Its UID: any but the proxy's, whose traffic the rules never redirect. */
export const VALIDATE_UID = 65532;
export const CONFIG_VOLUME = 'envoy-config';
export const CONFIG_MOUNT_PATH = '/etc/envoy-injector';
/** xds mode: the pod's projected service-account token for the ADS server
 * (audience envoy-injector), which Envoy sends as its authorization metadata. */
export const TOKEN_VOLUME = 'envoy-token';
export const TOKEN_MOUNT_PATH = '/var/run/secrets/envoy-injector';
export const TOKEN_FILE = 'token';

/** Files of the envoy-config volume, each the projection of one annotation. */
export const CONFIG_FILES = {
  bootstrap: { file: 'bootstrap.json', annotation: ANNOTATION.envoyBootstrap },
  lds: { file: 'lds.json', annotation: ANNOTATION.envoyLds },
  rds: { file: 'rds.json', annotation: ANNOTATION.envoyRds },
  cds: { file: 'cds.json', annotation: ANNOTATION.envoyCds },
} as const;

export function configFilePath(file: string): string {
  return `${CONFIG_MOUNT_PATH}/${file}`;
}

/** Ports of the proxy. The app must not use them: they are refused at injection. */
export const PROXY_PORT = {
  admin: 15000, // 127.0.0.1 only
  outbound: 15001,
  inbound: 15006,
  health: 15021, // /ready, for kubelet probes
  prometheus: 15090, // /stats/prometheus
} as const;

/** What each of the proxy's ports is for, by port number. */
export const PROXY_PORT_ROLE: ReadonlyMap<number, string> = new Map(Object.entries(PROXY_PORT).map(([role, port]) => [port, role]));

/** The proxy's UID and GID: the iptables rules exclude traffic owned by them. */
export const PROXY_UID = 1337;
export const PROXY_GID = 1337;

/** Namespaces never injected, whatever their labels (the injector's own is added from config). */
export const SYSTEM_NAMESPACES = ['kube-system', 'kube-public', 'kube-node-lease'] as const;
