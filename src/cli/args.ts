// A small argv parser: `--flag value`, `--flag=value`, repeatable flags, and
// one clear error for anything unknown or missing.

export class UsageError extends Error {}

export interface FlagSpec {
  /** Takes a value (else a boolean switch). */
  value: boolean;
  repeatable?: boolean;
  short?: string;
  /** What the flag does, as --help prints it. */
  help: string;
  /** The value's name in help (FILE, NS, …). */
  placeholder?: string;
  /** What applies when the flag is absent, as --help prints it. */
  default?: string;
}

export type ParsedFlags = Map<string, string[]>;

export function parseFlags(argv: readonly string[], specs: Readonly<Record<string, FlagSpec>>): ParsedFlags {
  const flags: ParsedFlags = new Map();
  const byShort = new Map(Object.entries(specs).flatMap(([name, spec]) => (spec.short ? [[spec.short, name] as const] : [])));
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const match = /^(--?)([^=]+)(?:=(.*))?$/s.exec(arg);
    if (!match || arg === '-') throw new UsageError(`unexpected argument ${JSON.stringify(arg)}`);
    const [, dashes, key = '', inline] = match;
    const name = dashes === '-' ? byShort.get(key) : key;
    const spec = name === undefined ? undefined : specs[name];
    if (name === undefined || spec === undefined)
      throw new UsageError(
        `unknown flag ${arg.split('=')[0]} (--help lists the flags: ${Object.keys(specs)
          .map((k) => `--${k}`)
          .join(', ')})`,
      );
    let value = 'true';
    if (spec.value) {
      const next = inline ?? argv[++i];
      if (next === undefined) throw new UsageError(`--${name} needs a value`);
      value = next;
    } else if (inline !== undefined) {
      throw new UsageError(`--${name} takes no value`);
    }
    const values = flags.get(name) ?? [];
    if (values.length > 0 && !spec.repeatable) throw new UsageError(`--${name} is given twice`);
    flags.set(name, [...values, value]);
  }
  return flags;
}

export function single(flags: ParsedFlags, name: string): string | undefined {
  return flags.get(name)?.[0];
}

/** `-o text|json`, text when absent. */
export function outputFormat(flags: ParsedFlags): 'text' | 'json' {
  const output = single(flags, 'output') ?? 'text';
  if (output !== 'text' && output !== 'json') throw new UsageError(`-o must be text or json, got ${JSON.stringify(output)}`);
  return output;
}

/** "k=v" pairs of a repeatable flag, as a map. */
export function keyValues(flags: ParsedFlags, name: string): Record<string, string> | undefined {
  const pairs = flags.get(name);
  if (!pairs) return undefined;
  const map: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new UsageError(`--${name} wants key=value, got ${JSON.stringify(pair)}`);
    map[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return map;
}
