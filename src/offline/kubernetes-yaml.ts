// YAML as Kubernetes reads it, and edits that keep the author's text.
//
// kubectl, kube-apiserver, Argo CD and Flux read manifests with go-yaml v2,
// which is YAML 1.1: `no`, `on`, `y` are booleans, `0755` is octal. Reading
// with YAML 1.2 would change what a manifest means (Argo CD's `- "no"` written
// back as `- no`, a `defaultMode: 0400` written back as decimal 400). go-yaml
// v2 gives timestamps and sexagesimal numbers to untyped fields as strings, so
// those tags are left out.
//
// An injected document is edited, not rewritten: the patch that injection
// produced is applied to the parsed document, and only the document's
// contents are serialized again, so every other byte (separators, header and
// trailing comments) stays, untouched scalars keep their style, comments stay
// on their nodes, and new strings that YAML 1.1 would read as something else
// are quoted.

import { Composer, CST, Document, isSeq, Lexer, LineCounter, Parser, type DocumentOptions, type ParseOptions, type SchemaOptions } from 'yaml';
import type { PatchOperation } from '../model/json-patch.js';

type Tags = Exclude<SchemaOptions['customTags'], undefined | null>;

/** The YAML 1.1 tags go-yaml v2 does not apply to untyped values. */
const withoutGoYamlV2Absentees = ((tags: Array<string | { tag?: string; format?: string }>) =>
  tags.filter((tag) => typeof tag === 'string' || !(tag.format === 'TIME' || tag.tag === 'tag:yaml.org,2002:timestamp'))) as unknown as Tags;

export const KUBERNETES_YAML: ParseOptions & DocumentOptions & SchemaOptions = {
  version: '1.1',
  uniqueKeys: true,
  customTags: withoutGoYamlV2Absentees,
};

/** The yaml package's Lexer, where it is replaced below (private in its types). */
interface LexerInternals {
  buffer: string;
  continueScalar(offset: number): number;
  parseQuotedScalar(): Generator<string, string>;
}

/**
 * The yaml package's lexer, reading quoted scalars as go-yaml v2 (libyaml)
 * does. A multi-line quoted scalar's continuation lines may sit at any
 * indentation, the parent's or less (`annotations: '[` … `  ]'` closing at the
 * key's column is common in manifests of the pre-1.6 init-container era and
 * in Argo Workflows examples); only a document marker (`---` or `...` at the
 * start of a line) ends one early. The yaml package wants them indented past
 * the parent, reports "Missing closing quote" where the quote is, and would
 * refuse files that kubectl applies.
 */
function libyamlLexer(): Lexer {
  const lexer = new Lexer();
  const internals = lexer as unknown as LexerInternals;
  // Stryker disable all: equivalent, a guard against another version of the yaml package
  if (typeof internals.continueScalar !== 'function' || typeof internals.parseQuotedScalar !== 'function') {
    throw new Error('the yaml package changed: its Lexer has no continueScalar/parseQuotedScalar to read quoted scalars as Kubernetes does');
  }
  // Stryker restore all
  const continueBlockScalar = internals.continueScalar.bind(lexer);
  const parseQuotedScalar = internals.parseQuotedScalar.bind(lexer);
  let inQuotedScalar = false;
  internals.continueScalar = (offset) => (inQuotedScalar ? continueQuotedScalar(internals.buffer, offset) : continueBlockScalar(offset));
  internals.parseQuotedScalar = function* () {
    inQuotedScalar = true;
    try {
      return yield* parseQuotedScalar();
    } finally {
      inQuotedScalar = false;
    }
  };
  return lexer;
}

/** Whether a quoted scalar's text ends with its closing quote: `"` after an
 * even number of backslashes, or `'` ending an odd run of them (`''` is an
 * escaped quote). */
function isClosed(scalar: string): boolean {
  const quote = scalar[0];
  const body = scalar.slice(1);
  if (!body.endsWith(quote ?? '')) return false;
  // The characters just before the last: backslashes for `"`, quotes for `'`.
  const escape = quote === '"' ? '\\' : "'";
  let run = 0;
  for (let i = body.length - 2; i >= 0 && body[i] === escape; i--) run++;
  return run % 2 === 0;
}

/** Where a quoted scalar's next line goes on (its start), or -1 at a document marker. */
function continueQuotedScalar(buffer: string, offset: number): number {
  const marker = buffer.slice(offset, offset + 3);
  const after = buffer[offset + 3];
  if ((marker === '---' || marker === '...') && (after === undefined || after === ' ' || after === '\t' || after === '\n' || after === '\r')) return -1;
  return offset;
}

const CONTROL_LEXEMES = new Set([CST.DOCUMENT, CST.FLOW_END, CST.SCALAR]);

