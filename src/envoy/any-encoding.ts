// Envoy's documents as the injector renders them are proto3 JSON: durations
// as "5s", wrapper values bare, typed configs as Any objects with "@type".
// An ADS response carries each resource as a google.protobuf.Any of protobuf
// bytes. This turns a rendered resource into those bytes, guided by Envoy's
// own message types (given as a protobufjs Root, loaded by the caller), and
// refuses what the type does not have rather than dropping it. Pure: a Root
// and a JSON document in, bytes out.

import type { Field, Root, Type } from 'protobufjs';
import type { Json as JsonValue, JsonObject } from '../model/json.js';

const TYPE_URL_PREFIX = 'type.googleapis.com/';
const DURATION = /^(-?)(\d{1,12})(?:\.(\d{1,9}))?s$/;
const WRAPPERS = new Set(
  ['DoubleValue', 'FloatValue', 'Int64Value', 'UInt64Value', 'Int32Value', 'UInt32Value', 'BoolValue', 'StringValue', 'BytesValue'].map(
    (name) => `.google.protobuf.${name}`,
  ),
);

export interface EncodedAny {
  type_url: string;
  value: Uint8Array;
}

export class ProtoJsonError extends Error {}

/** A resource with its "@type", as an Any of protobuf bytes. */
export function encodeAny(root: Root, resource: JsonObject): EncodedAny {
  const { '@type': typeUrl, ...fields } = resource;
  if (typeof typeUrl !== 'string' || !typeUrl.startsWith(TYPE_URL_PREFIX)) throw new ProtoJsonError('a resource without a type.googleapis.com/ "@type"');
  const type = root.lookupType(typeUrl.slice(TYPE_URL_PREFIX.length));
  return { type_url: typeUrl, value: encodeMessage(root, type, fields, typeUrl.slice(TYPE_URL_PREFIX.length)) };
}

function encodeMessage(root: Root, type: Type, json: JsonObject, path: string): Uint8Array {
  const object = protobufObject(root, type, json, path);
  return type.encode(type.fromObject(object)).finish();
}

/** The object protobufjs' fromObject reads, from proto3 JSON of `type`. */
function protobufObject(root: Root, type: Type, json: JsonObject, path: string): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(json)) {
    const field = type.fields[key];
    if (field === undefined) throw new ProtoJsonError(`${path}.${key}: not a field of ${type.fullName.slice(1)}`);
    const at = `${path}.${key}`;
    if (field.map) {
      if (!isObject(value)) throw new ProtoJsonError(`${at}: a map must be an object`);
      result[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fieldValue(root, field, v, `${at}["${k}"]`)]));
    } else if (field.repeated) {
      if (!Array.isArray(value)) throw new ProtoJsonError(`${at}: a repeated field must be a list`);
      result[key] = value.map((item, i) => fieldValue(root, field, item, `${at}[${i}]`));
    } else {
      result[key] = fieldValue(root, field, value, at);
    }
  }
  return result;
}

function fieldValue(root: Root, field: Field, value: JsonValue, path: string): unknown {
  const resolved = field.resolvedType;
  if (resolved === null || !('fields' in resolved)) return value; // scalars and enum names: fromObject reads them
  const name = resolved.fullName;
  if (WRAPPERS.has(name)) return { value };
  if (name === '.google.protobuf.Duration') return duration(value, path);
  if (name === '.google.protobuf.Any') {
    if (!isObject(value)) throw new ProtoJsonError(`${path}: an Any must be an object with "@type"`);
    return encodeAny(root, value);
  }
  if (name === '.google.protobuf.Struct') {
    if (!isObject(value)) throw new ProtoJsonError(`${path}: a Struct must be an object`);
    return struct(root, value);
  }
  if (name === '.google.protobuf.Value') return struct(root, { value }).fields.value;
  if (!isObject(value)) throw new ProtoJsonError(`${path}: a ${name.slice(1)} must be an object`);
  return protobufObject(root, resolved, value, path);
}

/** "1.5s" as { seconds, nanos }, as proto3 JSON writes a Duration. */
function duration(value: JsonValue, path: string): { seconds: number; nanos: number } {
  const match = typeof value === 'string' ? DURATION.exec(value) : null;
  if (match === null) throw new ProtoJsonError(`${path}: a Duration is written "<seconds>s", e.g. "1.5s"`);
  const sign = match[1] === '-' ? -1 : 1;
  const seconds = Number(match[2]);
  const nanos = Number((match[3] ?? '').padEnd(9, '0'));
  return { seconds: sign * seconds, nanos: sign * nanos };
}

/** protobufjs defines google.protobuf.Struct itself, in camelCase whatever
 * the Root's keepCase: field names are read from the Value type. */
function struct(root: Root, value: JsonObject): { fields: Record<string, unknown> } {
  const valueType = root.lookupType('google.protobuf.Value');
  const name = (snake: string): string => (snake in valueType.fields ? snake : snake.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase()));
  const convert = (item: JsonValue): Record<string, unknown> => {
    if (item === null) return { [name('null_value')]: 'NULL_VALUE' };
    if (typeof item === 'number') return { [name('number_value')]: item };
    if (typeof item === 'string') return { [name('string_value')]: item };
    if (typeof item === 'boolean') return { [name('bool_value')]: item };
    if (Array.isArray(item)) return { [name('list_value')]: { values: item.map(convert) } };
    return { [name('struct_value')]: fieldsOf(item) };
  };
  const fieldsOf = (object: JsonObject): { fields: Record<string, unknown> } => ({
    fields: Object.fromEntries(Object.entries(object).map(([k, v]) => [k, convert(v)])),
  });
  return fieldsOf(value);
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
