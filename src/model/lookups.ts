// What the webhook knows of the cluster, as the core asks for it. The cluster
// adapter (informer caches) implements these; offline, they are absent or
// filled from the command line and the input manifests.

import type { StringMap } from './kubernetes.js';

export interface NamespaceMetadata {
  labels: StringMap;
  annotations: StringMap;
}

export interface NamespaceLookup {
  /** Undefined when the namespace is not known (no cluster, cache not synced). */
  namespace(name: string): NamespaceMetadata | undefined;
  /** Changes whenever an answer of namespace() may have: equal generations,
   * equal answers. A lookup without it is never memoized against. */
  generation?(): number;
}

export interface ServicePort {
  port: number;
  /** The port's name in the Service, e.g. "http-web" (Istio's naming convention). */
  name?: string;
  /** The Service's appProtocol for this port, e.g. "http", "grpc", "kubernetes.io/h2c". */
  appProtocol?: string;
}

export interface ServiceInfo {
  ports: ServicePort[];
}

export interface ServiceLookup {
  /** Undefined when the Service is not known. */
  service(namespace: string, name: string): ServiceInfo | undefined;
  /** True when the lookup knows only some Services (offline, from flags and
   * manifests): a Service it does not know may still exist. */
  partial?: boolean;
  /** Changes whenever an answer of service() may have (see NamespaceLookup). */
  generation?(): number;
}
