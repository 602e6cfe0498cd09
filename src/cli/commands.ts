// Every command of the CLI as data: its flags (what each takes, its default,
// what it does), examples and exit codes. The parser reads the flags from
// here and `--help` prints the same entries, so help cannot drift from what
// a command accepts. No command code is loaded by this module.

import type { FlagSpec } from './args.js';

export interface CommandSpec {
  summary: string;
  /** The command line in short, after `envoy-injector NAME`. */
  synopsis: string;
  flags: Readonly<Record<string, FlagSpec>>;
  examples: readonly string[];
  exitCodes: string;
}

/** Exit codes, the same for every command (docs/reference.md#commands). */
export const EXIT = { ok: 0, findings: 1, usage: 2 } as const;

const FINDINGS_EXIT = (findings: string): string => `0 done, nothing to report; 1 ${findings}; 2 usage or environment error (bad flags, unreadable input)`;

const CONFIG_FLAG: FlagSpec = {
  value: true,
  placeholder: 'FILE',
  help: "the injector's configuration (as the webhook's ConfigMap holds it)",
  default: 'the embedded defaults',
};

/** The namespace and Services the offline commands simulate. */
const NAMESPACE_SIMULATION_FLAGS: Readonly<Record<string, FlagSpec>> = {
  namespace: { value: true, short: 'n', placeholder: 'NS', help: 'the namespace of objects that name none', default: 'default' },
  'namespace-label': {
    value: true,
    repeatable: true,
    placeholder: 'k=v',
    help: "a label of every pod's namespace, over what a Namespace of the input declares; once one is given, the labels are known (no envoy-injector.io/inject=enabled: not enrolled)",
  },
  'namespace-annotation': { value: true, repeatable: true, placeholder: 'k=v', help: "an annotation of every pod's namespace: its pods' defaults" },
  service: {
    value: true,
    repeatable: true,
    placeholder: 'NAME[.NS]:PORT[/APP_PROTOCOL]',
    help: "a Service the webhook's cache would know (Service manifests in the input count too); without .NS, in whatever namespace the pod is",
  },
};

const SIMULATION_FLAGS: Readonly<Record<string, FlagSpec>> = {
  config: CONFIG_FLAG,
  'xds-ca': {
    value: true,
    placeholder: 'FILE',
    help: "the CA of the injector's xDS server (its ca.crt): pods with config-source xds are rendered for it",
    default: 'none: xds-mode pods get files, as from an injector without --xds-port',
  },
  ...NAMESPACE_SIMULATION_FLAGS,
};

const FILENAME: FlagSpec = {
  value: true,
  short: 'f',
  repeatable: true,
  placeholder: 'FILE|DIR|-',
  help: 'manifests to read: a file, a directory (its .yaml, .yml and .json files, recursively, in path order), or - for standard input; repeatable, required',
};

