// parseKubernetesYaml reads quoted scalars as go-yaml v2 (libyaml) does:
// continuation lines at any indentation, checked against an independent
// YAML 1.1 reader (js-yaml, test/support/yaml11.ts); and an error that does
// occur names the line to fix.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseKubernetesYaml, patchDocument, replaceContents, type Segment } from '../../src/offline/kubernetes-yaml.js';
import type { PatchOperation } from '../../src/model/json-patch.js';
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

// Where a string without its closing quote opened: each quoted scalar is
// closed or not by the run of escapes before its last quote (isClosed), and a
// continuation line starting with a document marker ends it (libyaml's
// yaml_parser_scan_flow_scalar). One row per case: the errors, with their
// lines, or the value when there is none.
describe('quoted scalars, closed or not', () => {
  const ROWS: Array<[name: string, text: string, want: { errors: string[] } | { value: unknown }]> = [
    [
      'a closed string ending in an escaped backslash, then an open one',
      'a: "x\\\\"\nb: "open\n',
      { errors: ['Missing closing "quote for the string opened at line 2, column 4'] },
    ],
    ['an escaped double quote, which does not close', 'a: "x\\"\nb: 1\n', { errors: ['Missing closing "quote for the string opened at line 1, column 4'] }],
    ['three backslashes and a quote, which do not close', 'a: "\\\\\\"\n', { errors: ['Missing closing "quote for the string opened at line 1, column 4'] }],
    [
      'a doubled single quote before the closing one, then an open one',
      "a: 'it'''\nb: 'open\n",
      { errors: ["Missing closing 'quote for the string opened at line 2, column 4"] },
    ],
    [
      'empty strings of both quotes, then an open one',
      "a: ''\nb: \"\"\nc: 'open\n",
      { errors: ["Missing closing 'quote for the string opened at line 3, column 4"] },
    ],
    ['a backslash before a closing single quote', "a: 'x\\'\nb: 'open\n", { errors: ["Missing closing 'quote for the string opened at line 2, column 4"] }],
    [
      'a single quote inside a double-quoted string',
      'a: "it\'s"\nb: "open\n',
      { errors: ['Missing closing "quote for the string opened at line 2, column 4'] },
    ],
    [
      'a flow error before an open string, each at its own line',
      'x: [a\ny: "b\n',
      {
        errors: [
          'Flow sequence in block collection must be sufficiently indented and end with a ] at line 2, column 1',
          'Missing closing "quote for the string opened at line 2, column 4',
        ],
      },
    ],
    ['"---" followed by a letter, which goes on', 'a: "x\n---x\n"\n', { value: { a: 'x ---x ' } }],
    ['"----", which goes on', 'a: "x\n----\n"\n', { value: { a: 'x ---- ' } }],
    ['"..." followed by a letter, which goes on', 'a: "x\n...x\n"\n', { value: { a: 'x ...x ' } }],
    ['"---" and a space, which ends it', 'a: "x\n--- \nb: 1\n', { errors: ['Missing closing "quote for the string opened at line 1, column 4'] }],
    ['"---" and a tab, which ends it', 'a: "x\n---\tb\n', { errors: ['Missing closing "quote for the string opened at line 1, column 4'] }],
    ['"---" and CRLF, which ends it', 'a: "x\n---\r\nb: 1\n', { errors: ['Missing closing "quote for the string opened at line 1, column 4'] }],
    ['"---" at the end of the input, which ends it', 'a: "x\n---', { errors: ['Missing closing "quote for the string opened at line 1, column 4'] }],
    ['"..." and a newline, which ends it', 'a: "x\n...\n', { errors: ['Missing closing "quote for the string opened at line 1, column 4'] }],
  ];
  for (const [name, text, want] of ROWS) {
    it(name, () => {
      const documents = parseKubernetesYaml(text);
      const errors = documents.flatMap((d) => d.errors.map((e) => e.message));
      if ('errors' in want) assert.deepEqual(errors, want.errors);
      else {
        assert.deepEqual(errors, []);
        assert.deepEqual(
          documents.map((d) => d.toJS() as unknown),
          [want.value],
        );
      }
    });
  }

  it("names each document's open string in its own document", () => {
    const documents = parseKubernetesYaml('a: "one"\n---\nb: "two\n---\nc: "three\n');
    assert.deepEqual(
      documents.map((d) => d.errors.map((e) => e.message)),
      [[], ['Missing closing "quote for the string opened at line 3, column 4'], ['Missing closing "quote for the string opened at line 5, column 4']],
    );
  });
});

