// The headers a request carries upstream, and a response carries back, once
// the route, its virtual host and the route configuration have added and
// removed theirs: what router_check's request_header_matches and
// response_header_matches compare, and what explain --request shows.

import type { HeaderMutations, HeaderValueOption, RouteDecision, RouteRequest, RouteTable } from './router.js';

export type HeaderList = Array<[string, string]>;

/** The levels in the order Envoy applies them (RouteEntryImplBase::
 * getRequestHeaderParsers, source/common/router/config_impl.cc): the route
 * first and the route configuration last, so the less specific level has the
 * last word; most_specific_header_mutations_wins reverses it. */
function levels(table: RouteTable, decision: RouteDecision): HeaderMutations[] {
  const host = decision.host ? table.virtual_hosts[decision.host.index] : undefined;
  const route = decision.route?.entry;
  const candidates: Array<HeaderMutations | undefined> = [route, host, table];
  const specificFirst = candidates.filter((level): level is HeaderMutations => level !== undefined);
  return table.most_specific_header_mutations_wins === true ? specificFirst.reverse() : specificFirst;
}

/** HeaderParser::evaluateHeaders (source/common/router/header_parser.cc): a
 * level removes its headers, then adds its own, each by its append_action
 * (the deprecated append: false is OVERWRITE_IF_EXISTS_OR_ADD); an empty
 * value is not added unless keep_empty_value. */
function applyLevel(headers: HeaderList, remove: readonly string[], add: readonly HeaderValueOption[], request: RouteRequest): HeaderList {
  const removed = new Set(remove.map((name) => name.toLowerCase()));
  let result = headers.filter(([name]) => !removed.has(name.toLowerCase()));
  for (const option of add) {
    const key = option.header.key.toLowerCase();
    const value = formatted(option.header.value ?? '', request);
    if (value === '' && option.keep_empty_value !== true) continue;
    const present = result.some(([name]) => name === key);
    const action = option.append_action ?? (option.append === false ? 'OVERWRITE_IF_EXISTS_OR_ADD' : 'APPEND_IF_EXISTS_OR_ADD');
    if (action === 'ADD_IF_ABSENT' && present) continue;
    if (action === 'OVERWRITE_IF_EXISTS' && !present) continue;
    if (action === 'OVERWRITE_IF_EXISTS_OR_ADD' || action === 'OVERWRITE_IF_EXISTS') result = result.filter(([name]) => name !== key);
    result = [...result, [key, value]];
  }
  return result;
}

/** The substitution formatter, as far as it can be known: %% and
 * %REQ(name)% (the request's header, "" when absent) and %PROTOCOL% always;
 * the connection's addresses when the request has one (route-check gives
 * router_check's), a command that finds no value giving "" as Envoy's header
 * formatter does; the other commands stay as written. */
function formatted(value: string, request: RouteRequest): string {
  return value.replace(/%%|%REQ\(([^)%]{1,100})\)%|%[A-Z_]{1,60}%/g, (whole, name: string | undefined) => {
    if (whole === '%%') return '%';
    if (whole === '%PROTOCOL%') return 'HTTP/1.1';
    if (name !== undefined) {
      const wanted = name.toLowerCase();
      return request.headers
        .filter(([header]) => header.toLowerCase() === wanted)
        .map(([, v]) => v)
        .join(',');
    }
    return connectionValue(whole, request.connection) ?? whole;
  });
}

/** A command that reads the connection: its value, "" when the connection
 * has no such address, undefined when there is no connection to read or the
 * command does not read it. */
function connectionValue(command: string, connection: RouteRequest['connection']): string | undefined {
  if (connection === undefined) return undefined;
  const { remoteAddress, remotePort } = connection;
  switch (command) {
    case '%DOWNSTREAM_REMOTE_ADDRESS%':
      return remoteAddress.includes(':') ? `[${remoteAddress}]:${remotePort}` : `${remoteAddress}:${remotePort}`;
    case '%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%':
      return remoteAddress;
    case '%DOWNSTREAM_LOCAL_ADDRESS%':
    case '%DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT%':
    case '%UPSTREAM_REMOTE_ADDRESS%':
      return '';
    default:
      return undefined;
  }
}

/** The request as the upstream gets it, pseudo-headers included; undefined
 * when the request goes to no cluster. */
export function upstreamRequestHeaders(table: RouteTable, decision: RouteDecision, request: RouteRequest): HeaderList | undefined {
  const action = decision.route?.action;
  if (action?.kind !== 'route') return undefined;
  let headers: HeaderList = [
    [':authority', action.authority],
    [':path', action.path],
    [':method', request.method],
    ['x-forwarded-proto', request.scheme],
    ...request.headers.map(([name, value]): [string, string] => [name.toLowerCase(), value]),
  ];
  for (const level of levels(table, decision))
    headers = applyLevel(headers, level.request_headers_to_remove ?? [], level.request_headers_to_add ?? [], request);
  return headers;
}

/** The response's headers as the downstream gets them: `received` (the
 * upstream's, or a test's), a direct response's body headers, then the
 * mutations; undefined when no route answered. */
export function downstreamResponseHeaders(table: RouteTable, decision: RouteDecision, request: RouteRequest, received: HeaderList): HeaderList | undefined {
  const entry = decision.route?.entry;
  if (!entry) return undefined;
  const body = entry.direct_response?.body?.inline_string ?? '';
  // A local reply with a body says its type and length (sendLocalReply).
  let headers: HeaderList = [
    ...received.map(([name, value]): [string, string] => [name.toLowerCase(), value]),
    ...(body === ''
      ? []
      : ([
          ['content-type', 'text/plain'],
          ['content-length', String(Buffer.byteLength(body))],
        ] as HeaderList)),
  ];
  for (const level of levels(table, decision))
    headers = applyLevel(headers, level.response_headers_to_remove ?? [], level.response_headers_to_add ?? [], request);
  return headers;
}

/** A header's value as matchers read it: repeated headers joined with ",". */
export function headerValue(headers: HeaderList, name: string): string | undefined {
  const wanted = name.toLowerCase();
  const values = headers.filter(([header]) => header === wanted).map(([, value]) => value);
  return values.length === 0 ? undefined : values.join(',');
}
