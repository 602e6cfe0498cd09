// The install manifests, as a cluster admin applies them: both kustomizations
// build, every object passes the Kubernetes (and cert-manager) schemas, the
// injector's pod passes the `restricted` Pod Security level, RBAC is the
// least the server needs, and the images, config and Dockerfiles agree.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { describe, it } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';
import { DEFAULT_CONFIG, parseConfig } from '../../src/config/config.js';
import { unknownFieldProblems } from '../support/kube-strict.js';
import { buildKustomization, objectKey, type KubeObject } from '../support/kustomize.js';
import { restrictedProblems } from '../support/pod-security.js';
import { DEPLOYED_CLI, REPO_ROOT, repoPath } from '../support/repo.js';

const VERSION = (JSON.parse(readFileSync(repoPath('package.json'), 'utf8')) as { version: string }).version;
const BUILDS = {
  'self-managed (default)': repoPath('manifests'),
  'cert-manager': repoPath('manifests', 'cert-manager'),
  'network policy': repoPath('manifests', 'network-policy'),
  cni: repoPath('manifests', 'cni'),
} as const;

type Validatable = new (data: unknown) => { validate(): void };

/** The schema class for an object: kubernetes-models for Kubernetes kinds, its cert-manager package for cert-manager's. */
async function modelFor(object: KubeObject): Promise<Validatable> {
  const module = object.apiVersion.startsWith('cert-manager.io/')
    ? ((await import(`@kubernetes-models/cert-manager/${object.apiVersion}`)) as Record<string, Validatable>)
    : ((await import(`kubernetes-models/${object.apiVersion}`)) as Record<string, Validatable>);
  const model = module[object.kind];
  if (!model) throw new Error(`no schema for ${object.apiVersion} ${object.kind}`);
  return model;
}

function find(objects: KubeObject[], kind: string, name = 'envoy-injector'): KubeObject {
  const found = objects.find((object) => object.kind === kind && object.metadata.name === name);
  assert.ok(found, `${kind}/${name} is in the build`);
  return found;
}

interface PodTemplate {
  spec: {
    template: {
      metadata: { labels: Record<string, string> };
      spec: Record<string, unknown> & { containers: Record<string, unknown>[]; volumes: Record<string, unknown>[] };
    };
  };
}

const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;

