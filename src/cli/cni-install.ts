// `envoy-injector cni-install`: the node agent of the CNI mode, run by the
// manifests/cni DaemonSet with the node's CNI directories mounted. It keeps,
// every few seconds: the plugin and envoy-init's rules script in the CNI bin
// directory, a kubeconfig with the pod's (rotating) service-account token for
// the plugin, and the plugin chained last in the configuration the runtime
// loads (the primary CNI may rewrite that file: the plugin is spliced back).
// Ready (its ready file) once all three are in place. On SIGTERM it takes all
// of it out again, so an uninstall leaves the node as it found it.

import { chmodSync, existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify as stringifyYaml } from 'yaml';
import { primaryConfigFile, splice, unsplice } from '../cni/conflist.js';
import { parseFlags, single, UsageError } from './args.js';
import { COMMANDS } from './commands.js';

const PLUGIN_FILE = 'envoy-injector-cni';
const RULES_FILE = 'envoy-injector-rules';
const KUBECONFIG_FILE = 'envoy-injector-cni.kubeconfig';

interface Paths {
  binDir: string;
  confDir: string;
  /** The same directories as the host (and so the runtime, and the plugin) sees them. */
  hostBinDir: string;
  hostConfDir: string;
  plugin: string;
  rulesScript: string;
  tokenFile: string;
  caFile: string;
  server: string;
  readyFile: string;
  injectorNamespace: string;
  logLevel: string;
}

function log(message: string): void {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), msg: message })}\n`);
}

/** Writes through a temporary file and a rename: the runtime never reads half a file. */
function writeAtomically(file: string, content: string | Buffer, mode: number): void {
  const temporary = join(file, '..', `.${file.split('/').pop() ?? 'file'}.tmp`);
  writeFileSync(temporary, content, { mode });
  chmodSync(temporary, mode);
  renameSync(temporary, file);
}

function sameContent(file: string, content: Buffer): boolean {
  return existsSync(file) && readFileSync(file).equals(content);
}

function kubeconfig(paths: Paths): string {
  // The token rotates (kubelet renews it): read again at every pass.
  const token = readFileSync(paths.tokenFile, 'utf8').trim();
  const ca = readFileSync(paths.caFile).toString('base64');
  return stringifyYaml({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'local', cluster: { server: paths.server, 'certificate-authority-data': ca } }],
    users: [{ name: 'envoy-injector-cni', user: { token } }],
    contexts: [{ name: 'local', context: { cluster: 'local', user: 'envoy-injector-cni' } }],
    'current-context': 'local',
  });
}

/** One pass; what it changed, for the log. */
function reconcile(paths: Paths): string[] {
  const changed: string[] = [];
  for (const [source, name] of [
    [paths.plugin, PLUGIN_FILE],
    [paths.rulesScript, RULES_FILE],
  ] as const) {
    const content = readFileSync(source);
    const target = join(paths.binDir, name);
    if (!sameContent(target, content)) {
      writeAtomically(target, content, 0o755);
      changed.push(target);
    }
  }
  // The token rotates (kubelet renews it): the plugin's copy follows.
  const config = Buffer.from(kubeconfig(paths));
  const configFile = join(paths.confDir, KUBECONFIG_FILE);
  if (!sameContent(configFile, config)) {
    writeAtomically(configFile, config, 0o600);
    changed.push(configFile);
  }
  const primary = primaryConfigFile(readdirSync(paths.confDir));
  if (primary === undefined) throw new Error(`no CNI configuration in ${paths.confDir} yet: the primary CNI has not written one`);
  const entry = {
    name: PLUGIN_FILE,
    kubeconfig: join(paths.hostConfDir, KUBECONFIG_FILE),
    log_level: paths.logLevel,
    rules_script: join(paths.hostBinDir, RULES_FILE),
    injector_namespace: paths.injectorNamespace,
  };
  const result = splice(readFileSync(join(paths.confDir, primary), 'utf8'), primary, entry);
  if (!result.ok) throw new Error(result.problem);
  if (result.changed) {
    writeAtomically(join(paths.confDir, result.fileName), result.text, 0o644);
    // A single-plugin .conf chained as a .conflist: the .conf would still be loaded first.
    if (result.fileName !== primary) rmSync(join(paths.confDir, primary));
    changed.push(join(paths.confDir, result.fileName));
  }
  return changed;
}

function uninstall(paths: Paths): void {
  for (const name of readdirSync(paths.confDir)) {
    const file = join(paths.confDir, name);
    try {
      const restored = unsplice(readFileSync(file, 'utf8'));
      if (restored !== undefined) writeAtomically(file, restored, 0o644);
    } catch {
      // Not a file of ours to edit.
    }
  }
  for (const file of [join(paths.confDir, KUBECONFIG_FILE), join(paths.binDir, PLUGIN_FILE), join(paths.binDir, RULES_FILE), paths.readyFile])
    rmSync(file, { force: true });
  log('uninstalled: the plugin is out of the chain, its files removed');
}

export async function runCniInstall(argv: readonly string[]): Promise<string> {
  const flags = parseFlags(argv, COMMANDS['cni-install'].flags);
  const required = (name: string): string => {
    const value = single(flags, name);
    if (value === undefined) throw new UsageError(`--${name} is required`);
    return value;
  };
  const everyText = single(flags, 'check-every') ?? '5';
  const everySeconds = Number(everyText);
  if (!(Number.isFinite(everySeconds) && everySeconds > 0 && everySeconds <= 3600))
    throw new UsageError(`--check-every ${everyText} is not a number of seconds from more than 0 to 3600`);
  const host = process.env.KUBERNETES_SERVICE_HOST;
  const port = process.env.KUBERNETES_SERVICE_PORT ?? '443';
  const paths: Paths = {
    binDir: required('cni-bin-dir'),
    confDir: required('cni-conf-dir'),
    hostBinDir: single(flags, 'host-cni-bin-dir') ?? '/opt/cni/bin',
    hostConfDir: single(flags, 'host-cni-conf-dir') ?? '/etc/cni/net.d',
    plugin: required('plugin'),
    rulesScript: required('rules-script'),
    tokenFile: single(flags, 'token-file') ?? '/var/run/secrets/kubernetes.io/serviceaccount/token',
    caFile: single(flags, 'ca-file') ?? '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt',
    server: single(flags, 'api-server') ?? (host ? `https://${host.includes(':') ? `[${host}]` : host}:${port}` : ''),
    readyFile: single(flags, 'ready-file') ?? '/tmp/envoy-injector-cni-ready',
    injectorNamespace: single(flags, 'injector-namespace') ?? process.env.POD_NAMESPACE ?? 'envoy-injector',
    logLevel: single(flags, 'log-level') ?? 'info',
  };
  if (paths.server === '') throw new UsageError('--api-server is required outside a pod (no KUBERNETES_SERVICE_HOST)');
  let ready = false;
  const pass = (): void => {
    try {
      const changed = reconcile(paths);
      if (changed.length > 0) log(`installed: ${changed.join(', ')}`);
      if (!ready) {
        writeFileSync(paths.readyFile, 'ready\n');
        ready = true;
        log("ready: the plugin is chained in the node's CNI configuration");
      }
    } catch (error) {
      log(`not installed yet: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  pass();
  const timer = setInterval(pass, everySeconds * 1000);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      clearInterval(timer);
      uninstall(paths);
      resolve();
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  return '';
}
