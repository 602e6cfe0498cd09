// `explain -f FILE --request 'METHOD URL' [-H 'name: value']`: the path one
// request takes through each pod's proxy: the port's chain (HTTP or TCP), the
// virtual host and why, the routes that did not match and why, the route that
// did, the cluster (and weights), rewrites, redirects.

import type { Outcome } from '../inject/evaluate.js';
import { FAULT_FILTER_NAME } from '../envoy/listeners.js';
import { formatReason } from '../inject/reasons.js';
import { explainManifests, type OfflineOptions, type PodVerdict } from '../offline/offline.js';
import { destinationPort, podRouter } from '../offline/pod-router.js';
import type { HttpPort } from '../routes/http-ports.js';
import { upstreamRequestHeaders } from '../routes/header-mutations.js';
import type { Routed } from '../routes/router-check.js';
import { FRACTION_DENOMINATORS, type RouteAction, type RouteEntry, type RouteRequest, type RuntimeFraction } from '../routes/router.js';
import { canonicalDuration } from '../routes/schema.js';
import { UsageError } from './args.js';
import { InputError } from './files.js';

const REQUEST = /^([A-Z]{1,16}) (https?):\/\/([^/?#\s]{1,255})([^\s]{0,4096})$/;

export function parseRequestFlag(text: string, headerFlags: readonly string[]): RouteRequest {
  const match = REQUEST.exec(text.trim());
  if (!match) throw new UsageError(`--request wants 'METHOD URL', e.g. 'GET http://reviews:9080/api', got ${JSON.stringify(text.slice(0, 80))}`);
  const [, method = 'GET', scheme, authority = '', rest = ''] = match;
  const headers = headerFlags.map((flag): [string, string] => {
    const colon = flag.indexOf(':');
    if (colon <= 0) throw new UsageError(`-H wants 'name: value', got ${JSON.stringify(flag.slice(0, 80))}`);
    return [flag.slice(0, colon).trim(), flag.slice(colon + 1).trim()];
  });
  const path = rest === '' || rest.startsWith('?') ? `/${rest}` : rest;
  return { method, scheme: scheme === 'https' ? 'https' : 'http', authority, path, headers, randomValue: 0 };
}

export function explainOneRequest(text: string, options: OfflineOptions, request: RouteRequest, output: 'text' | 'json'): string {
  const verdicts = explainManifests(text, options);
  if (!verdicts.ok) throw new InputError(verdicts.problems.join('; '));
  const traces = verdicts.value.map((verdict) => traceOne(verdict, request));
  if (output === 'json')
    return `${JSON.stringify(
      traces.map(({ lines: _lines, ...data }) => data),
      null,
      2,
    )}\n`;
  if (traces.length === 0) return 'no pods or pod templates found\n';
  const head = `${request.method} ${request.scheme}://${request.authority}${request.path}`;
  return `${traces.map((t) => [`${t.object} (document ${t.document}, ${t.pod}): ${head}`, ...t.lines.map((l) => `  ${l}`)].join('\n')).join('\n')}\n`;
}

interface Trace {
  document: number;
  object: string;
  pod: string;
  decision: Outcome['kind'];
  routed?: Routed;
  lines: string[];
}

function traceOne(verdict: PodVerdict, request: RouteRequest): Trace {
  const base = { document: verdict.document, object: verdict.object, pod: verdict.pod, decision: verdict.outcome.kind };
  const { outcome } = verdict;
  if (outcome.kind === 'skipped') return { ...base, lines: ['not injected, so no proxy sees it:', ...outcome.reasons.map((r) => `  ${formatReason(r)}`)] };
  if (outcome.kind === 'rejected') return { ...base, lines: ['refused by the injector:', ...outcome.problems.map((p) => `  ${p}`)] };
  const router = podRouter(outcome.pod);
  if (!router.ok) return { ...base, lines: router.problems };
  const routed = router.value(request);
  return { ...base, routed, lines: describeRouted(routed, request, destinationPort(request.authority), outcome.settings.httpPorts) };
}

function describeRouted(routed: Routed, request: RouteRequest, port: number, httpPorts: readonly HttpPort[]): string[] {
  const httpPort = httpPorts.find((p) => p.port === port);
  if (routed.kind === 'tcp') {
    const list = httpPorts.map((p) => p.port).join(', ');
    return [`port ${port} is not an HTTP port of this pod (its HTTP ports: ${list}): TCP to cluster ${routed.cluster}, no routes apply`];
  }
  const lines = [`port ${port} is routed as HTTP (${httpPort?.origins.join(', ') ?? 'HTTP chain'})`];
  const { decision } = routed;
  if (!decision.host) return [...lines, 'no virtual host matches the authority: Envoy answers 404'];
  lines.push(
    `virtual host ${JSON.stringify(decision.host.name)} (virtual_hosts[${decision.host.index}]) by domain ${JSON.stringify(decision.host.domain)} (${decision.host.how})`,
  );
  if (decision.tlsRedirect !== undefined)
    return [
      ...lines,
      `the virtual host requires TLS (require_tls) and the request is plain HTTP: Envoy redirects it to ${decision.tlsRedirect} (301) before any route`,
    ];
  for (const miss of decision.misses) lines.push(`routes[${miss.index}] did not match: ${miss.why}`);
  if (!decision.route) return [...lines, `no route of ${JSON.stringify(decision.host.name)} matches: Envoy answers 404`];
  lines.push(`routes[${decision.route.index}] matched: ${JSON.stringify(decision.route.entry.match)}`);
  const share = decision.route.entry.match.runtime_fraction;
  if (share) lines.push(`${describeShare(share)}: this trace drew random value 0, the other requests go on to the routes after it`);
  return [...lines, ...describeAction(decision.route.action), ...describeRouteExtras(decision.route.entry), ...describeHeaderChanges(routed, request)];
}

/** "5 in 100 requests (5%)", and the runtime key that can change it. */
function shareOf(fraction: RuntimeFraction): string {
  const numerator = fraction.default_value.numerator ?? 0;
  const denominator = FRACTION_DENOMINATORS[fraction.default_value.denominator ?? 'HUNDRED'];
  const runtime = fraction.runtime_key ? `, unless runtime ${JSON.stringify(fraction.runtime_key)} is set on the proxy` : '';
  return `${numerator} in ${denominator} requests (${Math.min(100, (100 * numerator) / denominator)}%)${runtime}`;
}

function describeShare(fraction: RuntimeFraction): string {
  return `runtime_fraction: the route takes ${shareOf(fraction)}`;
}

/** Shadow copies of the request, session-affinity keys and injected faults. */
function describeRouteExtras(entry: RouteEntry): string[] {
  const mirrors = (entry.route?.request_mirror_policies ?? []).map(
    (mirror) => `a copy is mirrored to ${mirror.cluster}${mirror.runtime_fraction ? ` for ${shareOf(mirror.runtime_fraction)}` : ''}, its answer dropped`,
  );
  const hashed = entry.route?.hash_policy;
  const affinity =
    hashed && hashed.length > 0 ? [`hash_policy ${JSON.stringify(hashed)}: session affinity once the proxy balances over the Service's endpoints itself`] : [];
  const fault = entry.typed_per_filter_config?.[FAULT_FILTER_NAME];
  const faults = [
    ...(fault?.delay
      ? [`fault injection: a delay of ${canonicalDuration(fault.delay.fixed_delay)} for ${shareOf({ default_value: fault.delay.percentage })}`]
      : []),
    ...(fault?.abort
      ? [
          `fault injection: an abort with ${fault.abort.http_status !== undefined ? `HTTP ${fault.abort.http_status}` : `gRPC status ${fault.abort.grpc_status ?? 0}`} for ${shareOf({ default_value: fault.abort.percentage })}`,
        ]
      : []),
  ];
  return [...mirrors, ...affinity, ...faults];
}

/** The headers the route, its virtual host and the configuration add to or
 * remove from the request on its way upstream (pseudo-headers are the path
 * and authority lines above). */
function describeHeaderChanges(routed: Extract<Routed, { kind: 'http' }>, request: RouteRequest): string[] {
  const after = upstreamRequestHeaders(routed.table, routed.decision, request);
  if (!after) return [];
  const before = request.headers.map(([name, value]) => `${name.toLowerCase()}: ${value}`);
  const now = after.filter(([name]) => !name.startsWith(':') && name !== 'x-forwarded-proto').map(([name, value]) => `${name}: ${value}`);
  const added = now.filter((line) => !before.includes(line));
  const removed = before.filter((line) => !now.includes(line));
  return [
    ...(added.length > 0 ? [`request headers added upstream: ${added.join('; ')}`] : []),
    ...(removed.length > 0 ? [`request headers removed upstream: ${removed.join('; ')}`] : []),
  ];
}

function describeAction(action: RouteAction): string[] {
  switch (action.kind) {
    case 'route': {
      const weights = action.weights
        ? ` by weight (${action.weights.map((w) => `${w.name} ${w.weight}${w.chosen ? ' chosen' : ''}`).join(', ')}; random value decides)`
        : '';
      const counted = action.virtualCluster === '' ? [] : [`counted under virtual cluster ${JSON.stringify(action.virtualCluster)}`];
      return [
        `cluster ${action.cluster}${weights}`,
        `upstream request: path ${action.path}, authority ${action.authority}, timeout ${action.timeout}`,
        ...counted,
      ];
    }
    case 'redirect':
      return [`redirect ${action.code} to ${action.uri}`];
    case 'direct-response':
      return [`direct response ${action.code} from the proxy`];
  }
}
