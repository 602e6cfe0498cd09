// The envoy-injector.io/status annotation: what was injected, so that a second
// pass recognises its own work and a person can see what the webhook did. It
// is read strictly: a status the injector did not write is not taken on trust.

import { isPlainObject, type Pod } from '../model/kubernetes.js';
import { failed, ok, type Result } from '../model/result.js';

export interface InjectionStatus {
  version: 1;
  mode: 'native' | 'classic';
  containers: string[];
  initContainers: string[];
  volumes: string[];
  configHash: string;
}

const KEYS = ['version', 'mode', 'containers', 'initContainers', 'volumes', 'configHash'];

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
  const keys = Object.keys(status);
  if (keys.length !== KEYS.length || !KEYS.every((key) => keys.includes(key))) return failed(`must have exactly the fields ${KEYS.join(', ')}`);
  const { version, mode, containers, initContainers, volumes, configHash } = status;
  if (version !== 1 || (mode !== 'native' && mode !== 'classic')) return failed('has an unknown version or mode');
  if (!isNameList(containers) || !isNameList(initContainers) || !isNameList(volumes)) return failed('lists something other than container and volume names');
  if (typeof configHash !== 'string' || !/^[0-9a-f]{16}$/.test(configHash)) return failed('has no valid configHash');
  return ok({ version, mode, containers, initContainers, volumes, configHash });
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
