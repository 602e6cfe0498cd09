// The chained CNI plugin's decisions (CNI spec 1.0.0, and the 0.3/0.4 versions
// runtimes still send): what a runtime's call asks, whether the pod it
// concerns gets capture rules (a pod injected in cni mode), with which
// arguments (its envoy-validate container's: envoy-init's own, so the rules
// are the same as init mode's, from the same script), and the answers — the
// previous plugin's result passed on unchanged, or a CNI error. Pure: the
// environment, the network configuration and the pod in, the action out; the
// command (cli/cni.ts) reads the API server and runs the script.

import { isPlainObject, type Pod } from '../model/kubernetes.js';
import { ANNOTATION, SYSTEM_NAMESPACES, VALIDATE_CONTAINER } from '../model/names.js';
import { parseStatus, statusCaptureMode } from '../inject/status.js';
import { quote } from '../syntax/quote.js';

export const CNI_VERSION = '1.0.0';
export const SUPPORTED_VERSIONS = ['0.3.0', '0.3.1', '0.4.0', '1.0.0'] as const;

/** The CNI spec's well-known error codes (SPEC.md, "Error"). */
export const CNI_ERROR = {
  incompatibleVersion: 1,
  unsupportedField: 2,
  invalidEnvironment: 4,
  ioFailure: 5,
  decodeFailure: 6,
  invalidConfig: 7,
  tryAgainLater: 11,
  /** Ours (plugin-specific codes start at 100): CHECK found the pod's capture rules gone. */
  rulesMissing: 100,
} as const;

export interface CniError {
  cniVersion: string;
  code: number;
  msg: string;
  details?: string;
}

export interface NetworkConfig {
  cniVersion: string;
  name: string;
  /** The previous plugin's result, passed on unchanged (absent on a first plugin, or on DEL). */
  prevResult?: unknown;
  /** The kubeconfig the installer wrote for the plugin. */
  kubeconfig: string;
  logFile?: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** Namespaces always passed through: the system ones and the plugin's own are added. */
  excludeNamespaces: string[];
  /** envoy-init.sh as installed on the node. */
  rulesScript: string;
}

export interface Invocation {
  command: 'ADD' | 'DEL' | 'CHECK' | 'VERSION';
  containerId: string;
  netns: string;
  ifName: string;
  /** From CNI_ARGS: K8S_POD_NAMESPACE, K8S_POD_NAME. */
  pod?: { namespace: string; name: string };
}

/** The network configuration is one JSON document of a few KiB. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

const fail = (code: number, msg: string, details?: string): CniError => ({ cniVersion: CNI_VERSION, code, msg, ...(details ? { details } : {}) });

/** The environment a runtime sets (CNI_COMMAND, CNI_CONTAINERID, CNI_NETNS, CNI_IFNAME, CNI_ARGS). */
export function readInvocation(env: Readonly<Record<string, string | undefined>>): Invocation | CniError {
  const command = env.CNI_COMMAND;
  if (command !== 'ADD' && command !== 'DEL' && command !== 'CHECK' && command !== 'VERSION')
    return fail(CNI_ERROR.invalidEnvironment, `CNI_COMMAND ${quote(command ?? '')} is not ADD, DEL, CHECK or VERSION`);
  const args = new Map<string, string>();
  for (const pair of (env.CNI_ARGS ?? '').split(';')) {
    const equals = pair.indexOf('=');
    if (equals > 0) args.set(pair.slice(0, equals), pair.slice(equals + 1));
  }
  const namespace = args.get('K8S_POD_NAMESPACE');
  const name = args.get('K8S_POD_NAME');
  const invocation: Invocation = {
    command,
    containerId: env.CNI_CONTAINERID ?? '',
    netns: env.CNI_NETNS ?? '',
    ifName: env.CNI_IFNAME ?? '',
    ...(namespace && name ? { pod: { namespace, name } } : {}),
  };
  if (command === 'ADD' && (invocation.containerId === '' || invocation.netns === '' || invocation.ifName === ''))
    return fail(CNI_ERROR.invalidEnvironment, 'ADD needs CNI_CONTAINERID, CNI_NETNS and CNI_IFNAME');
  return invocation;
}

const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

