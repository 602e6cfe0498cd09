// The proxy's preStop hook: when the pod stops, Envoy first drains — stops
// taking new inbound connections and closes idle ones gracefully — then waits
// until the app's containers no longer use it (no active outbound
// connections) or the drain window ends, and only then gets its SIGTERM. In
// classic mode the app and the proxy are told to stop together: without this
// the proxy exits while the app still makes its last calls.
//
// Like the hold-application wait, it is bash over /dev/tcp (the Envoy image
// has bash, not curl), every read bounded by a timeout, the whole by a
// deadline: with the admin interface gone it says so and exits, never hangs.

import { OUTBOUND_STAT_PREFIX } from '../envoy/listeners.js';
import { PROXY_PORT } from '../model/names.js';

/** Envoy's stat for the outbound listener's open connections. */
export const OUTBOUND_ACTIVE_STAT = `listener.${OUTBOUND_STAT_PREFIX}.downstream_cx_active`;

export function drainCommand(drainSeconds: number, adminPort: number = PROXY_PORT.admin): string[] {
  const admin = (method: string, path: string): string =>
    `(exec 3<>/dev/tcp/127.0.0.1/${adminPort} && printf '${method} ${path} HTTP/1.0\\r\\n\\r\\n' >&3 && timeout 2 cat <&3)`;
  const script = [
    `deadline=$((SECONDS + ${drainSeconds}))`,
    `if ! ${admin('POST', '/drain_listeners?inboundonly&graceful')} >/dev/null 2>&1; then echo "envoy admin is not answering: nothing to drain" >&2; exit 0; fi`,
    `while ((SECONDS < deadline)); do`,
    // "$( (" not "$((": that would open an arithmetic expansion.
    `  active=$( ${admin('GET', `/stats?filter=^${OUTBOUND_ACTIVE_STAT}$`)} 2>/dev/null | sed -n 's/^${OUTBOUND_ACTIVE_STAT}: *//p')`,
    `  if [ "$active" = 0 ]; then exit 0; fi`,
    `  if [ -z "$active" ]; then echo "envoy admin stopped answering while draining" >&2; exit 0; fi`,
    `  sleep 1`,
    `done`,
    `echo "drain window of ${drainSeconds}s over with $active outbound connections still open" >&2`,
  ].join('\n');
  return ['bash', '-c', script];
}
