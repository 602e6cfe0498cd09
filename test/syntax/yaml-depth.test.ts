// The nesting measure that guards the YAML parser: it must never say less
// than the parser would nest (else a crafted text reaches the recursion it
// guards), and it must let every real routes annotation through.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isMap, isPair, isSeq, parseDocument, stringify } from 'yaml';
import { yamlNestingDepth } from '../../src/syntax/yaml-depth.js';

/** How deep the parser nests collections: the recursion the measure bounds. */
function parsedDepth(node: unknown): number {
  if (isPair(node)) return Math.max(parsedDepth(node.key), parsedDepth(node.value));
  if (isMap(node) || isSeq(node)) return 1 + Math.max(0, ...(node.items as unknown[]).map(parsedDepth));
  return 0;
}

const depthOf = (text: string): number => parsedDepth(parseDocument(text, { uniqueKeys: false }).contents);

describe('yamlNestingDepth', () => {
  it('counts block nesting that has no brackets at all', () => {
    assert.ok(yamlNestingDepth(`${'- '.repeat(1000)}x`) >= 1000);
    assert.ok(yamlNestingDepth(`${'? '.repeat(500)}x`) >= 500);
    const stairs = Array.from({ length: 100 }, (_, i) => `${' '.repeat(i)}a${i}:`).join('\n');
    assert.ok(yamlNestingDepth(stairs) >= 100);
    assert.ok(yamlNestingDepth('['.repeat(300)) >= 300);
    assert.ok(yamlNestingDepth(`a:\n${'  - '.repeat(1)}${'{b: '.repeat(80)}`) >= 80);
  });

  it('ignores brackets in quotes, comments and block scalars', () => {
    assert.equal(yamlNestingDepth(`a: "${'['.repeat(500)}"`), 2);
    assert.equal(yamlNestingDepth(`a: '${'{'.repeat(500)}'`), 2);
    assert.equal(yamlNestingDepth(`a: b # ${'['.repeat(500)}`), 2);
    assert.equal(yamlNestingDepth(`a: |\n  ${'['.repeat(500)}\n    - - - - deeper text\nb: c`), 2);
    assert.equal(yamlNestingDepth(`a: don't [x]`), 3);
  });

  it('lets the deepest real routes annotation through with room to spare', () => {
    const routes = `virtual_hosts:
- name: web
  domains: ["example.com"]
  routes:
  - match:
      prefix: /api
      headers:
      - name: x-canary
        string_match: { exact: "1" }
    route:
      weighted_clusters:
        clusters: [{ name: a, weight: 90 }, { name: b, weight: 10 }]
      retry_policy: { retry_on: "5xx", num_retries: 2 }
`;
    const depth = yamlNestingDepth(routes);
    assert.ok(depth >= depthOf(routes));
    assert.ok(depth <= 24, `${depth}`);
  });

  it('never says less than the parser nests (block, flow and mixed styles)', () => {
    const leaf = fc.oneof(fc.constant('x'), fc.constant('[a] # {'), fc.constant("it's"), fc.constant('a: b'), fc.integer(), fc.constant('line\nbreak'));
    const { tree } = fc.letrec<{ tree: unknown }>((tie) => ({
      tree: fc.oneof(
        { depthSize: 'medium', withCrossShrink: true },
        leaf,
        fc.array(tie('tree'), { maxLength: 3 }),
        fc.dictionary(fc.constantFrom('k', 'a b', '- x', '"q"', '? y'), tie('tree'), { maxKeys: 3 }),
      ),
    }));
    fc.assert(
      fc.property(tree, fc.integer({ min: 0, max: 12 }), fc.boolean(), (value, flowLevel, blockQuote) => {
        const text = stringify(value, { flowCollectionPadding: true, indentSeq: blockQuote, ...(flowLevel < 6 ? {} : { collectionStyle: 'flow' }) });
        const measured = yamlNestingDepth(text);
        const parsed = depthOf(text);
        assert.ok(measured >= parsed, `measured ${measured} < parsed ${parsed} for:\n${text}`);
      }),
      { numRuns: 500 },
    );
  });

  it('is linear: a megabyte of any shape is measured in one pass', () => {
    for (const text of ['- '.repeat(500_000), '['.repeat(1_000_000), `a: "${'\\"'.repeat(300_000)}"`, ' '.repeat(1_000_000), '#\n'.repeat(500_000)]) {
      assert.equal(typeof yamlNestingDepth(text), 'number');
    }
  });
});