for (const [name, dir] of Object.entries(BUILDS)) {
  describe(`manifests: ${name}`, () => {
    const objects = buildKustomization(dir);

    it('every object validates against its schema', async () => {
      assert.ok(objects.length >= 10);
      for (const object of objects) {
        const Model = await modelFor(object);
        assert.doesNotThrow(() => new Model(object).validate(), `${objectKey(object)} is valid`);
        // cert-manager's kinds are not in client-node: their schema above is the check.
        if (!object.apiVersion.startsWith('cert-manager.io/')) assert.deepEqual(unknownFieldProblems(object), [], objectKey(object));
      }
    });

    it('kubectl kustomize builds the same objects', { skip: !kubectl && 'kubectl is not installed: the test builder alone builds the manifests' }, () => {
      const built = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
      assert.equal(built.status, 0, built.stderr);
      const fromKubectl = parseAllDocuments(built.stdout).map((document) => document.toJS() as KubeObject);
      const byKey = (list: KubeObject[]): Map<string, KubeObject> => new Map(list.map((object) => [objectKey(object), object]));
      assert.deepEqual(byKey(fromKubectl), byKey(objects));
    });

    it('a misspelt field is caught, not silently dropped', () => {
      const deployment = structuredClone(find(objects, 'Deployment')) as unknown as PodTemplate;
      (deployment.spec.template.spec.containers[0] as Record<string, unknown>).readinessprobe = {};
      assert.deepEqual(unknownFieldProblems(deployment as unknown as KubeObject), [
        'Deployment.spec.template.spec.containers[0].readinessprobe: unknown field of V1Container',
      ]);
    });

    it('the injector runs at the restricted Pod Security level, in a namespace that enforces it and is never injected', () => {
      const deployment = find(objects, 'Deployment') as unknown as PodTemplate;
      assert.deepEqual(restrictedProblems(deployment.spec.template.spec), []);
      const namespace = find(objects, 'Namespace');
      assert.equal(namespace.metadata.labels?.['pod-security.kubernetes.io/enforce'], 'restricted');
      assert.equal(namespace.metadata.labels?.['envoy-injector.io/inject'], 'disabled');
      assert.equal(deployment.spec.template.metadata.labels['envoy-injector.io/inject'], 'false');
    });

    it('two replicas spread across nodes, kept by a PodDisruptionBudget, probed on /readyz and /healthz', () => {
      const deployment = find(objects, 'Deployment') as unknown as PodTemplate & { spec: { replicas: number } };
      assert.equal(deployment.spec.replicas, 2);
      const spec = deployment.spec.template.spec as unknown as {
        affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: { podAffinityTerm: { topologyKey: string } }[] } };
      };
      assert.equal(spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0]?.podAffinityTerm.topologyKey, 'kubernetes.io/hostname');
      const pdb = find(objects, 'PodDisruptionBudget') as unknown as { spec: { minAvailable: number; selector: { matchLabels: Record<string, string> } } };
      assert.equal(pdb.spec.minAvailable, 1);
      assert.deepEqual(pdb.spec.selector.matchLabels, { 'app.kubernetes.io/name': 'envoy-injector' });
      const container = deployment.spec.template.spec.containers[0] as {
        readinessProbe: { httpGet: { path: string; scheme: string } };
        livenessProbe: { httpGet: { path: string } };
        resources: { requests: object; limits: object };
      };
      assert.deepEqual(
        [container.readinessProbe.httpGet.path, container.readinessProbe.httpGet.scheme, container.livenessProbe.httpGet.path],
        ['/readyz', 'HTTPS', '/healthz'],
      );
      assert.ok(container.resources.requests && container.resources.limits);
      const service = find(objects, 'Service') as unknown as { spec: { ports: { port: number; targetPort: string }[] } };
      assert.deepEqual(
        service.spec.ports.map((port) => [port.port, port.targetPort]),
        [
          [443, 'https'],
          [15012, 'xds'],
        ],
      );
    });

    it('the ConfigMap is a valid injector configuration that matches the embedded defaults', () => {
      const configMap = find(objects, 'ConfigMap') as unknown as { data: Record<string, string> };
      const parsed = parseConfig(parse(configMap.data['config.yaml'] ?? '') as unknown);
      assert.equal(parsed.ok, true, JSON.stringify(parsed));
      if (parsed.ok) assert.deepEqual(parsed.value, DEFAULT_CONFIG, 'the shipped file restates the defaults, so editing it is the way to change them');
      const deployment = find(objects, 'Deployment') as unknown as PodTemplate;
      assert.ok((deployment.spec.template.spec.containers[0]?.args as string[]).includes('--config=/etc/envoy-injector/config.yaml'));
    });

    it('images are the ones `make image` builds, at the package version', () => {
      const deployment = find(objects, 'Deployment') as unknown as PodTemplate;
      assert.equal(deployment.spec.template.spec.containers[0]?.image, `envoy-injector/envoy-injector:${VERSION}`);
      assert.equal(DEFAULT_CONFIG.init.image, `envoy-injector/envoy-init:${VERSION}`);
      const makefile = readFileSync(repoPath('Makefile'), 'utf8');
      assert.match(makefile, /docker build -t \$\(IMAGE_REPO\)\/envoy-injector:\$\(VERSION\) \./);
      assert.match(makefile, /docker build -t \$\(IMAGE_REPO\)\/envoy-init:\$\(VERSION\) images\/envoy-init/);
    });
  });
}

