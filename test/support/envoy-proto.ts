// Validates rendered Envoy documents against Envoy's own v3 protos, strictly.
// protobufjs' fromObject/verify accept unknown fields and loose values, so
// this walks the JSON itself: unknown or deprecated fields, wrong scalar
// types, undefined enum names, malformed durations, wrapper values written as
// objects, several members of one oneof, and the protoc-gen-validate rules
// Envoy enforces at load (required, min_len, min_items, numeric bounds) all fail.

import protobuf from 'protobufjs';
import { loadEnvoyProtos, SERVED_PROTO_FILES } from '../../src/server/envoy-protos.js';

const ENTRY_FILES = [
  'envoy/config/bootstrap/v3/bootstrap.proto',
  'envoy/service/discovery/v3/discovery.proto',
  ...SERVED_PROTO_FILES,
  'envoy/config/grpc_credential/v3/file_based_metadata.proto',
];

let cachedRoot: protobuf.Root | undefined;

export function envoyProtos(): protobuf.Root {
  cachedRoot ??= loadEnvoyProtos(ENTRY_FILES);
  return cachedRoot;
}

type Options = Record<string, unknown>;

const DURATION = /^-?\d+(\.\d{1,9})?s$/;
const INT32 = ['int32', 'sint32', 'sfixed32'];
const UINT32 = ['uint32', 'fixed32'];
const INT64 = ['int64', 'sint64', 'sfixed64', 'uint64', 'fixed64'];

const WRAPPERS: Record<string, string> = {
  '.google.protobuf.DoubleValue': 'double',
  '.google.protobuf.FloatValue': 'float',
  '.google.protobuf.Int64Value': 'int64',
  '.google.protobuf.UInt64Value': 'uint64',
  '.google.protobuf.Int32Value': 'int32',
  '.google.protobuf.UInt32Value': 'uint32',
  '.google.protobuf.BoolValue': 'bool',
  '.google.protobuf.StringValue': 'string',
  '.google.protobuf.BytesValue': 'bytes',
};

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

class Walker {
  readonly errors: string[] = [];
  constructor(private readonly root: protobuf.Root) {}

  fail(path: string, message: string): void {
    this.errors.push(`${path || '(root)'}: ${message}`);
  }

  message(type: protobuf.Type, value: unknown, path: string): void {
    const name = type.fullName;
    if (name === '.google.protobuf.Any') {
      this.any(value, path);
      return;
    }
    if (name === '.google.protobuf.Duration') {
      if (typeof value !== 'string' || !DURATION.test(value)) this.fail(path, `bad duration ${JSON.stringify(value)} (want e.g. "5s", "0.25s")`);
      return;
    }
    if (name === '.google.protobuf.Struct') {
      if (!isObject(value)) this.fail(path, 'Struct must be a JSON object');
      return;
    }
    if (name === '.google.protobuf.Value') return;
    if (name === '.google.protobuf.ListValue') {
      if (!Array.isArray(value)) this.fail(path, 'ListValue must be an array');
      return;
    }
    const wrapped = WRAPPERS[name];
    if (wrapped) {
      this.scalar(wrapped, value, path);
      return;
    }
    if (!isObject(value)) {
      this.fail(path, `${name} must be an object, got ${JSON.stringify(value)}`);
      return;
    }

    for (const [key, fieldValue] of Object.entries(value)) {
      const field = type.fields[key];
      const fieldPath = path ? `${path}.${key}` : key;
      if (!field) {
        this.fail(fieldPath, `unknown field of ${name}`);
        continue;
      }
      if (field.options?.deprecated === true) this.fail(fieldPath, `deprecated field of ${name}`);
      if (fieldValue === null) {
        this.fail(fieldPath, 'null is not allowed');
        continue;
      }
      this.field(field, fieldValue, fieldPath);
    }
    for (const oneof of type.oneofsArray) {
      const set = oneof.fieldsArray.filter((f) => f.name in value);
      if (set.length > 1) this.fail(path, `oneof ${oneof.name} has several members set: ${set.map((f) => f.name).join(', ')}`);
      if (set.length === 0 && oneof.options?.['(validate.required)'] === true) {
        this.fail(path, `oneof ${oneof.name} of ${name} requires one of ${oneof.fieldsArray.map((f) => f.name).join(', ')}`);
      }
    }
    for (const field of type.fieldsArray) {
      // In a oneof, "required" binds only the member that is chosen.
      if (field.partOf) continue;
      const options: Record<string, unknown> = field.options ?? {};
      if (!(field.name in value) && (options['(validate.rules).message.required'] === true || options['(validate.rules).any.required'] === true)) {
        this.fail(path ? `${path}.${field.name}` : field.name, `required field of ${name} is missing`);
      }
    }
  }

  any(value: unknown, path: string): void {
    if (!isObject(value) || typeof value['@type'] !== 'string') {
      this.fail(path, 'Any must be an object with "@type"');
      return;
    }
    const url = value['@type'];
    const prefix = 'type.googleapis.com/';
    if (!url.startsWith(prefix)) {
      this.fail(path, `bad @type ${url}`);
      return;
    }
    let type: protobuf.Type;
    try {
      type = this.root.lookupType(url.slice(prefix.length));
    } catch {
      this.fail(path, `unknown @type ${url}`);
      return;
    }
    const { '@type': _type, ...rest } = value;
    this.message(type, rest, path);
  }

