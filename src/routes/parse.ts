// One envoy-injector.io/routes value (the pod's or its namespace's): bounded in
// size, parsed as YAML or JSON, checked against the route language, and its
// virtual host names and domains checked for duplicates.

import { parse as parseYaml, YAMLParseError } from 'yaml';
import { PASSTHROUGH_VIRTUAL_HOST } from '../envoy/route-config.js';
import type { JsonObject } from '../model/json.js';
import { failed, ProblemList, type Result } from '../model/result.js';
import type { ClusterSettingsInput } from './cluster-settings.js';
import { ROUTE_OVERRIDES_SPEC } from './language.js';
import { check, type FieldProblem } from './schema.js';
import { quote } from '../syntax/quote.js';
import { BoundedCache, deepFreeze, heapBytesOf } from '../model/memo.js';
import { MEMO_BYTES } from '../model/limits.js';
import { yamlNestingDepth } from '../syntax/yaml-depth.js';
import { firstLine } from '../syntax/first-line.js';

/** Bigger than any hand-written routing table; small enough that the rendered
 * files stay far below the 256 KiB the API server allows for all annotations. */
export const MAX_ROUTES_ANNOTATION_BYTES = 32 * 1024;

/** The YAML parser recurses once per level of nesting, of any kind: a few
 * thousand levels abort the process. The route language needs fewer than 20
 * as measured (yamlNestingDepth errs high). */
const MAX_NESTING_DEPTH = 64;

/** Regexes compiled to check one annotation: far above a real routing table
 * (prefix and path matches are the rule), and what bounds the compile work. */
const MAX_REGEXES = 64;

/** How many `regex` strings the document holds, wherever they stand (the
 * schema check compiles each). Iterative; the depth was bounded before parsing. */
function regexCount(document: unknown): number {
  let count = 0;
  const pending: unknown[] = [document];
  while (pending.length > 0) {
    const value = pending.pop();
    if (typeof value !== 'object' || value === null) continue;
    for (const [key, item] of Object.entries(value)) {
      if (key === 'regex' && typeof item === 'string') count++;
      else pending.push(item);
    }
  }
  return count;
}

/** A virtual host as the user wrote it, after the schema check. */
export interface VirtualHostInput {
  name: string;
  domains: string[];
  routes: JsonObject[];
}

/** One routes annotation, after the schema check. */
export interface RoutesDocument {
  hosts: VirtualHostInput[];
  clusters: ClusterSettingsInput[];
}

/** A namespace's default routes, and the routes of a workload's pods, are the
 * same text review after review: each distinct text is parsed once. The
 * result is never changed by its users; the cache is bounded, oldest out. */
const PARSED = new BoundedCache<Result<RoutesDocument, FieldProblem>>(256, MEMO_BYTES.parsedRoutes);

export function parseRoutesAnnotation(value: string): Result<RoutesDocument, FieldProblem> {
  const found = PARSED.get(value);
  if (found) return found;
  const parsed = deepFreeze(parseUncached(value));
  return PARSED.set(value, parsed, heapBytesOf(parsed));
}

function parseUncached(value: string): Result<RoutesDocument, FieldProblem> {
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > MAX_ROUTES_ANNOTATION_BYTES) {
    return failed({
      field: '',
      message: `is ${bytes} bytes, above the limit of ${MAX_ROUTES_ANNOTATION_BYTES}: split the routes between the namespace default and the pod, or simplify them`,
    });
  }
  const depth = yamlNestingDepth(value);
  if (depth > MAX_NESTING_DEPTH) {
    return failed({
      field: '',
      message: `nests ${depth} levels deep (brackets, "- " and indentation), over the limit of ${MAX_NESTING_DEPTH}: the route language needs fewer than 20`,
    });
  }
  let document: unknown;
  try {
    document = parseYaml(value, { prettyErrors: true, uniqueKeys: true });
  } catch (error) {
    const message = error instanceof YAMLParseError ? firstLine(error.message) : String(error);
    return failed({ field: '', message: `is neither valid YAML nor JSON: ${message}` });
  }
  const regexes = regexCount(document);
  if (regexes > MAX_REGEXES) {
    return failed({
      field: '',
      message: `has ${regexes} regexes, over the limit of ${MAX_REGEXES}: each is compiled to check it for Envoy; match by prefix or path where you can`,
    });
  }
  const problems = new ProblemList<FieldProblem>();
  check(document, ROUTE_OVERRIDES_SPEC, '', problems);
  if (!problems.isEmpty()) return failed(...problems.all());
  const { virtual_hosts: hosts = [], clusters = [] } = document as { virtual_hosts?: VirtualHostInput[]; clusters?: ClusterSettingsInput[] };
  hosts.forEach((host, index) => {
    if (host.name === PASSTHROUGH_VIRTUAL_HOST.name)
      problems.add({
        field: `virtual_hosts[${index}].name`,
        message: `${quote(host.name)} is reserved for the injector's default virtual host: choose another name`,
      });
  });
  problems.add(...duplicateVirtualHostProblems(hosts));
  return problems.result({ hosts, clusters });
}

/** Envoy refuses a route configuration with two virtual hosts of one name or
 * one domain twice, in any case (RouteMatcher and VirtualHostImpl,
 * source/common/router/config_impl.cc: "Only unique values for domains are
 * permitted"): say which entry already has it. */
export function duplicateVirtualHostProblems(hosts: ReadonlyArray<{ name: string; domains: readonly string[] }>): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const seenNames = new Map<string, number>();
  const seenDomains = new Map<string, number>();
  hosts.forEach((host, index) => {
    const path = `virtual_hosts[${index}]`;
    const sameName = seenNames.get(host.name);
    if (sameName !== undefined)
      problems.push({ field: `${path}.name`, message: `${quote(host.name)} is already the name of virtual_hosts[${sameName}]: names must be unique` });
    seenNames.set(host.name, index);
    host.domains.forEach((domain, domainIndex) => {
      const key = domain.toLowerCase();
      const owner = seenDomains.get(key);
      if (owner !== undefined) {
        problems.push({
          field: `${path}.domains[${domainIndex}]`,
          message: `${quote(domain)} is already a domain of virtual_hosts[${owner}]: each domain may appear once across all virtual hosts`,
        });
      }
      seenDomains.set(key, index);
    });
  });
  return problems;
}
