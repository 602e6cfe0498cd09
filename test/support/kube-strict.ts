// Unknown or mistyped fields in a Kubernetes object, walked against the
// attribute maps that @kubernetes/client-node generates from Kubernetes'
// OpenAPI. The schema validation in kubernetes-models accepts unknown fields
// (as `kubectl apply` without --validate=strict would); a typo such as
// `readinessprobe` must fail a test instead of being dropped by the API server.

import * as models from '@kubernetes/client-node';

interface Attribute {
  baseName: string;
  type: string;
}
type Model = { getAttributeTypeMap(): Attribute[] };

const MAP_TYPE = /^\{ \[key: string\]: (.+); \}$/;
const ARRAY_TYPE = /^Array<(.+)>$/;

function walk(value: unknown, type: string, path: string, problems: string[]): void {
  const kind = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
  const expect = (ok: boolean, what: string): void => {
    if (!ok) problems.push(`${path}: ${what} expected, got ${kind}`);
  };
  if (type === 'string' || type === 'Date') {
    expect(kind === 'string', 'a string');
    return;
  }
  if (type === 'number') {
    expect(kind === 'number', 'a number');
    return;
  }
  if (type === 'boolean') {
    expect(kind === 'boolean', 'a boolean');
    return;
  }
  if (type === 'IntOrString') {
    expect(kind === 'string' || kind === 'number', 'an int or a string');
    return;
  }
  if (type === 'any' || type === 'object') return;
  const array = ARRAY_TYPE.exec(type);
  if (array) {
    expect(kind === 'array', 'a list');
    if (Array.isArray(value)) value.forEach((item, index) => walk(item, array[1] ?? 'any', `${path}[${index}]`, problems));
    return;
  }
  const map = MAP_TYPE.exec(type);
  if (map) {
    expect(kind === 'object', 'a map');
    if (kind === 'object') for (const [key, item] of Object.entries(value as object)) walk(item, map[1] ?? 'any', `${path}.${key}`, problems);
    return;
  }
  const model = (models as unknown as Record<string, Model | undefined>)[type];
  if (!model?.getAttributeTypeMap) {
    problems.push(`${path}: no client-node model for type ${type}`);
    return;
  }
  expect(kind === 'object', type);
  if (kind !== 'object') return;
  const attributes = new Map(model.getAttributeTypeMap().map((attribute) => [attribute.baseName, attribute.type]));
  for (const [key, item] of Object.entries(value as object)) {
    const attributeType = attributes.get(key);
    if (attributeType === undefined) problems.push(`${path}.${key}: unknown field of ${type}`);
    else walk(item, attributeType, `${path}.${key}`, problems);
  }
}

/** Problems of a v1 object of a built-in kind (V1<Kind> in client-node), or [] when every field is known. */
export function unknownFieldProblems(object: { apiVersion: string; kind: string; [field: string]: unknown }): string[] {
  const problems: string[] = [];
  walk(object, `V1${object.kind}`, object.kind, problems);
  return problems;
}
