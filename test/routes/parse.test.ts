// One routes annotation read (routes/parse.ts): each bound at its limit and
// one past it, so a limit moved by one is seen; YAML keys unique; the
// reserved and duplicate names refused with where they are.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_ROUTES_ANNOTATION_BYTES, parseRoutesAnnotation } from '../../src/routes/parse.js';

const HOST = 'virtual_hosts:\n- name: web\n  domains: ["web"]\n  routes:\n  - match: { prefix: "/" }\n    route: { cluster: "web" }\n';

function problems(text: string): string[] {
  const parsed = parseRoutesAnnotation(text);
  return parsed.ok ? [] : parsed.problems.map((p) => (p.field === '' ? p.message : `${p.field}: ${p.message}`));
}

/** `count` routes matching by regex, each its own regex. */
function withRegexes(count: number): string {
  const routes = Array.from({ length: count }, (_, i) => `  - match: { safe_regex: { regex: "/r${i}" } }\n    route: { cluster: "web" }\n`).join('');
  return `virtual_hosts:\n- name: web\n  domains: ["web"]\n  routes:\n${routes}`;
}

describe('parseRoutesAnnotation bounds', () => {
  it(`reads a value of exactly ${MAX_ROUTES_ANNOTATION_BYTES} bytes, and refuses one more`, () => {
    const padded = (bytes: number): string => `${HOST}#${'x'.repeat(bytes - HOST.length - 2)}\n`;
    assert.equal(Buffer.byteLength(padded(MAX_ROUTES_ANNOTATION_BYTES)), MAX_ROUTES_ANNOTATION_BYTES);
    assert.deepEqual(problems(padded(MAX_ROUTES_ANNOTATION_BYTES)), []);
    assert.deepEqual(problems(padded(MAX_ROUTES_ANNOTATION_BYTES + 1)), [
      `is ${MAX_ROUTES_ANNOTATION_BYTES + 1} bytes, above the limit of ${MAX_ROUTES_ANNOTATION_BYTES}: split the routes between the namespace default and the pod, or simplify them`,
    ]);
  });

  it('counts bytes, not characters', () => {
    const text = `${HOST}#${'é'.repeat(MAX_ROUTES_ANNOTATION_BYTES / 2)}\n`;
    assert.match(problems(text)[0] ?? '', /^is \d+ bytes, above the limit/);
  });

  it('parses 64 levels of nesting (as measured), and refuses 65 before parsing', () => {
    const nested = (brackets: number): string => `${'['.repeat(brackets)}${']'.repeat(brackets)}`;
    assert.ok(!(problems(nested(62))[0] ?? '').startsWith('nests'), 'parsed, then refused by the schema only');
    assert.deepEqual(problems(nested(63)), [
      'nests 65 levels deep (brackets, "- " and indentation), over the limit of 64: the route language needs fewer than 20',
    ]);
  });

  it('compiles 64 regexes, and refuses 65 before compiling any', () => {
    assert.deepEqual(problems(withRegexes(64)), []);
    assert.deepEqual(problems(withRegexes(65)), [
      'has 65 regexes, over the limit of 64: each is compiled to check it for Envoy; match by prefix or path where you can',
    ]);
  });

  it('counts regexes wherever they stand, and only "regex" strings', () => {
    const header = '{ name: "x-a", string_match: { safe_regex: { regex: "a" } } }';
    const routes = Array.from(
      { length: 33 },
      (_, i) => `  - match: { safe_regex: { regex: "/r${i}" }, headers: [${header}] }\n    route: { cluster: "web" }\n`,
    ).join('');
    const text = `virtual_hosts:\n- name: web\n  domains: ["web"]\n  routes:\n${routes}`;
    assert.match(problems(text)[0] ?? '', /^has 66 regexes/);
    // A name that says regex is no regex.
    const named = `virtual_hosts:\n- name: regex\n  domains: ["regex"]\n  routes:\n  - name: regex\n    match: { prefix: "/" }\n    route: { cluster: "web" }\n`;
    assert.deepEqual(problems(named), []);
  });
});

describe('parseRoutesAnnotation content', () => {
  it('refuses a key written twice', () => {
    assert.match(problems(`${HOST}virtual_hosts: []\n`)[0] ?? '', /^is neither valid YAML nor JSON: Map keys must be unique/);
  });

  it('says where YAML breaks, on one line', () => {
    const [problem] = problems('virtual_hosts: [\n');
    assert.match(problem ?? '', /^is neither valid YAML nor JSON: /);
    assert.ok(!(problem ?? '').includes('\n'));
  });

  it('refuses the injector’s own virtual host name', () => {
    assert.deepEqual(problems(HOST.replace('name: web', 'name: passthrough')), [
      'virtual_hosts[0].name: "passthrough" is reserved for the injector\'s default virtual host: choose another name',
    ]);
  });

  it('refuses a domain two virtual hosts share, in any case', () => {
    const second = HOST.replace('virtual_hosts:\n', '').replace('name: web', 'name: other').replace('["web"]', '["WEB"]');
    const found = problems(HOST + second);
    assert.equal(found.length, 1);
    assert.match(found[0] ?? '', /^virtual_hosts\[1\]\.domains\[0\]: /);
  });

  it('gives the same answer for the same text, read again', () => {
    assert.deepEqual(parseRoutesAnnotation(HOST), parseRoutesAnnotation(HOST));
    assert.equal(problems(HOST).length, 0);
  });
});
