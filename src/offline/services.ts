// What the offline commands know of Services, standing in for the webhook's
// Service cache: Service manifests in the input, and --service flags. It knows
// only what it was given, so a Service it lacks is not reported as missing.

import { isPlainObject } from '../model/kubernetes.js';
import type { ServiceLookup, ServicePort } from '../model/lookups.js';

export interface ServiceFlag {
  name: string;
  namespace?: string;
  port: ServicePort;
}

const ANY_NAMESPACE = '*';

export function offlineServices(documents: readonly unknown[], flags: readonly ServiceFlag[], defaultNamespace: string): ServiceLookup | undefined {
  const known = new Map<string, ServicePort[]>();
  const add = (namespace: string, name: string, port: ServicePort): void => {
    const key = `${namespace}/${name}`;
    known.set(key, [...(known.get(key) ?? []), port]);
  };
  for (const object of documents.flatMap(serviceObjects)) {
    const meta = isPlainObject(object.metadata) ? object.metadata : {};
    const spec = isPlainObject(object.spec) ? object.spec : {};
    if (typeof meta.name !== 'string') continue;
    const namespace = typeof meta.namespace === 'string' && meta.namespace !== '' ? meta.namespace : defaultNamespace;
    for (const port of Array.isArray(spec.ports) ? spec.ports : []) {
      if (!isPlainObject(port) || typeof port.port !== 'number') continue;
      add(namespace, meta.name, {
        port: port.port,
        ...(typeof port.name === 'string' ? { name: port.name } : {}),
        ...(typeof port.appProtocol === 'string' ? { appProtocol: port.appProtocol } : {}),
      });
    }
  }
  // A flag without a namespace means the Service of that name wherever the pod is.
  for (const flag of flags) add(flag.namespace ?? ANY_NAMESPACE, flag.name, flag.port);
  if (known.size === 0) return undefined;
  return {
    partial: true,
    service: (namespace, name) => {
      const ports = known.get(`${namespace}/${name}`) ?? known.get(`${ANY_NAMESPACE}/${name}`);
      return ports ? { ports } : undefined;
    },
  };
}

function serviceObjects(document: unknown): Array<Record<string, unknown>> {
  if (!isPlainObject(document)) return [];
  if (document.kind === 'List' && Array.isArray(document.items)) return document.items.flatMap(serviceObjects);
  return document.kind === 'Service' ? [document] : [];
}
