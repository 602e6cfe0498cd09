// The envoy-injector.io/status annotation: what was injected, so that a second
// pass recognises its own work and a person can see what the webhook did.

import { isPlainObject } from '../model/kubernetes.js';

export interface InjectionStatus {
  version: 1;
  mode: 'native' | 'classic';
  containers: string[];
  initContainers: string[];
  volumes: string[];
  configHash: string;
}

export function formatStatus(status: InjectionStatus): string {
  return JSON.stringify(status);
}

/** The status the webhook wrote, or undefined for anything it did not write. */
export function parseStatus(text: string | undefined): InjectionStatus | undefined {
  if (text === undefined) return undefined;
  try {
    const status: unknown = JSON.parse(text);
    return isPlainObject(status) && status.version === 1 ? (status as unknown as InjectionStatus) : undefined;
  } catch {
    return undefined;
  }
}
