// --service NAME[.NAMESPACE]:PORT[/APP_PROTOCOL]: a Service the offline
// commands treat as known, as the webhook's Service cache would.

import type { ServiceFlag } from '../offline/services.js';
import { UsageError } from './args.js';

const SERVICE_FLAG = /^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)(?:\.([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?))?:(\d{1,5})(?:\/([A-Za-z0-9][A-Za-z0-9./_-]{0,62}))?$/;

export function parseServiceFlag(text: string): ServiceFlag {
  const match = SERVICE_FLAG.exec(text);
  const port = Number(match?.[5]);
  if (!match?.[1] || !(port >= 1 && port <= 65535)) {
    throw new UsageError(`--service wants NAME[.NAMESPACE]:PORT[/APP_PROTOCOL], e.g. reviews:9080/http, got ${JSON.stringify(text.slice(0, 80))}`);
  }
  return {
    name: match[1],
    ...(match[3] ? { namespace: match[3] } : {}),
    port: { port, ...(match[6] ? { appProtocol: match[6] } : {}) },
  };
}
