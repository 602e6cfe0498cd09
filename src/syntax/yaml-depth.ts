// How deeply a YAML text can make a parser recurse, measured in one linear
// pass before it is parsed. The `yaml` package composes nodes recursively:
// a few thousand levels exhaust the stack (and, at its very end, V8's regexp
// compiler, which aborts the process rather than throwing). Every kind of
// nesting counts: flow collections ("[[[["), block sequences and mappings on
// one line ("- - - x", "? ? x") and by indentation. The measure errs high,
// never low: a value within the limit here nests at most that deep when
// parsed (a property test holds it to the parser).

/** What one line opens before its content: "- " and "? " (and ": " of an
 * explicit key's value) each start a node one level deeper. */
const INLINE_INDICATORS = new Set(['-', '?', ':']);

/** Where a quote can open a scalar (after these, or at a line's start): an
 * apostrophe inside a word ("don't") opens nothing. */
const SCALAR_STARTS = new Set(['\n', ':', '-', '[', '{', ',', '?']);

/** A block scalar header ("|", ">-", "|2+") ends its line: the lines indented
 * deeper than its node are text, whatever they look like. */
const BLOCK_SCALAR_HEADER = /(?:^|[\s:-])[|>][0-9+-]{0,2}$/;

interface Column {
  indent: number;
  /** How deep a line at this column starts. */
  base: number;
  /** How deep the last line at this column went: its children start below. */
  last: number;
}

interface LineState {
  /** The columns of the enclosing block lines, innermost last. */
  columns: Column[];
  /** In a block scalar: the column of the node that opened it. */
  blockScalarOf: number | undefined;
}

/** The deepest nesting `text` can produce, or more. */
export function yamlNestingDepth(text: string): number {
  const state: LineState = { columns: [], blockScalarOf: undefined };
  let flow = 0;
  let deepest = 0;
  let quote: '"' | "'" | undefined;
  // The last character that was not a space: decides whether a quote opens a scalar.
  let previous = '\n';
  let lineStart = true;
  let lineDepth = 0;
  let i = 0;
  while (i < text.length) {
    if (lineStart && flow === 0) {
      const line = blockLine(text, i, state);
      if (line.skipTo !== undefined) {
        i = line.skipTo;
        continue;
      }
      lineDepth = line.depth;
      deepest = Math.max(deepest, lineDepth);
      i = line.contentStart;
      // After an indicator (or none), a quote may open a scalar.
      previous = line.indicators > 0 ? '-' : '\n';
    }
    lineStart = false;
    const c = text.charAt(i);
    i++;
    if (quote !== undefined) {
      if (quote === '"' && c === '\\') i++;
      else if (c === quote) {
        quote = undefined;
        previous = c;
      }
      continue;
    }
    if (c === '#' && (i === 1 || isSpace(text.charAt(i - 2)) || text.charAt(i - 2) === '\n')) {
      // A comment runs to the end of its line.
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end;
      continue;
    }
    if ((c === '"' || c === "'") && SCALAR_STARTS.has(previous)) quote = c;
    else if (c === '[' || c === '{') deepest = Math.max(deepest, lineDepth + ++flow);
    else if ((c === ']' || c === '}') && flow > 0) flow--;
    if (c === '\n') lineStart = true;
    if (c === '\n' || !isSpace(c)) previous = c;
  }
  return deepest;
}

function isSpace(c: string): boolean {
  return c === ' ' || c === '\t';
}

interface BlockLine {
  /** Set when the line holds no structure (blank, a comment, block scalar text). */
  skipTo?: number;
  /** Where scanning goes on: after the indentation and the line's indicators. */
  contentStart: number;
  depth: number;
  indicators: number;
}

/** A line at block level: its indentation against the enclosing lines, and
 * the indicators that open nodes on it. A line indented deeper than the last
 * one nests below all that line opened; a mapping and a sequence may share a
 * column ("a:\n- b"), so each new column counts for two levels. */
function blockLine(text: string, start: number, state: LineState): BlockLine {
  let end = text.indexOf('\n', start);
  if (end < 0) end = text.length;
  let at = start;
  while (at < end && text.charAt(at) === ' ') at++;
  const indent = at - start;
  const first = text.charAt(at);
  if (at >= end || first === '#' || first === '\r') return { skipTo: end + 1, contentStart: at, depth: 0, indicators: 0 };
  if (state.blockScalarOf !== undefined) {
    if (indent > state.blockScalarOf) return { skipTo: end + 1, contentStart: at, depth: 0, indicators: 0 };
    state.blockScalarOf = undefined;
  }
  const { columns } = state;
  while ((columns.at(-1)?.indent ?? -1) > indent) columns.pop();
  let column = columns.at(-1);
  if (column?.indent !== indent) {
    const base = (column?.last ?? 0) + 2;
    column = { indent, base, last: base };
    columns.push(column);
  }
  let indicators = 0;
  while (INLINE_INDICATORS.has(text.charAt(at)) && (at + 1 >= end || isSpace(text.charAt(at + 1)))) {
    indicators++;
    at++;
    while (at < end && isSpace(text.charAt(at))) at++;
  }
  // The text belongs to the node after the indicators ("- k: |" at column 0
  // is the mapping's at column 2): lines deeper than its column are text.
  if (BLOCK_SCALAR_HEADER.test(withoutComment(text.slice(at, end)).trimEnd())) state.blockScalarOf = at - start;
  column.last = column.base + indicators;
  return { contentStart: at, depth: column.last, indicators };
}

/** The line without a trailing " # comment" (quotes aside: a header line
 * holds no quoted text before its indicator). */
function withoutComment(line: string): string {
  const hash = line.search(/\s#/);
  return hash < 0 ? line : line.slice(0, hash);
}
