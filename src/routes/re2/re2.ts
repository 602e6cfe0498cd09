// Google's RE2 itself, as WebAssembly (re2-wasm.ts, built by build.sh from the
// RE2 release Envoy pins), asked what Envoy asks when it loads a safe_regex
// (source/common/common/regex.cc, CompiledGoogleReMatcher): does RE2 compile
// it, with which error, and how large is its program. RE2JS, a port, answers
// the first two alike but measures programs differently, both ways (issue 21):
// only RE2's own ProgramSize() gives Envoy's verdict on its size limit.
//
// Pure for its callers: data in, data out. The module is instantiated once, on
// first use, from bytes held in memory; it imports nothing but three WASI
// calls that RE2 never makes here (it logs nothing: see shim/absl/log).

import { RE2_WASM_BASE64 } from './re2-wasm.js';

interface Re2Exports {
  memory: WebAssembly.Memory;
  _initialize: () => void;
  allocate: (size: number) => number;
  release: (pointer: number) => void;
  program_size: (pattern: number, length: number) => number;
  group_count: (pattern: number, length: number) => number;
  last_error_text: () => number;
  last_error_length: () => number;
}

export type Re2Verdict =
  /** RE2 compiles it: its program size and capturing groups. */
  | { ok: true; programSize: number; groups: number }
  /** RE2 refuses it, with RE2's own message (what Envoy reports). */
  | { ok: false; error: string };

/** RE2's error text names the part of the pattern it stopped at, which can be
 * the whole rest of a long pattern: cut, as every echo of input is. */
const ERROR_SHOWN = 200;

/** WASI's "bad file descriptor": the answer to the logging RE2 does not do. */
const EBADF = 8;

let module: WebAssembly.Module | undefined;
let instance: Re2Exports | undefined;

function instantiate(): Re2Exports {
  module ??= new WebAssembly.Module(Buffer.from(RE2_WASM_BASE64, 'base64'));
  const wasi: Record<string, () => number> = {};
  for (const { module: from, name } of WebAssembly.Module.imports(module)) {
    if (from === 'wasi_snapshot_preview1') wasi[name] = () => EBADF;
  }
  const exports = new WebAssembly.Instance(module, { wasi_snapshot_preview1: wasi }).exports as unknown as Re2Exports;
  exports._initialize();
  return exports;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function withPattern<T>(pattern: string, use: (re2: Re2Exports, pointer: number, length: number) => T): T {
  const re2 = (instance ??= instantiate());
  const bytes = encoder.encode(pattern);
  const pointer = re2.allocate(bytes.length);
  try {
    new Uint8Array(re2.memory.buffer, pointer, bytes.length).set(bytes);
    return use(re2, pointer, bytes.length);
  } catch (error) {
    // A trap (RE2 aborting, memory or stack exhausted) leaves the instance in
    // an unknown state: the next call starts a fresh one.
    instance = undefined;
    throw error;
  } finally {
    if (instance === re2) re2.release(pointer);
  }
}

function lastError(re2: Re2Exports): string {
  const text = decoder.decode(new Uint8Array(re2.memory.buffer, re2.last_error_text(), re2.last_error_length()));
  return text.length > ERROR_SHOWN ? `${text.slice(0, ERROR_SHOWN)}… (${text.length} characters)` : text;
}

/** What RE2 (as Envoy runs it: RE2::Quiet, default options) makes of a pattern. */
export function re2Compile(pattern: string): Re2Verdict {
  try {
    return withPattern(pattern, (re2, pointer, length) => {
      const programSize = re2.program_size(pointer, length);
      if (programSize < 0) return { ok: false, error: lastError(re2) };
      return { ok: true, programSize, groups: re2.group_count(pointer, length) };
    });
  } catch (error) {
    return { ok: false, error: `RE2 gave up on it (${(error as Error).message})` };
  }
}