  field(field: protobuf.Field, value: unknown, path: string): void {
    const options: Record<string, unknown> = field.options ?? {};
    if (field.map) {
      if (!isObject(value)) {
        this.fail(path, 'map field must be an object');
        return;
      }
      const minPairs = options['(validate.rules).map.min_pairs'];
      if (typeof minPairs === 'number' && Object.keys(value).length < minPairs) this.fail(path, `needs at least ${minPairs} entries`);
      for (const [key, entry] of Object.entries(value)) this.single(field, entry, `${path}[${JSON.stringify(key)}]`, {});
      return;
    }
    if (field.repeated) {
      if (!Array.isArray(value)) {
        this.fail(path, 'repeated field must be an array');
        return;
      }
      const min = options['(validate.rules).repeated.min_items'];
      const max = options['(validate.rules).repeated.max_items'];
      if (typeof min === 'number' && value.length < min) this.fail(path, `needs at least ${min} items`);
      if (typeof max === 'number' && value.length > max) this.fail(path, `allows at most ${max} items`);
      const itemRules = Object.fromEntries(
        Object.entries(options)
          .filter(([k]) => k.startsWith('(validate.rules).repeated.items.'))
          .map(([k, v]) => [`(validate.rules).${k.slice('(validate.rules).repeated.items.'.length)}`, v]),
      );
      value.forEach((item, index) => this.single(field, item, `${path}[${index}]`, itemRules));
      return;
    }
    this.single(field, value, path, options);
  }

  single(field: protobuf.Field, value: unknown, path: string, rules: Options): void {
    const resolved = field.resolvedType;
    if (resolved instanceof protobuf.Enum) {
      const known = typeof value === 'string' ? value in resolved.values : Number.isInteger(value) && Object.values(resolved.values).includes(value as number);
      if (!known) this.fail(path, `${JSON.stringify(value)} is not a value of enum ${resolved.fullName}`);
      return;
    }
    if (resolved instanceof protobuf.Type) {
      this.message(resolved, value, path);
      const wrapped = WRAPPERS[resolved.fullName];
      if (wrapped) this.rules(wrapped, value, path, rules);
      return;
    }
    this.scalar(field.type, value, path);
    this.rules(field.type, value, path, rules);
  }

  scalar(kind: string, value: unknown, path: string): void {
    const bad = (want: string): void => this.fail(path, `expected ${want}, got ${JSON.stringify(value)}`);
    if (kind === 'string') {
      if (typeof value !== 'string') bad('a string');
    } else if (kind === 'bool') {
      if (typeof value !== 'boolean') bad('a boolean');
    } else if (kind === 'bytes') {
      if (typeof value !== 'string' || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(value)) bad('base64 bytes');
    } else if (kind === 'double' || kind === 'float') {
      if (typeof value !== 'number') bad('a number');
    } else if (INT32.includes(kind)) {
      if (!Number.isInteger(value) || (value as number) < -(2 ** 31) || (value as number) >= 2 ** 31) bad('a 32-bit integer');
    } else if (UINT32.includes(kind)) {
      if (!Number.isInteger(value) || (value as number) < 0 || (value as number) >= 2 ** 32) bad('an unsigned 32-bit integer');
    } else if (INT64.includes(kind)) {
      const ok = Number.isInteger(value) || (typeof value === 'string' && /^-?\d+$/.test(value));
      if (!ok || ((kind.startsWith('u') || kind === 'fixed64') && String(value).startsWith('-'))) bad('a 64-bit integer');
    } else {
      this.fail(path, `unhandled scalar type ${kind}`);
    }
  }

  /** protoc-gen-validate rules on scalars, which Envoy checks when it loads a config. */
  rules(kind: string, value: unknown, path: string, rules: Options): void {
    const rule = (name: string): unknown => rules[`(validate.rules).${kind}.${name}`];
    if (typeof value === 'string' && kind === 'string') {
      const minLen = rule('min_len');
      const maxLen = rule('max_len');
      const minBytes = rule('min_bytes');
      if (typeof minLen === 'number' && codePoints(value) < minLen) this.fail(path, `must have at least ${minLen} characters`);
      if (typeof maxLen === 'number' && codePoints(value) > maxLen) this.fail(path, `must have at most ${maxLen} characters`);
      if (typeof minBytes === 'number' && Buffer.byteLength(value) < minBytes) this.fail(path, `must have at least ${minBytes} bytes`);
    }
    if (typeof value === 'number') {
      const [gt, gte, lt, lte] = ['gt', 'gte', 'lt', 'lte'].map(rule);
      if (typeof gt === 'number' && !(value > gt)) this.fail(path, `must be > ${gt}`);
      if (typeof gte === 'number' && !(value >= gte)) this.fail(path, `must be >= ${gte}`);
      if (typeof lt === 'number' && !(value < lt)) this.fail(path, `must be < ${lt}`);
      if (typeof lte === 'number' && !(value <= lte)) this.fail(path, `must be <= ${lte}`);
    }
  }
}

/** Returns every problem of `value` as the message type `typeName` (empty when valid). */
export function envoyProtoProblems(typeName: string, value: unknown): string[] {
  const root = envoyProtos();
  const walker = new Walker(root);
  walker.message(root.lookupType(typeName), value, '');
  return walker.errors;
}

export const BOOTSTRAP_TYPE = 'envoy.config.bootstrap.v3.Bootstrap';
export const DISCOVERY_RESPONSE_TYPE = 'envoy.service.discovery.v3.DiscoveryResponse';

/** PGV's min_len and max_len count code points, not UTF-16 units. */
function codePoints(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}
