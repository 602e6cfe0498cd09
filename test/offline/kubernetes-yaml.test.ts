// parseKubernetesYaml reads quoted scalars as go-yaml v2 (libyaml) does:
// continuation lines at any indentation, checked against an independent
// YAML 1.1 reader (js-yaml, test/support/yaml11.ts); and an error that does
// occur names the line to fix.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseKubernetesYaml } from '../../src/offline/kubernetes-yaml.js';
import { parseDocuments } from '../../src/offline/offline.js';
import { readAsKubernetes } from '../support/yaml11.js';

const READ_AS_KUBERNETES: Array<[string, string]> = [
  [
    'a single-quoted scalar closing at its key’s indentation',
    'metadata:\n  annotations:\n    a: \'[\n        {\n            "name": "install"\n        }\n    ]\'\nspec: {}\n',
  ],
  ['a double-quoted item going on at the list’s indentation', 'args:\n- "echo a\n- b"\n'],
  ['a continuation at column 0', 'a:\n  b: "x\ny"\n'],
  ['an escaped quote and a continuation', 'a:\n  b: "say \\"hi\\"\n  there"\n'],
  ['a doubled single quote and a continuation', "a:\n  b: 'it''s\n  ok'\n"],
  ['a flow sequence with a multi-line item', 'a:\n  b: ["x,\n  y", z]\n'],
  ['an empty line inside the scalar', 'a:\n  b: "x\n\n  y"\n'],
  ['CRLF line endings', 'a:\r\n  b: "x\r\n  y"\r\n'],
];

describe('parseKubernetesYaml', () => {
  for (const [name, text] of READ_AS_KUBERNETES) {
    it(`reads ${name} as Kubernetes does`, () => {
      const documents = parseKubernetesYaml(text);
      assert.deepEqual(
        documents.flatMap((d) => d.errors.map((e) => e.message)),
        [],
      );
      assert.deepEqual(
        documents.map((d) => d.toJS() as unknown),
        readAsKubernetes(text),
      );
    });
  }

  it('names the line where a string without its closing quote opened', () => {
    const text = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: "web\nspec:\n  containers: []\n';
    assert.deepEqual(parseDocuments(text), {
      ok: false,
      problems: ['document 1: invalid YAML: Missing closing "quote for the string opened at line 4, column 9'],
    });
  });

  it('ends a quoted scalar at a document marker, as libyaml does', () => {
    const [first] = parseKubernetesYaml('a: "x\n---\nb: c\n');
    assert.match(first?.errors[0]?.message ?? '', /opened at line 1, column 4$/);
  });

  it('still places other errors where they are', () => {
    const [document] = parseKubernetesYaml('a: b\na: c\n');
    assert.match(document?.errors[0]?.message ?? '', /at line 2, column 1$/);
  });
});
