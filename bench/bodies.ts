// The AdmissionReview bodies the benchmarks send, as kube-apiserver sends
// them: a pod as a ReplicaSet creates it, in four sizes.

import type { Pod } from '../src/model/kubernetes.js';

export type Size = 'small' | 'typical' | 'large' | 'huge';

const ROUTES = `virtual_hosts:
- name: reviews
  domains: ["reviews"]
  routes:
  - match: { prefix: "/", headers: [{ name: end-user, string_match: { exact: jason } }] }
    route: { cluster: "reviews-v2:9080" }
  - match: { prefix: "/" }
    route:
      weighted_clusters:
        clusters:
        - { name: "reviews-v1:9080", weight: 90 }
        - { name: "reviews-v3:9080", weight: 10 }
`;

function container(name: string, envCount: number): Record<string, unknown> {
  return {
    name,
    image: `registry.example.com/shop/${name}:1.4.2`,
    ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
    env: Array.from({ length: envCount }, (_, i) => ({ name: `SETTING_${i}`, value: `value-${i}-${'x'.repeat(40)}` })),
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } },
    readinessProbe: { httpGet: { path: '/ready', port: 8080 }, periodSeconds: 5 },
    livenessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 10, failureThreshold: 3 },
    volumeMounts: [{ name: 'config', mountPath: '/etc/app' }],
  };
}

/** `id`: a label value that makes this pod differ from every other. */
export function pod(size: Size, envCount?: number, id?: string): Pod {
  const env = envCount ?? { small: 0, typical: 12, large: 1500, huge: 14000 }[size];
  const containers = size === 'small' ? [{ name: 'app', image: 'nginx:1.27' }] : [container('app', env), container('cache', 4), container('log-shipper', 2)];
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: 'shop-7d9f8b6c5-',
      namespace: 'shop',
      labels: { app: 'shop', 'pod-template-hash': '7d9f8b6c5', ...(id === undefined ? {} : { 'bench-id': id }) },
      ...(size === 'small' ? {} : { annotations: { 'envoy-injector.io/routes': ROUTES } }),
      ownerReferences: [
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          name: 'shop-7d9f8b6c5',
          uid: '8a2c0f0e-0000-4000-8000-000000000000',
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
    },
    spec: {
      containers,
      ...(size === 'small' ? {} : { volumes: [{ name: 'config', configMap: { name: 'shop-config' } }], serviceAccountName: 'shop' }),
    },
  } as unknown as Pod;
}

export function review(object: Pod): Record<string, unknown> {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: '705ab4f5-6393-11e8-b7cc-42010a800002',
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      requestKind: { group: '', version: 'v1', kind: 'Pod' },
      requestResource: { group: '', version: 'v1', resource: 'pods' },
      namespace: 'shop',
      operation: 'CREATE',
      userInfo: { username: 'system:serviceaccount:kube-system:replicaset-controller', groups: ['system:serviceaccounts', 'system:authenticated'] },
      object,
      oldObject: null,
      dryRun: false,
      options: { apiVersion: 'meta.k8s.io/v1', kind: 'CreateOptions' },
    },
  };
}