// patchDocument and replaceContents: the patch applied to the parsed
// document, only its contents written anew, every other byte kept.
describe('a document edited, not rewritten', () => {
  function edit(text: string, operations: PatchOperation[], base: Segment[] = []): string {
    const [document] = parseKubernetesYaml(text);
    assert.ok(document);
    patchDocument(document, base, operations);
    return replaceContents(text, document, { lineWidth: 0 });
  }

  const ROWS: Array<[name: string, text: string, operations: PatchOperation[], want: string, base?: Segment[]]> = [
    ['add at a sequence index inserts', 'a:\n- x\n- y\n', [{ op: 'add', path: '/a/1', value: 'new' }], 'a:\n  - x\n  - new\n  - y\n'],
    ['add at the first index inserts first', 'a:\n- x\n', [{ op: 'add', path: '/a/0', value: 'new' }], 'a:\n  - new\n  - x\n'],
    ['replace at a sequence index replaces', 'a:\n- x\n- y\n', [{ op: 'replace', path: '/a/1', value: 'new' }], 'a:\n  - x\n  - new\n'],
    ['remove at a sequence index removes', 'a:\n- x\n- y\n', [{ op: 'remove', path: '/a/0' }], 'a:\n  - y\n'],
    ['remove of a key removes it', 'a: 1\nb: 2\n', [{ op: 'remove', path: '/a' }], 'b: 2\n'],
    [
      'keys read as RFC 6901 writes them; a map key of digits stays a string',
      'm:\n  k: v\n',
      [
        { op: 'add', path: '/m/a~1b', value: 1 },
        { op: 'add', path: '/m/c~0d', value: 2 },
        { op: 'add', path: '/m/~01', value: 3 },
        { op: 'add', path: '/m/01', value: 4 },
        { op: 'add', path: '/m/10', value: 5 },
      ],
      'm:\n  k: v\n  a/b: 1\n  c~d: 2\n  ~1: 3\n  "01": 4\n  "10": 5\n',
    ],
    ['a new key YAML 1.1 reads as a boolean is quoted', 'm: 1\n', [{ op: 'add', path: '/n', value: 'on' }], 'm: 1\n"n": "on"\n'],
    ['relative to a list item', 'items:\n- m: 1\n', [{ op: 'add', path: '/n', value: 2 }], 'items:\n  - m: 1\n    "n": 2\n', ['items', 0]],
    ['comments above the contents are kept once', '# head\n# more\nm: 1\n', [{ op: 'add', path: '/k', value: 2 }], '# head\n# more\nm: 1\nk: 2\n'],
    [
      'comments with a blank line between them are kept once',
      '---\n# a\n\n# b\nm: 1\n',
      [{ op: 'add', path: '/k', value: 2 }],
      '---\n# a\n\n# b\nm: 1\nk: 2\n',
    ],
    ['a comment before the marker stays before it', '# b\n---\nm: 1\n', [{ op: 'add', path: '/k', value: 2 }], '# b\n---\nm: 1\nk: 2\n'],
    ['indented comments and CRLF are kept', '  # b  \r\n# c\r\nm: 1\r\n', [{ op: 'add', path: '/k', value: 2 }], '  # b  \r\n# c\r\nm: 1\r\nk: 2\r\n'],
    ['CRLF line endings are kept', 'm: 1\r\nk: 2\r\n', [{ op: 'add', path: '/j', value: 3 }], 'm: 1\r\nk: 2\r\nj: 3\r\n'],
    ['no newline at the end stays so', 'm: 1', [{ op: 'add', path: '/k', value: 2 }], 'm: 1\nk: 2'],
    ['a CRLF document without one at the end stays so', 'm: 1\r\nj: 0', [{ op: 'add', path: '/k', value: 2 }], 'm: 1\r\nj: 0\r\nk: 2'],
    ['flow style is kept where it was', 'a: {b: 1}\n', [{ op: 'add', path: '/a/c', value: { d: [1, 2] } }], 'a: { b: 1, c: { d: [ 1, 2 ] } }\n'],
    [
      'the next documents and the text around are untouched',
      '# first\nm: 1\n---\na:   1\n...\n# end\n',
      [{ op: 'add', path: '/k', value: 2 }],
      '# first\nm: 1\nk: 2\n---\na:   1\n...\n# end\n',
    ],
  ];
  for (const [name, text, operations, want, base] of ROWS) {
    it(name, () => assert.equal(edit(text, operations, base), want));
  }

  it('writes a shared value twice, not as an anchor and an alias', () => {
    const probe = { httpGet: { path: '/ready', port: 15021 } };
    assert.equal(
      edit('c: {}\n', [
        { op: 'add', path: '/c/readinessProbe', value: probe },
        { op: 'add', path: '/c/startupProbe', value: probe },
      ]),
      'c: { readinessProbe: { httpGet: { path: /ready, port: 15021 } }, startupProbe: { httpGet: { path: /ready, port: 15021 } } }\n',
    );
  });
});
