// injectPod(): the pod with the proxy added. Never mutates its input.

import type { InjectorConfig } from '../config/config.js';
import { FILE_DELIVERY, type ConfigDelivery } from '../envoy/delivery.js';
import { renderEnvoyConfig, sha256, type RenderedEnvoyConfig } from '../envoy/render.js';
import type { ProxySettings } from './settings.js';
import { buildInitContainer, buildValidateContainer } from './init.js';
import type { Container, Pod, StringMap, Volume } from '../model/kubernetes.js';
import { BoundedCache, deepFreeze, heapBytesOf, heapBytesOfString, identity } from '../model/memo.js';
import { MEMO_BYTES } from '../model/limits.js';
import { ANNOTATION, INJECTOR_VERSION, KUBECTL_DEFAULT_CONTAINER } from '../model/names.js';
import { buildSidecar, PROMETHEUS_ANNOTATIONS } from './sidecar.js';
import { formatStatus, injectedNames, type InjectionStatus } from './status.js';
import { buildConfigVolume, buildTokenVolume } from './volume.js';
import { workloadName, type PodOwner } from './workload.js';

export interface InjectionParams {
  /** The pod's namespace: from the admission request, since pods created by
   * controllers often have none in their metadata yet. */
  namespace: string;
  config: InjectorConfig;
  settings: ProxySettings;
  /** The workload holding a pod template (offline), which stands where a
   * pod's ownerReferences would. */
  owner?: PodOwner;
}

/** `<workload>.<namespace>`: the proxy's node id and cluster. */
function serviceClusterOf(pod: Pod, params: InjectionParams): string {
  return `${workloadName(pod, params.owner)}.${params.namespace}`;
}

/** The pod's Envoy documents alone: what a live route update rewrites. */
export function renderForPod(pod: Pod, params: InjectionParams): RenderedEnvoyConfig {
  return renderFor(serviceClusterOf(pod, params), params);
}

function renderFor(serviceCluster: string, params: InjectionParams): RenderedEnvoyConfig {
  return renderEnvoyConfig(
    {
      serviceCluster,
      namespace: params.namespace,
      ipFamilies: params.config.proxy.ipFamilies,
      httpPorts: params.settings.httpPorts.map((p) => p.port),
      accessLog: params.settings.accessLog,
      delivery: deliveryOf(params),
    },
    params.settings.routes,
  );
}

function deliveryOf({ settings, config }: InjectionParams): ConfigDelivery {
  return settings.configSource === 'xds' ? { kind: 'xds', ...config.xds } : FILE_DELIVERY;
}

/** What injection adds: the containers, the volume, the rendered config,
 * and the containers' hash (the status annotation's templateHash: a pod
 * injected from another template is stale). */
interface ProxyTemplate {
  sidecar: Container;
  init: Container;
  volumes: Volume[];
  rendered: RenderedEnvoyConfig;
  hash: string;
}

/** The pods of a workload share their settings (settings.ts remembers them)
 * and so their template: built, rendered and hashed once per settings and
 * workload. Frozen: it is shared by every pod injected from it. One cache for
 * all settings, bounded in bytes: the settings are told apart by identity. */
const TEMPLATES = new BoundedCache<ProxyTemplate>(1024, MEMO_BYTES.templates);

function proxyTemplate(serviceCluster: string, params: InjectionParams, mode: 'native' | 'classic'): ProxyTemplate {
  const { settings, config } = params;
  const key = JSON.stringify([identity(settings), identity(config), params.namespace, serviceCluster]);
  const found = TEMPLATES.get(key);
  if (found) return found;
  const sidecar = buildSidecar({ settings, serviceCluster, holdTimeoutSeconds: config.proxy.holdTimeoutSeconds }, mode);
  const captureInput = { image: config.init.image, resources: config.init.resources, capture: settings.capture, ipFamilies: config.proxy.ipFamilies };
  const init = settings.captureMode === 'cni' ? buildValidateContainer(captureInput) : buildInitContainer(captureInput);
  const volumes = settings.configSource === 'xds' ? [buildConfigVolume(), buildTokenVolume()] : [buildConfigVolume()];
  // File-mode pods hash as they always did: a file-mode pod injected before xDS existed is not stale.
  const hash = sha256(JSON.stringify([init, sidecar, ...volumes])).slice(0, 16);
  const rendered = renderFor(serviceCluster, params);
  const template = deepFreeze({ sidecar, init, volumes, rendered, hash });
  const renderedBytes = heapBytesOfString(rendered.bootstrap + rendered.lds + rendered.rds + rendered.cds);
  return TEMPLATES.set(key, template, heapBytesOf([init, sidecar, volumes]) + renderedBytes);
}

/** The annotations the injector owns: the files the envoy-config volume
 * projects, and the status that records what was injected. */
export function injectorAnnotations(rendered: RenderedEnvoyConfig, status: InjectionStatus): StringMap {
  return {
    [ANNOTATION.envoyBootstrap]: rendered.bootstrap,
    [ANNOTATION.envoyLds]: rendered.lds,
    [ANNOTATION.envoyRds]: rendered.rds,
    [ANNOTATION.envoyCds]: rendered.cds,
    [ANNOTATION.status]: formatStatus(status),
  };
}

/** The pod with the proxy added. It copies only what it changes (the pod,
 * its metadata, annotations, spec and the three lists): the app's own
 * containers and volumes are the same objects, so the JSON Patch can tell
 * insertions from changes by identity, and a large pod is not cloned. */
export function injectPod(pod: Pod, params: InjectionParams): Pod {
  const { settings } = params;
  const mode = settings.nativeSidecar ? 'native' : 'classic';
  const { sidecar, init, volumes, rendered, hash: templateHash } = proxyTemplate(serviceClusterOf(pod, params), params, mode);
  const appInits = pod.spec.initContainers ?? [];
  // Native: capture first, then the proxy, so the app's own init containers
  // already run with a working proxy in front of them. Classic: the app's
  // init containers run before capture is installed, since no proxy would be
  // there yet to carry their traffic.
  const initContainers = mode === 'native' ? [init, sidecar, ...appInits] : [...appInits, init];
  const containers =
    mode === 'native' ? pod.spec.containers : settings.holdApplicationUntilProxyStarts ? [sidecar, ...pod.spec.containers] : [...pod.spec.containers, sidecar];

  const annotations: StringMap = { ...(pod.metadata?.annotations ?? {}) };
  const hasPrometheusAnnotations = Object.keys(annotations).some((key) => key.startsWith('prometheus.io/'));
  if (!hasPrometheusAnnotations) Object.assign(annotations, PROMETHEUS_ANNOTATIONS);
  // The app's first container stays what kubectl shows by default, wherever
  // the proxy went; a choice the author already made is theirs.
  const firstAppContainer = pod.spec.containers[0]?.name;
  if (annotations[KUBECTL_DEFAULT_CONTAINER] === undefined && firstAppContainer !== undefined) annotations[KUBECTL_DEFAULT_CONTAINER] = firstAppContainer;
  Object.assign(
    annotations,
    injectorAnnotations(rendered, {
      version: 2,
      mode,
      ...injectedNames(mode, settings.configSource, settings.captureMode),
      configHash: rendered.hash,
      injectorVersion: INJECTOR_VERSION,
      proxyImage: settings.image,
      templateHash,
    }),
  );
  return {
    ...pod,
    metadata: { ...pod.metadata, annotations },
    spec: { ...pod.spec, initContainers, containers, volumes: [...(pod.spec.volumes ?? []), ...volumes] },
  };
}
