// The envoy-injector.io/status annotation: what was injected, so that a second
// pass recognises its own work and a person can see what the webhook did.

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
