// The node's CNI configuration, with the plugin chained in: the installer
// finds the configuration the runtime uses (the first file of the CNI config
// directory in lexical order, .conflist, .conf or .json, as containerd and
// CRI-O pick it), appends the plugin to its chain — after the primary network
// plugin and its helpers (portmap, bandwidth) — and takes it out again on
// uninstall. The primary's own entries are kept as they are. Pure: text in,
// text out.

import { isPlainObject } from '../model/kubernetes.js';

export const PLUGIN_TYPE = 'envoy-injector-cni';

const EXTENSIONS = ['.conflist', '.conf', '.json'];
/** A node's CNI configuration is a few KiB; a larger file is not one the plugin edits. */
const MAX_CONFLIST_BYTES = 1024 * 1024;

/** The file the runtime loads: the first in lexical order with a CNI extension. */
export function primaryConfigFile(names: readonly string[]): string | undefined {
  return [...names].sort().find((name) => !name.startsWith('.') && EXTENSIONS.some((ext) => name.endsWith(ext)));
}

export type Spliced = { ok: true; text: string; fileName: string; changed: boolean } | { ok: false; problem: string };

const isOurs = (plugin: unknown): boolean => isPlainObject(plugin) && plugin.type === PLUGIN_TYPE;

/** The configuration with `entry` last in its chain (replacing an older entry
 * of ours). A single-plugin .conf becomes a .conflist of it and the entry, as
 * chaining needs (the caller removes the .conf it replaces). */
export function splice(text: string, fileName: string, entry: Readonly<Record<string, unknown>>): Spliced {
  if (Buffer.byteLength(text) > MAX_CONFLIST_BYTES) return { ok: false, problem: `${fileName} is over ${MAX_CONFLIST_BYTES} bytes` };
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch {
    return { ok: false, problem: `${fileName} is not JSON: the runtime cannot load it either` };
  }
  if (!isPlainObject(config)) return { ok: false, problem: `${fileName} is not a JSON object` };
  const ours = { ...entry, type: PLUGIN_TYPE };
  if (Array.isArray(config.plugins)) {
    const kept: unknown[] = (config.plugins as unknown[]).filter((plugin) => !isOurs(plugin));
    const next = { ...config, plugins: [...kept, ours] };
    const nextText = `${JSON.stringify(next, null, 2)}\n`;
    return { ok: true, text: nextText, fileName, changed: JSON.stringify(next) !== JSON.stringify(config) };
  }
  if (typeof config.type !== 'string') return { ok: false, problem: `${fileName} has neither a plugins list nor a plugin type` };
  // A single plugin: its network-wide fields (cniVersion, name) move up to the list.
  const { cniVersion, name, ...plugin } = config;
  const list = { cniVersion: cniVersion ?? '0.3.1', name: name ?? 'k8s-pod-network', plugins: [plugin, ours] };
  const base = EXTENSIONS.reduce((current, ext) => (current.endsWith(ext) ? current.slice(0, -ext.length) : current), fileName);
  return { ok: true, text: `${JSON.stringify(list, null, 2)}\n`, fileName: `${base}.conflist`, changed: true };
}

/** The configuration without our entry; undefined when it has none (nothing to write). */
export function unsplice(text: string): string | undefined {
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isPlainObject(config) || !Array.isArray(config.plugins) || !config.plugins.some(isOurs)) return undefined;
  return `${JSON.stringify({ ...config, plugins: (config.plugins as unknown[]).filter((plugin) => !isOurs(plugin)) }, null, 2)}\n`;
}
