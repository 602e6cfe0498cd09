// Parsers for the value syntaxes users write in annotations and the config
// file. Each returns the parsed value or a sentence saying what is wrong; the
// config file and the annotations share them, so one value means one thing.

import { isIP } from 'node:net';
import { failed, ok, type Result } from '../model/result.js';
import { quote } from './quote.js';

export function parseBoolean(text: string): Result<boolean> {
  if (text === 'true') return ok(true);
  if (text === 'false') return ok(false);
  return failed(`${quote(text)} must be "true" or "false"`);
}

export function isPort(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 65535;
}

/** "80, 443,8080" → [80, 443, 8080]; an empty string is an empty list. */
export function parsePortList(text: string): Result<number[]> {
  const ports: number[] = [];
  for (const item of splitList(text)) {
    if (!/^\d{1,5}$/.test(item) || !isPort(Number(item))) return failed(`${quote(item)} is not a port (a whole number from 1 to 65535)`);
    ports.push(Number(item));
  }
  return ok(ports);
}

/** The rule envoy-init applies too (images/envoy-init/envoy-init.sh): an
 * address, "/" and a prefix length without leading zeros; no zone ("%eth0"),
 * which Node's parser accepts but iptables does not. */
function isCidr(text: string): boolean {
  const [address, prefix, ...rest] = text.split('/');
  if (rest.length > 0 || address === undefined || prefix === undefined || !/^(0|[1-9][0-9]{0,2})$/.test(prefix) || address.includes('%')) return false;
  const family = isIP(address);
  const bits = Number(prefix);
  return (family === 4 && bits <= 32) || (family === 6 && bits <= 128);
}

/** ["10.0.0.0/8", "fd00::/8"]; `allowWildcard` admits "*" (everything) alone. */
export function checkCidrList(ranges: readonly string[], allowWildcard: boolean): Result<string[]> {
  for (const range of ranges) {
    if (range === '*' && allowWildcard) {
      if (ranges.length > 1) return failed('"*" means every address and cannot be combined with other ranges');
      continue;
    }
    if (!isCidr(range)) return failed(`${quote(range)} is not a CIDR range (e.g. 10.0.0.0/8 or fd00::/8)${allowWildcard ? ' or "*"' : ''}`);
  }
  return ok([...ranges]);
}

/** "10.0.0.0/8,fd00::/8" → list, checked as checkCidrList does. */
export function parseCidrList(text: string, allowWildcard: boolean): Result<string[]> {
  return checkCidrList(splitList(text), allowWildcard);
}

function splitList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

const MAX_QUANTITY_LENGTH = 64;
const BINARY_SUFFIX: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL_SUFFIX: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** A Kubernetes resource quantity ("100m", "0.5", "128Mi", "1e3") as a number
 * of base units, so that a request can be compared with its limit. */
export function parseQuantity(text: string): Result<number> {
  // Bounded, and a pattern with one way to match each character: a long
  // run of digits followed by junk fails in linear time.
  const match =
    text.length > MAX_QUANTITY_LENGTH ? null : /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?)$/.exec(text);
  if (!match) return failed(`${quote(text)} is not a Kubernetes quantity (e.g. 100m, 0.5, 128Mi, 1Gi)`);
  const [, number, exponent, suffix = ''] = match;
  const base = Number(number);
  if (base < 0) return failed(`${quote(text)} is negative`);
  const value = exponent ? Number(`${number}${exponent}`) : base * (BINARY_SUFFIX[suffix] ?? DECIMAL_SUFFIX[suffix] ?? 1);
  // Kubernetes keeps quantities in 64 bits; past 2^53 a number is no longer
  // exact here, and "1e400" would be Infinity.
  if (!(value <= Number.MAX_SAFE_INTEGER)) return failed(`${quote(text)} is too large for a Kubernetes quantity (at most ${Number.MAX_SAFE_INTEGER})`);
  return ok(value);
}

const ENVOY_LOG_LEVELS = ['trace', 'debug', 'info', 'warning', 'error', 'critical', 'off'] as const;

/** One of Envoy's log levels; "warn" is read as "warning", as Envoy's own flag does. */
export function parseLogLevel(text: string): Result<string> {
  const level = text === 'warn' ? 'warning' : text;
  return (ENVOY_LOG_LEVELS as readonly string[]).includes(level)
    ? ok(level)
    : failed(`${quote(text)} is not an Envoy log level (one of ${ENVOY_LOG_LEVELS.join(', ')})`);
}

/** Registry host, path, tag and digest fit easily; docker's own limit on a name is 255. */
const MAX_IMAGE_LENGTH = 512;

/** A container image reference, loosely: no spaces, no scheme, no empty parts.
 * The registry is the judge of existence; this catches pasted URLs and typos. */
export function parseImage(text: string): Result<string> {
  if (text.length > MAX_IMAGE_LENGTH || !/^[a-z0-9]([a-zA-Z0-9._\-/:@]*[a-zA-Z0-9])?$/.test(text) || text.includes('://') || text.includes('//')) {
    return failed(`${quote(text)} is not a container image reference (e.g. envoyproxy/envoy:v1.36.6)`);
  }
  return ok(text);
}

/** A whole number within bounds, written in decimal ("4", not "4.0" or "0x4"). */
export function parseWholeNumber(text: string, min: number, max: number): Result<number> {
  if (!/^\d{1,6}$/.test(text)) return failed(`${quote(text)} is not a whole number`);
  const value = Number(text);
  return value >= min && value <= max ? ok(value) : failed(`${value} is out of range (${min} to ${max})`);
}

/** One of a fixed set of words. */
export function parseChoice<T extends string>(choices: readonly T[]): (text: string) => Result<T> {
  return (text) => {
    const found = choices.find((choice) => choice === text);
    return found === undefined ? failed(`${quote(text)} is not one of ${choices.join(', ')}`) : ok(found);
  };
}
