// What each command takes, as `--help` prints it.

export const COMMAND_USAGE: Readonly<Record<string, string>> = {
  serve: `envoy-injector serve [--cert-dir DIR] [--port 8443] [--address 0.0.0.0] [--config FILE] [--log-level info]
                     [--client-ca FILE] [--metrics-port PORT] [--max-in-flight-mib 16] [--max-connections 1024]
                     [--self-manage [--namespace NS] [--service envoy-injector] [--secret envoy-injector-tls] [--webhook-config envoy-injector]]
                     [--self-test-every MINUTES [--self-test-namespace envoy-injector-self-test]] [--fleet-gauges]`,
  inject: `envoy-injector inject -f FILE|- [--config FILE] [--namespace NS] [--namespace-label k=v]... [--namespace-annotation k=v]...
                      [--service NAME[.NS]:PORT[/APP_PROTOCOL]]...   (a Service the webhook's cache would know)`,
  explain: `envoy-injector explain -f FILE|- [-o text|json] [same flags as inject]
                       [--request 'METHOD URL' [-H 'name: value']...]`,
  'route-check': `envoy-injector route-check --config FILE --tests FILE [--details] [-o text|json] [--injector-config FILE]
                           [--namespace NS] [--namespace-label k=v]... [--namespace-annotation k=v]... [--service ...]...
                           --config: an Envoy v3 RouteConfiguration, or a manifest with one pod or workload
                           --tests: Envoy router_check_tool's test file; exit 0 all pass, 1 a test failed, 2 bad input`,
  status: `envoy-injector status [--config FILE] [-o text|json] [--self-test NAMESPACE]   (against the cluster of KUBECONFIG or in-cluster)
                      pods missing the proxy and pods with a stale proxy, by workload; with --self-test, one dry-run
                      create of a probe pod in NAMESPACE through the webhook; exit 0 all well, 1 not`,
  certs: `envoy-injector certs --out DIR [--service envoy-injector] [--namespace envoy-injector] [--days 365]`,
};

export const USAGE = `usage:\n${Object.values(COMMAND_USAGE)
  .map((text) => `  ${text}`)
  .join('\n')}`;

export function wantsHelp(argv: readonly string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}
