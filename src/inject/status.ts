// The envoy-injector.io/status annotation: what was injected, so that a second
// pass recognises its own work and a person can see what the webhook did. It
// is read strictly: a status the injector did not write is not taken on trust.

import { isPlainObject, type Pod } from '../model/kubernetes.js';
import type { CaptureMode, ConfigSource } from '../config/config.js';
import { CONFIG_VOLUME, INIT_CONTAINER, SIDECAR_CONTAINER, TOKEN_VOLUME, VALIDATE_CONTAINER } from '../model/names.js';
import { failed, ok, type Result } from '../model/result.js';

interface StatusFields {
  mode: 'native' | 'classic';
  containers: string[];
  initContainers: string[];
  volumes: string[];
  /** The rendered Envoy config: changes with the pod's routes. */
  configHash: string;
}

/** Written by 0.1.0 before versions were recorded; still read, never written. */
export interface StatusV1 extends StatusFields {
  version: 1;
}

/** Staleness is computable: the injector and proxy image that made the pod,
 * and a hash of what was injected other than the Envoy config (containers
 * and volume), which changes when the injector's template or config does. */
export interface StatusV2 extends StatusFields {
  version: 2;
  injectorVersion: string;
  proxyImage: string;
  templateHash: string;
}

export type InjectionStatus = StatusV1 | StatusV2;

const V1_KEYS = ['version', 'mode', 'containers', 'initContainers', 'volumes', 'configHash'];
const V2_KEYS = [...V1_KEYS, 'injectorVersion', 'proxyImage', 'templateHash'];
const HASH = /^[0-9a-f]{16}$/;
// Bounded and anchored: linear, and never a value that needs escaping.
const VERSION = /^\d{1,6}\.\d{1,6}\.\d{1,6}(?:-[0-9A-Za-z.-]{1,40})?$/;
const IMAGE = /^[\x21-\x7e]{1,512}$/;

/** What the injector adds in each mode, as the status lists it: the only
 * lists a status may carry. A status listing less (say, nothing) would make
 * a pod without a proxy count as injected. */
export function injectedNames(
  mode: 'native' | 'classic',
  source: ConfigSource,
  capture: CaptureMode,
): Pick<StatusFields, 'containers' | 'initContainers' | 'volumes'> {
  // The token volume is what tells an xds-mode pod from a file-mode one; the
  // capture container, a cni-mode pod from an init-mode one.
  const volumes = source === 'xds' ? [CONFIG_VOLUME, TOKEN_VOLUME] : [CONFIG_VOLUME];
  const captureContainer = capture === 'cni' ? VALIDATE_CONTAINER : INIT_CONTAINER;
  return mode === 'native'
    ? { containers: [], initContainers: [captureContainer, SIDECAR_CONTAINER], volumes }
    : { containers: [SIDECAR_CONTAINER], initContainers: [captureContainer], volumes };
}

/** Who installs an injected pod's capture rules, as its status says. */
export function statusCaptureMode(status: Pick<StatusFields, 'initContainers'>): CaptureMode {
  return status.initContainers.includes(VALIDATE_CONTAINER) ? 'cni' : 'init';
}

/** Where an injected pod's proxy reads its config, as its status says. */
export function statusConfigSource(status: Pick<StatusFields, 'volumes'>): ConfigSource {
  return status.volumes.includes(TOKEN_VOLUME) ? 'xds' : 'file';
}

const sameNames = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((name, i) => name === b[i]);

export function formatStatus(status: InjectionStatus): string {
  return JSON.stringify(status);
}

const isNameList = (value: unknown): value is string[] =>
  Array.isArray(value) && value.length <= 8 && value.every((v) => typeof v === 'string' && v.length <= 63);

/** Exactly the shape the injector writes, or what is wrong with it. */
export function parseStatus(text: string): Result<InjectionStatus> {
  let status: unknown;
  try {
    status = JSON.parse(text);
  } catch {
    return failed('is not JSON');
  }
  if (!isPlainObject(status)) return failed('is not a JSON object');
  const { version, mode, containers, initContainers, volumes, configHash } = status;
  if (version !== 1 && version !== 2) return failed('has an unknown version');
  const fieldNames = version === 1 ? V1_KEYS : V2_KEYS;
  const keys = Object.keys(status);
  if (keys.length !== fieldNames.length || !fieldNames.every((key) => keys.includes(key))) {
    return failed(`must have exactly the fields ${fieldNames.join(', ')} (version ${version})`);
  }
  if (mode !== 'native' && mode !== 'classic') return failed('has an unknown mode');
  if (!isNameList(containers) || !isNameList(initContainers) || !isNameList(volumes)) return failed('lists something other than container and volume names');
  const expected = injectedNames(mode, statusConfigSource({ volumes }), statusCaptureMode({ initContainers }));
  if (!sameNames(containers, expected.containers) || !sameNames(initContainers, expected.initContainers) || !sameNames(volumes, expected.volumes)) {
    return failed(
      `lists containers ${JSON.stringify(containers)}, initContainers ${JSON.stringify(initContainers)} and volumes ${JSON.stringify(volumes)}, not what the injector adds in ${mode} mode (${JSON.stringify(expected)})`,
    );
  }
  if (typeof configHash !== 'string' || !HASH.test(configHash)) return failed('has no valid configHash');
  const fields: StatusFields = { mode, containers, initContainers, volumes, configHash };
  if (version === 1) return ok({ version, ...fields });
  const { injectorVersion, proxyImage, templateHash } = status;
  if (typeof injectorVersion !== 'string' || !VERSION.test(injectorVersion)) return failed('has no valid injectorVersion');
  if (typeof proxyImage !== 'string' || !IMAGE.test(proxyImage)) return failed('has no valid proxyImage');
  if (typeof templateHash !== 'string' || !HASH.test(templateHash)) return failed('has no valid templateHash');
  return ok({ version, ...fields, injectorVersion, proxyImage, templateHash });
}

/** The status, if the pod really holds what it lists; else why not. */
export function verifiedStatus(pod: Pod, text: string): Result<InjectionStatus> {
  const parsed = parseStatus(text);
  if (!parsed.ok) return parsed;
  const has = (list: ReadonlyArray<{ name: string }> | undefined, name: string): boolean => (list ?? []).some((item) => item.name === name);
  const { containers, initContainers, volumes } = parsed.value;
  const missing = [
    ...containers.filter((name) => !has(pod.spec.containers, name)).map((name) => `container ${name}`),
    ...initContainers.filter((name) => !has(pod.spec.initContainers, name)).map((name) => `init container ${name}`),
    ...volumes.filter((name) => !has(pod.spec.volumes, name)).map((name) => `volume ${name}`),
  ];
  if (missing.length > 0) return failed(`lists ${missing.join(', ')}, which the pod does not have`);
  const nativeProxy = pod.spec.initContainers?.find((c) => c.name === SIDECAR_CONTAINER);
  if (parsed.value.mode === 'native' && (nativeProxy as { restartPolicy?: unknown } | undefined)?.restartPolicy !== 'Always') {
    return failed(`says native mode, but init container ${SIDECAR_CONTAINER} is not restartPolicy: Always, so no proxy runs beside the app`);
  }
  return parsed;
}