/** The network configuration on stdin, as the runtime builds it from the node's conflist. */
export function readNetworkConfig(text: string): NetworkConfig | CniError {
  if (Buffer.byteLength(text) > MAX_CONFIG_BYTES) return fail(CNI_ERROR.decodeFailure, `the network configuration is over ${MAX_CONFIG_BYTES} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return fail(CNI_ERROR.decodeFailure, 'the network configuration is not JSON', error instanceof Error ? error.message.slice(0, 200) : undefined);
  }
  if (!isPlainObject(value)) return fail(CNI_ERROR.decodeFailure, 'the network configuration is not a JSON object');
  const {
    cniVersion,
    name,
    prevResult,
    kubeconfig,
    log_file: logFile,
    log_level: logLevel,
    exclude_namespaces: exclude,
    rules_script: rulesScript,
    injector_namespace: injectorNamespace,
  } = value;
  if (typeof cniVersion !== 'string' || !(SUPPORTED_VERSIONS as readonly string[]).includes(cniVersion))
    return fail(CNI_ERROR.incompatibleVersion, `cniVersion ${quote(String(cniVersion))} is not one of ${SUPPORTED_VERSIONS.join(', ')}`);
  if (typeof name !== 'string' || name === '') return fail(CNI_ERROR.invalidConfig, 'the network configuration has no name');
  if (typeof kubeconfig !== 'string' || kubeconfig === '') return fail(CNI_ERROR.invalidConfig, 'the plugin configuration has no kubeconfig path');
  if (logLevel !== undefined && !(LOG_LEVELS as readonly unknown[]).includes(logLevel))
    return fail(
      CNI_ERROR.invalidConfig,
      `log_level ${quote(typeof logLevel === 'string' ? logLevel : JSON.stringify(logLevel))} is not one of ${LOG_LEVELS.join(', ')}`,
    );
  if (exclude !== undefined && !(Array.isArray(exclude) && exclude.every((n) => typeof n === 'string')))
    return fail(CNI_ERROR.invalidConfig, 'exclude_namespaces is not a list of namespace names');
  return {
    cniVersion,
    name,
    ...(prevResult === undefined ? {} : { prevResult }),
    kubeconfig,
    ...(typeof logFile === 'string' && logFile !== '' ? { logFile } : {}),
    logLevel: (logLevel as NetworkConfig['logLevel'] | undefined) ?? 'info',
    excludeNamespaces: [
      ...SYSTEM_NAMESPACES,
      typeof injectorNamespace === 'string' && injectorNamespace !== '' ? injectorNamespace : 'envoy-injector',
      ...(exclude ?? []),
    ],
    rulesScript: typeof rulesScript === 'string' && rulesScript !== '' ? rulesScript : '/opt/cni/bin/envoy-injector-rules',
  };
}

/** VERSION's answer. */
export function versionResult(): { cniVersion: string; supportedVersions: readonly string[] } {
  return { cniVersion: CNI_VERSION, supportedVersions: SUPPORTED_VERSIONS };
}

/** What ADD and CHECK print: the previous result, unchanged, in the configuration's version. */
export function passedResult(config: NetworkConfig): unknown {
  return isPlainObject(config.prevResult) ? { ...config.prevResult, cniVersion: config.cniVersion } : { cniVersion: config.cniVersion };
}

export type AddPlan =
  | { kind: 'pass'; why: string }
  /** Look the pod up in the API server, then call podPlan. */
  | { kind: 'lookup'; namespace: string; name: string };

/** Before any lookup: the pods the plugin never touches. */
export function addPlan(invocation: Invocation, config: NetworkConfig): AddPlan {
  if (invocation.pod === undefined) return { kind: 'pass', why: 'CNI_ARGS names no Kubernetes pod (K8S_POD_NAMESPACE, K8S_POD_NAME)' };
  const { namespace, name } = invocation.pod;
  // So the cluster can heal: its own pods start whatever the API server's state.
  if (config.excludeNamespaces.includes(namespace)) return { kind: 'pass', why: `namespace ${namespace} is excluded` };
  return { kind: 'lookup', namespace, name };
}

export type PodPlan = { kind: 'pass'; why: string } | { kind: 'install'; args: string[] } | { kind: 'error'; error: CniError };

/** The pod as the API server has it: injected in cni mode → install the rules its envoy-validate container describes. */
export function podPlan(pod: Pod): PodPlan {
  const status = pod.metadata?.annotations?.[ANNOTATION.status];
  if (status === undefined) return { kind: 'pass', why: 'the pod is not injected' };
  const parsed = parseStatus(status);
  if (!parsed.ok) return { kind: 'pass', why: `its ${ANNOTATION.status} is not the injector's (${parsed.problems[0] ?? ''})` };
  if (statusCaptureMode(parsed.value) !== 'cni') return { kind: 'pass', why: 'the pod captures its traffic with envoy-init' };
  const validate = (pod.spec.initContainers ?? []).find((container) => container.name === VALIDATE_CONTAINER);
  const args = validate?.args;
  if (!Array.isArray(args) || !args.every((arg) => typeof arg === 'string' && /^--[a-z-]+=[^\s]*$/.test(arg) && arg.length <= 4096))
    return {
      kind: 'error',
      error: fail(CNI_ERROR.invalidConfig, `the pod is injected in cni mode, but its ${VALIDATE_CONTAINER} container has no capture arguments`),
    };
  return { kind: 'install', args: args as string[] };
}

export function cniError(code: number, msg: string, details?: string): CniError {
  return fail(code, msg, details);
}
