// The envoy-injector.io/status annotation: what was injected, so that a second
// pass recognises its own work and a person can see what the webhook did. It
// is read strictly: a status the injector did not write is not taken on trust.

import { isPlainObject, type Pod } from '../model/kubernetes.js';
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
  const expected = version === 1 ? V1_KEYS : V2_KEYS;
  const keys = Object.keys(status);
  if (keys.length !== expected.length || !expected.every((key) => keys.includes(key))) {
    return failed(`must have exactly the fields ${expected.join(', ')} (version ${version})`);
  }
  if (mode !== 'native' && mode !== 'classic') return failed('has an unknown mode');
  if (!isNameList(containers) || !isNameList(initContainers) || !isNameList(volumes)) return failed('lists something other than container and volume names');
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
  return missing.length === 0 ? parsed : failed(`lists ${missing.join(', ')}, which the pod does not have`);
}