export const COMMANDS = {
  serve: {
    summary: 'the HTTPS admission webhook: POST /mutate, GET /healthz, /readyz, /metrics; runs until SIGTERM',
    synopsis: 'serve [flags]',
    flags: {
      'cert-dir': { value: true, placeholder: 'DIR', help: 'directory of tls.crt and tls.key, reloaded when they change', default: 'certs' },
      port: { value: true, placeholder: 'PORT', help: 'HTTPS port', default: '8443' },
      address: { value: true, placeholder: 'ADDR', help: 'address to listen on', default: '0.0.0.0' },
      config: CONFIG_FLAG,
      'log-level': { value: true, placeholder: 'LEVEL', help: 'trace, debug, info, warn, error or fatal (JSON lines on stdout)', default: 'info' },
      'client-ca': { value: true, placeholder: 'FILE', help: "require client certificates signed by this CA (kube-apiserver's)" },
      'metrics-port': { value: true, placeholder: 'PORT', help: 'also serve /metrics in plain HTTP on this port', default: 'on the HTTPS port only' },
      'max-in-flight-mib': { value: true, placeholder: 'MIB', help: 'memory for reviews being read and answered at once; more wait', default: '16' },
      'max-connections': { value: true, placeholder: 'N', help: 'open connections at most', default: '1024' },
      'self-manage': { value: false, help: "keep the serving certificate's Secret and the webhook's caBundle up to date (needs a cluster)" },
      namespace: {
        value: true,
        placeholder: 'NS',
        help: "with --self-manage: the Secret's namespace",
        default: "$POD_NAMESPACE, else the config's injectorNamespace",
      },
      service: { value: true, placeholder: 'NAME', help: "with --self-manage: the webhook's Service", default: 'envoy-injector' },
      secret: { value: true, placeholder: 'NAME', help: "with --self-manage: the certificate's Secret", default: 'envoy-injector-tls' },
      'webhook-config': {
        value: true,
        placeholder: 'NAME',
        help: 'with --self-manage: the MutatingWebhookConfiguration whose caBundle to keep ("" for none)',
        default: 'envoy-injector',
      },
      'self-test-every': {
        value: true,
        placeholder: 'MINUTES',
        help: 'run the end-to-end self-test (a dry-run pod through the webhook) this often (needs a cluster)',
      },
      'self-test-namespace': { value: true, placeholder: 'NS', help: "the self-test's namespace", default: 'envoy-injector-self-test' },
      'fleet-gauges': { value: false, help: 'watch every pod for the gauges of pods missing the proxy and pods with a stale one (needs a cluster)' },
      'cni-installed': { value: false, help: 'the envoy-injector CNI plugin runs on every node (manifests/cni): as config capture.cniInstalled: true' },
      'xds-port': {
        value: true,
        placeholder: 'PORT',
        help: 'also serve proxies their config over ADS (gRPC, TLS with the serving certificate; the proxies trust DIR/ca.crt) on this port (needs a cluster)',
        default: 'off (the manifests use 15012)',
      },
    },
    examples: [
      'envoy-injector serve --cert-dir certs --port 8443 --address 127.0.0.1',
      'envoy-injector serve --self-manage --fleet-gauges',
      'envoy-injector serve --self-manage --xds-port 15012',
    ],
    exitCodes: '0 after SIGTERM once in-flight reviews are answered; 2 usage or environment error (bad flags, unreadable certificates or config)',
  },
  inject: {
    summary: 'offline injection of manifests, as the webhook would inject their pods; YAML out, a line per resource on stderr',
    synopsis: 'inject -f FILE|DIR|- [-o FILE] [flags]',
    flags: {
      filename: FILENAME,
      'output-file': { value: true, short: 'o', placeholder: 'FILE', help: 'write the YAML to FILE', default: 'standard output' },
      'continue-on-error': { value: false, help: 'write the other documents when a pod is rejected (the rejected ones unchanged); the exit code is still 1' },
      ...SIMULATION_FLAGS,
    },
    examples: [
      'envoy-injector inject -f deploy/ -o deploy-injected.yaml',
      'kubectl get deploy web -o yaml | envoy-injector inject -f - | kubectl apply -f -',
      'envoy-injector inject -f app.yaml --namespace-label envoy-injector.io/inject=enabled',
    ],
    exitCodes: FINDINGS_EXIT('a pod was rejected (nothing written, unless --continue-on-error)'),
  },
  explain: {
    summary: 'for each pod or pod template: injected, skipped or rejected, and why (reason codes, warnings, where its namespace facts came from)',
    synopsis: "explain -f FILE|DIR|- [-o text|json] [--request 'METHOD URL' [-H 'name: value']...] [flags]",
    flags: {
      filename: FILENAME,
      output: { value: true, short: 'o', placeholder: 'FORMAT', help: 'text or json', default: 'text' },
      'output-file': { value: true, placeholder: 'FILE', help: 'write the report to FILE', default: 'standard output' },
      request: { value: true, placeholder: "'METHOD URL'", help: "trace one request through each pod's proxy instead, e.g. 'GET http://reviews:9080/api'" },
      header: { value: true, short: 'H', repeatable: true, placeholder: "'name: value'", help: 'a header of the --request' },
      ...SIMULATION_FLAGS,
    },
    examples: [
      'envoy-injector explain -f deploy/',
      'envoy-injector explain -f app.yaml -o json',
      "envoy-injector explain -f app.yaml --request 'GET http://reviews:9080/api'",
    ],
    exitCodes: FINDINGS_EXIT('a pod would be rejected'),
  },
  'route-check': {
    summary: "Envoy router_check_tool's tests against a RouteConfiguration, or the routes rendered for a pod",
    synopsis: 'route-check --config FILE --tests FILE [--details] [-o text|json] [flags]',
    flags: {
      config: {
        value: true,
        placeholder: 'FILE',
        help: "an Envoy v3 RouteConfiguration (YAML or JSON), or a manifest with one pod or workload (its rendered routes; the authority's port picks HTTP or TCP); required",
      },
      tests: { value: true, placeholder: 'FILE', help: "router_check_tool's test file (YAML or JSON); required" },
      details: { value: false, help: 'list the passing tests too, and the routes no test reaches' },
      'only-show-failures': { value: false, help: 'with --details: list only the failing tests' },
      'fail-under': {
        value: true,
        short: 'f',
        placeholder: 'PERCENT',
        help: 'exit 1 when the route coverage (routes a passing check reached; each weighted cluster apart) is under PERCENT',
      },
      'detailed-coverage': { value: false, help: 'list the routes no test reached by their name, then their match' },
      covall: { value: false, help: 'count coverage by the fields checked of each route (cluster, virtual cluster, virtual host, rewrites; redirect path)' },
      output: { value: true, short: 'o', placeholder: 'FORMAT', help: 'text or json', default: 'text' },
      'injector-config': {
        value: true,
        placeholder: 'FILE',
        help: "the injector's configuration, when --config is a manifest",
        default: 'the embedded defaults',
      },
      ...NAMESPACE_SIMULATION_FLAGS,
    },
    examples: [
      'envoy-injector route-check --config routes.yaml --tests tests.yaml --details',
      'envoy-injector route-check --config deployment.yaml --tests tests.yaml -o json',
      'envoy-injector route-check --config routes.yaml --tests tests.yaml --fail-under 80 --covall',
    ],
    exitCodes:
      '0 all tests pass (and the coverage reaches --fail-under); 1 a test failed, or the coverage is under --fail-under; 2 usage or environment error (bad flags, unreadable or invalid config or tests)',
  },
  status: {
    summary:
      "against the cluster: pods that should have the proxy and do not, pods whose proxy is stale, by workload; and each xds-mode proxy's sync state (SYNCED, STALE, NACKED), as istioctl proxy-status",
    synopsis: 'status [--config FILE] [-o text|json] [--self-test NS] [--injector-namespace NS]',
    flags: {
      config: CONFIG_FLAG,
      output: { value: true, short: 'o', placeholder: 'FORMAT', help: 'text or json', default: 'text' },
      'self-test': { value: true, placeholder: 'NS', help: 'also run one end-to-end self-test: a dry-run create of a probe pod in NS through the webhook' },
      'injector-namespace': {
        value: true,
        placeholder: 'NS',
        help: "where the injector's replicas run: their /proxy-status is read through the API server's pod proxy (get pods/proxy)",
        default: "the config's injectorNamespace",
      },
    },
    examples: ['envoy-injector status', 'KUBECONFIG=~/.kube/prod envoy-injector status -o json --self-test envoy-injector-self-test'],
    exitCodes:
      '0 every pod as the injector would make it today; 1 pods missing the proxy or stale, an xds-mode proxy not connected or refusing its config, or the self-test failed; 2 usage or environment error (no cluster configured, unreadable kubeconfig, API server unreachable or refusing)',
  },
  cni: {
    summary:
      'the chained CNI plugin (spec 1.0.0; 0.3 and 0.4 too): installs the capture rules of pods injected in cni mode in their network namespace, as envoy-init would',
    synopsis: 'cni   (run by the container runtime: CNI_COMMAND and the other CNI_* variables, the network configuration on stdin)',
    flags: {},
    examples: [
      'CNI_COMMAND=VERSION envoy-injector cni',
      "CNI_COMMAND=ADD CNI_CONTAINERID=abc CNI_NETNS=/var/run/netns/x CNI_IFNAME=eth0 CNI_ARGS='K8S_POD_NAMESPACE=shop;K8S_POD_NAME=web-1' envoy-injector cni < conf.json",
    ],
    exitCodes:
      "0 with the result on stdout (the previous plugin's, passed on); 1 a pod whose capture could not be installed (its API server lookup failed, or the rules), 2 a bad environment or configuration: both with a CNI error JSON (code, msg, details) on stdout",
  },
  'cni-install': {
    summary:
      "the CNI mode's node agent (the manifests/cni DaemonSet): keeps the plugin, its rules script and a kubeconfig in the node's CNI directories and the plugin chained in the runtime's configuration; takes it all out at SIGTERM",
    synopsis: 'cni-install --cni-bin-dir DIR --cni-conf-dir DIR --plugin FILE --rules-script FILE [flags]',
    flags: {
      'cni-bin-dir': { value: true, placeholder: 'DIR', help: "the node's CNI bin directory, as mounted here (required)" },
      'cni-conf-dir': { value: true, placeholder: 'DIR', help: "the node's CNI configuration directory, as mounted here (required)" },
      'host-cni-bin-dir': { value: true, placeholder: 'DIR', help: 'the same directory as the host sees it', default: '/opt/cni/bin' },
      'host-cni-conf-dir': { value: true, placeholder: 'DIR', help: 'the same directory as the host sees it', default: '/etc/cni/net.d' },
      plugin: { value: true, placeholder: 'FILE', help: 'the plugin executable to install (required)' },
      'rules-script': { value: true, placeholder: 'FILE', help: "envoy-init's script, which the plugin runs in each pod's network namespace (required)" },
      'token-file': {
        value: true,
        placeholder: 'FILE',
        help: "the service-account token the plugin's kubeconfig carries, re-read as it rotates",
        default: '/var/run/secrets/kubernetes.io/serviceaccount/token',
      },
      'ca-file': { value: true, placeholder: 'FILE', help: "the API server's CA", default: '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt' },
      'api-server': {
        value: true,
        placeholder: 'URL',
        help: 'the API server the plugin asks',
        default: 'https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT',
      },
      'ready-file': {
        value: true,
        placeholder: 'FILE',
        help: 'written once the plugin is in place (the readiness probe)',
        default: '/tmp/envoy-injector-cni-ready',
      },
      'injector-namespace': {
        value: true,
        placeholder: 'NS',
        help: 'passed through by the plugin whatever happens',
        default: '$POD_NAMESPACE, else envoy-injector',
      },
      'log-level': { value: true, placeholder: 'LEVEL', help: "the plugin's: debug, info, warn or error", default: 'info' },
      'check-every': { value: true, placeholder: 'SECONDS', help: 'how often it checks that all is still in place', default: '5' },
    },
    examples: [
      'envoy-injector cni-install --cni-bin-dir /host/opt/cni/bin --cni-conf-dir /host/etc/cni/net.d --plugin /app/cni/envoy-injector-cni --rules-script /app/cni/envoy-init.sh',
    ],
    exitCodes: '0 after SIGTERM, once the plugin is out of the chain and its files removed; 2 usage error',
  },
  certs: {
    summary: "a CA and the webhook's serving certificate: writes DIR/ca.crt, tls.crt, tls.key and prints the caBundle (base64 of ca.crt) on stdout",
    synopsis: 'certs --out DIR [--service NAME] [--namespace NS] [--days N]',
    flags: {
      out: { value: true, placeholder: 'DIR', help: 'directory to write to (created if missing); required' },
      service: {
        value: true,
        placeholder: 'NAME',
        help: "the webhook's Service (the certificate's names: NAME, NAME.NS, NAME.NS.svc, NAME.NS.svc.cluster.local)",
        default: 'envoy-injector',
      },
      namespace: { value: true, short: 'n', placeholder: 'NS', help: "the Service's namespace", default: 'envoy-injector' },
      days: { value: true, placeholder: 'N', help: 'days the certificates are valid', default: '365' },
    },
    examples: ['envoy-injector certs --out certs', 'CA_BUNDLE=$(envoy-injector certs --out certs 2>/dev/null)'],
    exitCodes: '0 written; 2 usage or environment error (bad flags, directory not writable)',
  },
} satisfies Record<string, CommandSpec>;

export type CommandName = keyof typeof COMMANDS;

export function isCommandName(name: string): name is CommandName {
  return Object.hasOwn(COMMANDS, name);
}
