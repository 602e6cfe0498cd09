// Envoy's verdict on a safe_regex comes from C++ RE2 (source/common/common/regex.cc,
// CompiledGoogleReMatcher::CompiledGoogleReMatcher: `RE2(regex, RE2::Quiet)`,
// refused with `regex_.error()` when !ok(), then `regex_.ProgramSize()` against
// re2.max_program_size.error_level, 100 by default). src/routes/re2 runs RE2
// 2024-07-02 itself as WebAssembly. The sizes below were also measured with the
// native C++ libre2 (Debian's 2022-06-01 build; it gives 3 less for \p{L}, whose
// Unicode table grew since, and the same for the rest) — and differ from RE2JS's,
// which the webhook used before (issue 21: 132 for the {1,64} case, 14 for \p{L}+).

import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { re2Compile } from '../../src/routes/re2/re2.js';
import { parseRoutesAnnotation } from '../../src/routes/parse.js';

const sizes: Array<[pattern: string, programSize: number]> = [
  ['^/api/v[0-9]+/.*', 15],
  ['(?i)^/admin', 4],
  ['^/(foo|bar|baz)/[0-9]+$', 16],
  ['^/[a-z0-9-]{1,64}$', 259],
  ['^/search/\\p{L}+$', 1201],
  ['word0|word1|word2|word3|word4|word5|word6|word7|word8|word9|word10|word11|word12|word13|word14|word15', 11],
  [Array.from({ length: 20 }, (_, i) => `/s${i}x${i * 7}`).join('|'), 90],
  [`^/${'(a|b)'.repeat(32)}$`, 100],
  [`^/${'(a|b)'.repeat(32)}x$`, 101],
];

describe('RE2 itself, as Envoy asks it', () => {
  for (const [pattern, programSize] of sizes) {
    it(`program size of ${pattern.slice(0, 40)}${pattern.length > 40 ? '…' : ''} is ${programSize}`, () => {
      const verdict = re2Compile(pattern);
      assert.ok(verdict.ok);
      assert.equal(verdict.programSize, programSize);
    });
  }

  it("refuses with RE2's own words, which Envoy reports", () => {
    assert.deepEqual(re2Compile('^/(?=a)'), { ok: false, error: 'invalid perl operator: (?=' });
    assert.deepEqual(re2Compile('('), { ok: false, error: 'missing ): (' });
    assert.deepEqual(re2Compile('a{1001}'), { ok: false, error: 'invalid repetition size: {1001}' });
    assert.deepEqual(re2Compile('\\1'), { ok: false, error: 'invalid escape sequence: \\1' });
  });

  it('counts capturing groups as RE2 does (named and unnamed, not (?:...))', () => {
    assert.deepEqual(re2Compile('^/(a)(?P<b>b)(?:c)$'), { ok: true, programSize: 11, groups: 2 });
  });

  it('cuts an error that names a long pattern, and keeps answering', () => {
    const verdict = re2Compile(`${'x'.repeat(5000)}(`);
    assert.ok(!verdict.ok);
    assert.match(verdict.error, /^missing \): x{180,}… \(5012 characters\)$/);
    assert.ok(verdict.error.length < 250);
    assert.equal(re2Compile('^/a$').ok, true);
  });

  it('answers the patterns that cost RE2 the most, and stays usable', () => {
    // RE2's own bounds (repetition ≤ 1000, nesting, max_mem 8 MiB) refuse or
    // bound these; nothing reaches past the WebAssembly module's memory.
    const costly = [
      '((((((((((a{1000}){1000}){1000}){1000}){1000}){1000}){1000}){1000}){1000}){1000})',
      '(a{1000}){1000}',
      '('.repeat(2000) + ')'.repeat(2000),
      '[\\x{0}-\\x{10FFFF}]{1000}',
      '\\p{L}{1000}',
    ];
    for (const pattern of costly) {
      const verdict = re2Compile(pattern);
      assert.ok(!verdict.ok || verdict.programSize > 100, pattern.slice(0, 30));
    }
    for (let i = 0; i < 200; i++) assert.equal(re2Compile(`^/v${i}/[a-z]+$`).ok, true);
  });

  it('is what the route language refuses and admits at the limit', () => {
    const at = (regex: string) =>
      parseRoutesAnnotation(
        JSON.stringify({ virtual_hosts: [{ name: 'h', domains: ['*'], routes: [{ match: { safe_regex: { regex } }, route: { cluster: 'svc' } }] }] }),
      );
    assert.equal(at(`^/${'(a|b)'.repeat(32)}$`).ok, true);
    const refused = at('^/search/\\p{L}+$');
    assert.ok(!refused.ok);
    assert.match(refused.problems[0]?.message ?? '', /RE2 program size of 1201 > max program size of 100/);
    // RE2JS gave 107 here and refused a regex Envoy loads.
    assert.equal(at(Array.from({ length: 20 }, (_, i) => `/s${i}x${i * 7}`).join('|')).ok, true);
  });
});
