// A small strict schema checker for the user-written route overrides: every
// field known, every type right, and an error path a person can follow
// (virtual_hosts[0].routes[1].route.timeout) with what to write instead.

import { isPlainObject } from '../model/kubernetes.js';
import type { ProblemList } from '../model/result.js';
import { didYouMean } from '../syntax/did-you-mean.js';
import { quote } from '../syntax/quote.js';

/** A problem at one place of a structured value. */
export interface FieldProblem {
  field: string;
  message: string;
}

export type Spec =
  | { kind: 'string'; nonEmpty?: boolean; check?: (text: string) => string | undefined }
  | { kind: 'boolean' }
  | { kind: 'integer'; min: number; max: number }
  | { kind: 'duration' }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'list'; items: Spec; minItems?: number; maxItems?: number }
  | ObjectSpec;

export interface ObjectSpec {
  kind: 'object';
  fields: Readonly<Record<string, Spec>>;
  required?: readonly string[];
  /** Each group: exactly one of these fields must be set. */
  exactlyOne?: ReadonlyArray<readonly string[]>;
  /** Each group: at most one of these fields may be set. */
  atMostOne?: ReadonlyArray<readonly string[]>;
  /** Fields people write from older Envoy docs, with what to write instead. */
  hints?: Readonly<Record<string, string>>;
  /** A rule across the fields (Envoy's own, beyond the proto's), checked once they are valid. */
  check?: (value: Readonly<Record<string, unknown>>) => string | undefined;
}

/** Envoy's JSON duration: seconds with up to nine decimals and an "s". */
const DURATION = /^\d{1,12}(\.\d{1,9})?s$/;

/** A google.protobuf.Duration as Envoy loads it from YAML or JSON: the
 * string form, or the message form { seconds, nanos }. */
function isDuration(value: unknown): boolean {
  if (typeof value === 'string') return DURATION.test(value);
  if (!isPlainObject(value) || Object.keys(value).some((key) => key !== 'seconds' && key !== 'nanos')) return false;
  const { seconds = 0, nanos = 0 } = value;
  return Number.isSafeInteger(seconds) && (seconds as number) >= 0 && Number.isInteger(nanos) && (nanos as number) >= 0 && (nanos as number) <= 999_999_999;
}

export type Duration = string | { seconds?: number; nanos?: number };

/** A duration in the string form, e.g. { seconds: 1, nanos: 500000000 } → "1.5s". */
export function durationText(value: Duration): string {
  if (typeof value === 'string') return value;
  const nanos = value.nanos ?? 0;
  return nanos === 0 ? `${value.seconds ?? 0}s` : `${value.seconds ?? 0}.${String(nanos).padStart(9, '0').replace(/0+$/, '')}s`;
}

/** One spelling per duration, as protobuf's JSON writes it ("120s", "1.5s",
 * "0.250s" → "0.25s"): what router_check compares. Text that is not a
 * duration comes back as it is. */
export function canonicalDuration(value: Duration): string {
  if (typeof value !== 'string') return durationText(value);
  if (!DURATION.test(value)) return value;
  const [seconds = '0', fraction = ''] = value.slice(0, -1).split('.');
  return durationText({ seconds: Number(seconds), nanos: Number(fraction.padEnd(9, '0')) });
}

export function join(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (isPlainObject(value)) return 'a mapping';
  return `${typeof value} ${quote(value)}`;
}

export function check(value: unknown, spec: Spec, path: string, problems: ProblemList<FieldProblem>): void {
  const fail = (message: string): void => {
    problems.add({ field: path, message });
  };
  switch (spec.kind) {
    case 'string':
      if (typeof value !== 'string') {
        fail(`expected a string, got ${describe(value)}`);
        return;
      }
      if (spec.nonEmpty && value.length === 0) {
        fail('must not be empty');
        return;
      }
      if (spec.check) {
        const problem = spec.check(value);
        if (problem) fail(problem);
      }
      return;
    case 'boolean':
      if (typeof value !== 'boolean') fail(`expected true or false, got ${describe(value)}`);
      return;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) {
        fail(`expected a whole number, got ${describe(value)}`);
        return;
      }
      if (value < spec.min || value > spec.max) fail(`${value} is out of range (${spec.min} to ${spec.max})`);
      return;
    case 'duration':
      if (!isDuration(value)) fail(`${describe(value)} is not a duration: write seconds with an "s", e.g. "5s" or "0.25s"`);
      return;
    case 'enum':
      if (typeof value !== 'string' || !spec.values.includes(value)) {
        fail(`${describe(value)} is not one of ${spec.values.join(', ')}${typeof value === 'string' ? didYouMean(value, spec.values) : ''}`);
      }
      return;
    case 'list':
      if (!Array.isArray(value)) {
        fail(`expected a list, got ${describe(value)}`);
        return;
      }
      if (spec.minItems !== undefined && value.length < spec.minItems) {
        fail(`must have at least ${spec.minItems} ${spec.minItems === 1 ? 'entry' : 'entries'}`);
        return;
      }
      // Checked before the entries: a flood of them costs one message, not one each.
      if (spec.maxItems !== undefined && value.length > spec.maxItems) {
        fail(`has ${value.length} entries, more than the ${spec.maxItems} allowed`);
        return;
      }
      value.forEach((item, index) => check(item, spec.items, join(path, index), problems));
      return;
    case 'object':
      checkObject(value, spec, path, problems);
      return;
  }
}

function checkObject(value: unknown, spec: ObjectSpec, path: string, problems: ProblemList<FieldProblem>): void {
  if (!isPlainObject(value)) {
    problems.add({ field: path, message: `expected a mapping, got ${describe(value)}` });
    return;
  }
  const known = Object.keys(spec.fields);
  const before = problems.count;
  let unknownFields = 0;
  for (const [key, fieldValue] of Object.entries(value)) {
    // Own properties only: "toString" or "__proto__" are not fields of any spec.
    const fieldSpec = Object.hasOwn(spec.fields, key) ? spec.fields[key] : undefined;
    if (fieldSpec === undefined) {
      const hint = spec.hints && Object.hasOwn(spec.hints, key) ? spec.hints[key] : undefined;
      problems.add({ field: join(path, key), message: hint ?? `unknown field${didYouMean(key, known)} (known here: ${known.join(', ')})` });
      unknownFields++;
      continue;
    }
    check(fieldValue, fieldSpec, join(path, key), problems);
  }
  // A misspelt field usually is the missing one: one message, not two.
  if (unknownFields > 0) return;
  for (const field of spec.required ?? []) {
    if (!Object.hasOwn(value, field)) problems.add({ field: join(path, field), message: 'is required' });
  }
  for (const group of spec.exactlyOne ?? []) {
    const present = group.filter((field) => Object.hasOwn(value, field));
    if (present.length !== 1) {
      problems.add({
        field: path,
        message: present.length === 0 ? `needs one of ${group.join(', ')}` : `sets ${present.join(' and ')}: choose exactly one of ${group.join(', ')}`,
      });
    }
  }
  for (const group of spec.atMostOne ?? []) {
    const present = group.filter((field) => Object.hasOwn(value, field));
    if (present.length > 1) problems.add({ field: path, message: `sets ${present.join(' and ')}: they cannot be combined` });
  }
  if (spec.check && problems.count === before) {
    const problem = spec.check(value);
    if (problem) problems.add({ field: path, message: problem });
  }
}