describe('RBAC: least privilege', () => {
  const rules = (objects: KubeObject[], kind: 'ClusterRole' | 'Role', namespace?: string): unknown[] =>
    objects
      .filter((object) => object.kind === kind && (namespace === undefined || object.metadata.namespace === namespace))
      .flatMap((object) => (object as unknown as { rules: unknown[] }).rules);
  // Both installs: create pods, as dry runs only, in the self-test's own namespace.
  const SELF_TEST_RULES = [{ apiGroups: [''], resources: ['pods'], verbs: ['create'] }];
  // The xDS server: its proxies' endpoints, and their tokens checked.
  const XDS_RULES = [
    { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['list', 'watch'] },
    { apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
  ];
  it('self-managed: read Namespaces/Services, list Pods and EndpointSlices, review tokens; its own Secret; patch only its own webhook configuration', () => {
    const objects = buildKustomization(BUILDS['self-managed (default)']);
    assert.deepEqual(rules(objects, 'ClusterRole'), [
      { apiGroups: [''], resources: ['namespaces', 'services'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['list', 'watch'] },
      ...XDS_RULES,
      { apiGroups: ['admissionregistration.k8s.io'], resources: ['mutatingwebhookconfigurations'], resourceNames: ['envoy-injector'], verbs: ['get', 'patch'] },
    ]);
    assert.deepEqual(rules(objects, 'Role', 'envoy-injector'), [
      { apiGroups: [''], resources: ['secrets'], resourceNames: ['envoy-injector-tls'], verbs: ['get', 'update'] },
      { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
    ]);
    assert.deepEqual(rules(objects, 'Role', 'envoy-injector-self-test'), SELF_TEST_RULES);
    assert.equal(objects.filter((object) => object.kind === 'Role').length, 2, 'no Role elsewhere');
    const deployment = find(objects, 'Deployment') as unknown as PodTemplate;
    const args = deployment.spec.template.spec.containers[0]?.args as string[];
    for (const flag of ['--self-manage', '--secret=envoy-injector-tls', '--webhook-config=envoy-injector']) assert.ok(args.includes(flag), flag);
  });

  it('cni: the plugin gets one pod at a time, nothing else; its installer runs in kube-system, and the injector is told the plugin is there', () => {
    const objects = buildKustomization(BUILDS.cni);
    const cniRules = objects
      .filter((object) => object.kind === 'ClusterRole' && object.metadata.name === 'envoy-injector-cni')
      .flatMap((object) => (object as unknown as { rules: unknown[] }).rules);
    assert.deepEqual(cniRules, [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }]);
    const daemonSet = find(objects, 'DaemonSet', 'envoy-injector-cni') as unknown as PodTemplate & { metadata: { namespace: string } };
    assert.equal(daemonSet.metadata.namespace, 'kube-system');
    const installer = daemonSet.spec.template.spec.containers[0] as { args: string[]; securityContext: { capabilities: { drop: string[]; add?: string[] } } };
    assert.equal(installer.args[0], 'cni-install');
    assert.deepEqual(installer.securityContext.capabilities, { drop: ['ALL'] });
    const deployment = find(objects, 'Deployment') as unknown as PodTemplate;
    assert.ok((deployment.spec.template.spec.containers[0]?.args as string[]).includes('--cni-installed'));
  });

  it('cert-manager: only reads; the certificate is a mounted Secret and cert-manager injects the CA', () => {
    const objects = buildKustomization(BUILDS['cert-manager']);
    assert.deepEqual(rules(objects, 'ClusterRole'), [
      { apiGroups: [''], resources: ['namespaces', 'services'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['list', 'watch'] },
      ...XDS_RULES,
    ]);
    assert.deepEqual(rules(objects, 'Role'), SELF_TEST_RULES);
    const deployment = find(objects, 'Deployment') as unknown as PodTemplate;
    assert.ok(!(deployment.spec.template.spec.containers[0]?.args as string[]).includes('--self-manage'));
    assert.deepEqual(deployment.spec.template.spec.volumes[0], { name: 'certs', secret: { secretName: 'envoy-injector-tls', defaultMode: 0o440 } });
    const certificate = find(objects, 'Certificate', 'envoy-injector-serving') as unknown as { spec: { dnsNames: string[]; secretName: string } };
    assert.deepEqual(certificate.spec.dnsNames, [
      'envoy-injector',
      'envoy-injector.envoy-injector',
      'envoy-injector.envoy-injector.svc',
      'envoy-injector.envoy-injector.svc.cluster.local',
    ]);
    assert.equal(certificate.spec.secretName, 'envoy-injector-tls');
    assert.equal(
      find(objects, 'MutatingWebhookConfiguration').metadata.annotations?.['cert-manager.io/inject-ca-from'],
      'envoy-injector/envoy-injector-serving',
    );
  });
});

/** Dockerfile instructions, continuation lines joined, comments dropped, split into stages. */
function dockerStages(path: string): { from: string; instructions: { op: string; args: string }[] }[] {
  const lines = readFileSync(path, 'utf8')
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));
  const stages: { from: string; instructions: { op: string; args: string }[] }[] = [];
  for (const line of lines) {
    const [op = '', ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    if (op.toUpperCase() === 'FROM') stages.push({ from: args, instructions: [] });
    else stages.at(-1)?.instructions.push({ op: op.toUpperCase(), args });
  }
  return stages;
}

/** A base named by a version tag or a digest: never `latest`, never a bare name. */
const PINNED = /^[\w./-]+(:[\w.-]*\d[\w.-]*|@sha256:[0-9a-f]{64})( AS \w+)?$/i;

describe('Dockerfiles', () => {
  it('the webhook image: multi-stage, pinned bases, production dependencies only, non-root, no shell or npm needed at runtime', () => {
    const stages = dockerStages(repoPath('Dockerfile'));
    assert.ok(stages.length >= 2, 'multi-stage');
    for (const stage of stages) assert.match(stage.from, PINNED, `${stage.from} is pinned`);
    assert.ok(
      stages.some((stage) => stage.from.startsWith('node:24.') && stage.instructions.some((i) => i.op === 'RUN' && /npm ci --omit=dev/.test(i.args))),
      'npm ci --omit=dev on the Node LTS line',
    );
    const runtime = stages.at(-1);
    assert.ok(runtime);
    assert.match(runtime.from, /^node:24\.\d+\.\d+-/, 'the runtime is the same pinned Node LTS');
    assert.ok(
      runtime.instructions.some((i) => i.op === 'RUN' && /rm -rf .*node_modules\/npm/.test(i.args)),
      'no package manager in the runtime image',
    );
    assert.deepEqual(
      runtime.instructions
        .filter((i) => i.op === 'COPY')
        .map((i) => i.args.split(' ')[0])
        .sort(),
      // The CNI plugin (built) and envoy-init's rules script, which the manifests/cni installer puts on the nodes.
      ['--from=build', '--from=build', '--from=dependencies', 'images/envoy-init/envoy-init.sh', 'package.json'],
      'only built output, production modules, the rules script and package.json',
    );
    const user = runtime.instructions.filter((i) => i.op === 'USER').at(-1)?.args ?? '';
    assert.match(user, /^[1-9]\d*(:[1-9]\d*)?$/, 'a numeric non-root user, so runAsNonRoot can verify it');
    const deployment = find(buildKustomization(BUILDS['self-managed (default)']), 'Deployment') as unknown as PodTemplate;
    const podContext = deployment.spec.template.spec.securityContext as { runAsUser: number; runAsGroup: number };
    assert.equal(user, `${podContext.runAsUser}:${podContext.runAsGroup}`, 'the image user is the one the Deployment runs as');
    const entrypoint = runtime.instructions.find((i) => i.op === 'ENTRYPOINT')?.args ?? '';
    // The bundle the system tests run (DEPLOYED_CLI), built by the build stage's `npm run bundle`.
    assert.deepEqual(JSON.parse(entrypoint), ['/usr/local/bin/node', relative(REPO_ROOT, DEPLOYED_CLI)], 'exec form: no shell');
    assert.ok(
      runtime.instructions.some((i) => i.op === 'COPY' && i.args === '--from=build /src/dist/bundle ./dist/bundle'),
      'the bundled JavaScript only',
    );
    assert.ok(
      stages[0]?.instructions.some((i) => i.op === 'RUN' && i.args === 'npm run bundle'),
      'bundled as `make bundle` does',
    );
  });

  it('the envoy-init image: pinned base with iptables (both backends), the script as entrypoint', () => {
    const [stage] = dockerStages(repoPath('images', 'envoy-init', 'Dockerfile'));
    assert.ok(stage);
    assert.match(stage.from, PINNED);
    assert.ok(stage.instructions.some((i) => i.op === 'RUN' && /apt-get install .*iptables/.test(i.args)));
    assert.ok(stage.instructions.some((i) => i.op === 'COPY' && i.args === 'envoy-init.sh /usr/local/bin/envoy-init'));
    assert.deepEqual(JSON.parse(stage.instructions.find((i) => i.op === 'ENTRYPOINT')?.args ?? ''), ['/usr/local/bin/envoy-init']);
  });
});
