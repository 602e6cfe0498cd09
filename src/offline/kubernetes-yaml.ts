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

import { Document, isMap, isSeq, parseAllDocuments, type DocumentOptions, type ParseOptions, type SchemaOptions } from 'yaml';
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

export function parseKubernetesYaml(text: string): Document.Parsed[] {
  const documents = parseAllDocuments(text, KUBERNETES_YAML);
  return Array.isArray(documents) ? documents : [];
}

export type Segment = string | number;

/** RFC 6901 pointer to segments; numbers index sequences. */
function segmentsOf(pointer: string): Segment[] {
  return pointer
    .split('/')
    .slice(1)
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((part) => (/^(0|[1-9][0-9]*)$/.test(part) ? Number(part) : part));
}

/** Applies a JSON Patch, relative to `base`, to the parsed document. */
export function patchDocument(document: Document.Parsed, base: readonly Segment[], operations: readonly PatchOperation[]): void {
  for (const operation of operations) {
    const path = [...base, ...segmentsOf(operation.path)];
    if (operation.op === 'remove') {
      document.deleteIn(path);
      continue;
    }
    const node = document.createNode(operation.value);
    const parent: unknown = document.getIn(path.slice(0, -1), true);
    const last = path.at(-1);
    if (operation.op === 'add' && isSeq(parent) && typeof last === 'number') parent.items.splice(last, 0, node);
    else if (isMap(parent) || isSeq(parent)) parent.set(last, node);
    else document.setIn(path, node);
  }
}

/** The original text with only this document's contents written anew. */
export function replaceContents(text: string, document: Document.Parsed, options: { lineWidth: number }): string {
  const contents = document.contents;
  if (!contents?.range) return text;
  const [start, , end] = contents.range;
  const alone = new Document(null, KUBERNETES_YAML);
  alone.contents = contents;
  let body = alone.toString(options);
  // Comments just above the contents are in the text already: the writer
  // puts them at the body's start, so they are written once, where they were.
  const leading = /^(?:#[^\n]*\n)+/.exec(body)?.[0];
  if (leading && endsWithLines(text.slice(0, start), leading)) body = body.slice(leading.length);
  const original = text.slice(start, end);
  // Keep the original's line ending at the end of the contents.
  const fitted = original.endsWith('\n') ? body : body.replace(/\n$/, '');
  return text.slice(0, start) + fitted + text.slice(end);
}

function endsWithLines(text: string, lines: string): boolean {
  const wanted = lines
    .trimEnd()
    .split('\n')
    .map((line) => line.trim());
  const have = text
    .trimEnd()
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  return wanted.length <= have.length && wanted.every((line, i) => have[have.length - wanted.length + i] === line);
}