/** Every document of `text`, read as Kubernetes reads it; each error's
 * message ends with its line and column. */
export function parseKubernetesYaml(text: string): Document.Parsed[] {
  const lines = new LineCounter();
  // Parser.parse() counts the first line itself; fed lexeme by lexeme, it does not.
  lines.addNewLine(0);
  const parser = new Parser(lines.addNewLine);
  const lexer = libyamlLexer();
  /** Where each quoted scalar that found no closing quote opened. */
  const unclosedQuotes: number[] = [];
  function* tokens(): Generator<CST.Token> {
    let offset = 0;
    for (const lexeme of lexer.lex(text)) {
      if ((lexeme.startsWith('"') || lexeme.startsWith("'")) && !isClosed(lexeme)) unclosedQuotes.push(offset);
      // The lexer's control lexemes (document start, flow end, scalar) are not in the text.
      if (!CONTROL_LEXEMES.has(lexeme)) offset += lexeme.length;
      yield* parser.next(lexeme);
    }
    yield* parser.end();
  }
  const documents: Document.Parsed[] = [...new Composer(KUBERNETES_YAML).compose(tokens())];
  for (const document of documents) {
    for (const problem of [...document.errors, ...document.warnings]) {
      if (problem.pos[0] === -1) continue;
      // The yaml package places a missing closing quote at the end of the
      // input; the line to fix is where the string opened.
      const opened = problem.code === 'MISSING_CHAR' && problem.message.startsWith('Missing closing') ? unclosedQuotes.shift() : undefined;
      const { line, col } = lines.linePos(opened ?? problem.pos[0]);
      problem.message += opened === undefined ? ` at line ${line}, column ${col}` : ` for the string opened at line ${line}, column ${col}`;
    }
  }
  return documents;
}

export type Segment = string | number;

/** RFC 6901 pointer to segments. Each stays a string: the yaml package reads
 * "1" as an index in a sequence, and a map key "10" must stay the string it
 * is (written back as `10:` it would be a number). */
function segmentsOf(pointer: string): string[] {
  return pointer
    .split('/')
    .slice(1)
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** Applies a JSON Patch, relative to `base`, to the parsed document. */
export function patchDocument(document: Document.Parsed, base: readonly Segment[], operations: readonly PatchOperation[]): void {
  for (const operation of operations) {
    const path = [...base, ...segmentsOf(operation.path)];
    if (operation.op === 'remove') {
      document.deleteIn(path);
      continue;
    }
    // The proxy's probes share one object: written twice, not as an anchor
    // and an alias the input never had.
    const node = document.createNode(operation.value, { aliasDuplicateObjects: false });
    const parent: unknown = document.getIn(path.slice(0, -1));
    const last = String(path.at(-1));
    // `add` at a sequence index (RFC 6901's array-index) inserts (RFC 6902 §4.1); anything else sets.
    if (operation.op === 'add' && isSeq(parent) && /^(0|[1-9][0-9]*)$/.test(last)) parent.items.splice(Number(last), 0, node);
    else document.setIn(path, node);
  }
}

/** The original text with only this document's contents written anew. */
export function replaceContents(text: string, document: Document.Parsed, options: { lineWidth: number }): string {
  const contents = document.contents;
  // Stryker disable next-line ConditionalExpression,OptionalChaining: equivalent, an injected document has contents
  if (!contents?.range) return text;
  const [start, , end] = contents.range;
  const alone = new Document(null, KUBERNETES_YAML);
  alone.contents = contents;
  let body = alone.toString(options);
  // Comments just above the contents are in the text already: the writer
  // puts them at the body's start, so they are written once, where they were.
  const leading = /^(?:[ \t]*(?:#[^\n]*)?\n)+/.exec(body)?.[0];
  if (leading && endsWithLines(text.slice(0, start).replaceAll('\r\n', '\n'), leading)) body = body.slice(leading.length);
  const original = text.slice(start, end);
  // The writer ends lines with \n: a document written with \r\n keeps them.
  if (original.includes('\r\n')) body = body.replace(/\r?\n/g, '\r\n');
  // Keep the original's line ending at the end of the contents.
  const fitted = /\r?\n$/.test(original) ? body : body.replace(/\r?\n$/, '');
  return text.slice(0, start) + fitted + text.slice(end);
}

function endsWithLines(text: string, lines: string): boolean {
  // Compared line by line, blank lines and indentation aside.
  const nonBlank = (block: string): string[] =>
    block
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '');
  const wanted = nonBlank(lines);
  const have = nonBlank(text);
  return wanted.length <= have.length && wanted.every((line, i) => have[have.length - wanted.length + i] === line);
}
