// A YAML 1.1 reader as Kubernetes reads manifests (go-yaml v2), built on
// js-yaml, a library independent of the one the injector writes with: the
// tests read input and output with it to prove a manifest means the same.
// go-yaml v2's implicit types: null, the YAML 1.1 booleans (yes/no/on/off/y/n
// in three cases), integers in decimal, 0x hex, 0b binary and 0-leading
// octal, floats with .inf and .nan. Timestamps stay strings for untyped fields.

import yaml from 'js-yaml';

const BOOLEANS: Record<string, boolean> = Object.fromEntries(
  ['y', 'yes', 'on', 'true', 'n', 'no', 'off', 'false'].flatMap((word) => {
    const value = ['y', 'yes', 'on', 'true'].includes(word);
    return [word, word[0]!.toUpperCase() + word.slice(1), word.toUpperCase()].map((spelling) => [spelling, value]);
  }),
);

const bool = new yaml.Type('tag:yaml.org,2002:bool', {
  kind: 'scalar',
  resolve: (data: string | null) => data !== null && Object.hasOwn(BOOLEANS, data),
  construct: (data: string) => BOOLEANS[data],
});

const INT = /^[-+]?(0b[01_]+|0x[0-9a-fA-F_]+|0[0-7_]+|0|[1-9][0-9_]*)$/;
const int = new yaml.Type('tag:yaml.org,2002:int', {
  kind: 'scalar',
  resolve: (data: string | null) => data !== null && INT.test(data),
  construct: (data: string) => {
    const sign = data.startsWith('-') ? -1 : 1;
    const digits = data.replace(/^[-+]/, '').replaceAll('_', '');
    if (digits.startsWith('0b')) return sign * parseInt(digits.slice(2), 2);
    if (digits.startsWith('0x')) return sign * parseInt(digits.slice(2), 16);
    if (digits.length > 1 && digits.startsWith('0')) return sign * parseInt(digits.slice(1), 8);
    return sign * parseInt(digits, 10);
  },
});

const FLOAT = /^[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+][0-9]+)?$|^[-+]?\.(inf|Inf|INF)$|^\.(nan|NaN|NAN)$/;
const float = new yaml.Type('tag:yaml.org,2002:float', {
  kind: 'scalar',
  resolve: (data: string | null) => data !== null && FLOAT.test(data) && !INT.test(data),
  construct: (data: string) => {
    if (/\.(inf|Inf|INF)$/.test(data)) return data.startsWith('-') ? -Infinity : Infinity;
    if (/\.(nan|NaN|NAN)$/.test(data)) return NaN;
    return Number(data.replaceAll('_', ''));
  },
});

const nullType = new yaml.Type('tag:yaml.org,2002:null', {
  kind: 'scalar',
  resolve: (data: string | null) => data === null || ['', '~', 'null', 'Null', 'NULL'].includes(data),
  construct: () => null,
});

const GO_YAML_V2 = yaml.FAILSAFE_SCHEMA.extend({ implicit: [nullType, bool, int, float] });

export function readAsKubernetes(text: string): unknown[] {
  return yaml.loadAll(text, undefined, { schema: GO_YAML_V2 });
}
