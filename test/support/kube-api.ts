// A small in-process stand-in for kube-apiserver's REST API, just the
// resources envoy-injector reads and writes: Secrets (get/create/replace with
// resourceVersion conflicts), MutatingWebhookConfigurations (get, JSON Patch
// with `test` ops), Namespaces/Services/Pods/EndpointSlices (list — Pods in
// pages — and watch streams), TokenReviews, and pod creates as dry runs through the webhook. The
// injector's real client-node code talks to it over HTTP; no cluster exists
// on this machine, so this is the closest honest thing.

import { writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { get as httpsGet } from 'node:https';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { applyPatch, type Operation } from 'rfc6902';
import { admissionReview, makeAgent, post } from './apiserver.js';

export interface StoredObject {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; resourceVersion?: string; [key: string]: unknown };
  [key: string]: unknown;
}

export interface RecordedRequest {
  method: string;
  path: string;
  contentType?: string;
}

interface Collection {
  objects: Map<string, StoredObject>;
  watchers: Set<ServerResponse>;
}

export class FakeKubeApi {
  readonly requests: RecordedRequest[] = [];
  private server: Server | undefined;
  private version = 100;
  private readonly collections = new Map<string, Collection>();
  /** While > 0, Secret reads are held until that many have arrived (to make replicas race). */
  private secretReadBarrier = 0;
  private heldSecretReads: (() => void)[] = [];
  /** Answer every request with this status (an API server that is down or refusing). */
  failWith: number | undefined;
  /** Service-account tokens the stand-in knows: the user each stands for and
   * the audiences it was issued for, as a bound projected token carries them. */
  readonly tokens = new Map<string, { username: string; audiences: string[]; extra?: Record<string, string[]> }>();
  /** The mutating webhook pod creates go through, as the API server calls it:
   * HTTPS verified against `ca` and the service's name, failing open. */
  podWebhook: { port: number; ca: string } | undefined;
  /** Pods the API server's pod proxy reaches (`<namespace>/<name>` → a local HTTPS port), as kubectl get --raw .../proxy/... does. */
  readonly podProxies = new Map<string, number>();

  private collection(kind: string): Collection {
    let found = this.collections.get(kind);
    if (!found) {
      found = { objects: new Map(), watchers: new Set() };
      this.collections.set(kind, found);
    }
    return found;
  }

  private key(object: StoredObject): string {
    return `${object.metadata.namespace ?? ''}/${object.metadata.name}`;
  }

  /** Stores (or replaces) an object as if an admin applied it, telling watchers. */
  put(kind: 'secrets' | 'mutatingwebhookconfigurations' | 'namespaces' | 'services' | 'pods' | 'endpointslices', object: StoredObject): void {
    const collection = this.collection(kind);
    const type = collection.objects.has(this.key(object)) ? 'MODIFIED' : 'ADDED';
    const stored = structuredClone(object);
    stored.metadata.resourceVersion = String(++this.version);
    collection.objects.set(this.key(stored), stored);
    for (const watcher of collection.watchers) watcher.write(`${JSON.stringify({ type, object: stored })}\n`);
  }

  /** Deletes an object as if an admin did, telling watchers. */
  remove(kind: 'pods' | 'endpointslices', namespace: string, name: string): void {
    const collection = this.collection(kind);
    const stored = collection.objects.get(`${namespace}/${name}`);
    if (!stored) return;
    collection.objects.delete(`${namespace}/${name}`);
    for (const watcher of collection.watchers) watcher.write(`${JSON.stringify({ type: 'DELETED', object: stored })}\n`);
  }

  get(kind: string, namespace: string | undefined, name: string): StoredObject | undefined {
    const found = this.collection(kind).objects.get(`${namespace ?? ''}/${name}`);
    return found ? structuredClone(found) : undefined;
  }

  /** Open watch streams on a collection: events put before one opens are not replayed. */
  watchers(kind: 'namespaces' | 'services' | 'pods' | 'endpointslices'): number {
    return this.collection(kind).watchers.size;
  }

  raceSecretReads(count: number): void {
    this.secretReadBarrier = count;
  }

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) =>
        this.status(response, 500, 'InternalError', error instanceof Error ? error.message : String(error)),
      );
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}`;
  }

  kubeConfig(): KubeConfig {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [{ name: 'fake', server: this.url, skipTLSVerify: true }],
      users: [{ name: 'tester', token: 'token' }],
      contexts: [{ name: 'fake', cluster: 'fake', user: 'tester' }],
      currentContext: 'fake',
    });
    return kubeConfig;
  }

  /** A kubeconfig file for a separate process (`serve`) to reach this server. */
  writeKubeconfig(path: string): string {
    writeFileSync(
      path,
      `apiVersion: v1\nkind: Config\nclusters:\n- name: fake\n  cluster: {server: "${this.url}", insecure-skip-tls-verify: true}\nusers:\n- name: tester\n  user: {token: token}\ncontexts:\n- name: fake\n  context: {cluster: fake, user: tester}\ncurrent-context: fake\n`,
    );
    return path;
  }

  async stop(): Promise<void> {
    for (const collection of this.collections.values()) for (const watcher of collection.watchers) watcher.end();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** The mutated pod, or the webhook's refusal; an unreachable webhook lets
   * the pod through unchanged (failurePolicy: Ignore, the default install). */
  private async admitPod(pod: StoredObject, namespace: string): Promise<StoredObject | string> {
    if (!this.podWebhook) return pod;
    const agent = makeAgent(this.podWebhook.ca, 1, false);
    try {
      const answer = await post(agent, this.podWebhook.port, '/mutate', JSON.stringify(admissionReview(pod, { namespace, dryRun: true })));
      const review = JSON.parse(answer.body) as { response: { allowed: boolean; patch?: string; status?: { message?: string } } };
      if (!review.response.allowed) return `admission webhook "inject.envoy-injector.io" denied the request: ${review.response.status?.message ?? ''}`;
      const mutated = structuredClone(pod);
      if (review.response.patch) applyPatch(mutated, JSON.parse(Buffer.from(review.response.patch, 'base64').toString('utf8')) as Operation[]);
      return mutated;
    } catch {
      return pod;
    } finally {
      agent.destroy();
    }
  }

  private status(response: ServerResponse, code: number, reason: string, message: string): void {
    response.writeHead(code, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, message, code }));
  }

  private send(response: ServerResponse, code: number, object: unknown): void {
    response.writeHead(code, { 'content-type': 'application/json' });
    response.end(JSON.stringify(object));
  }

  private async body(request: IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://fake');
    const method = request.method ?? 'GET';
    this.requests.push({ method, path: url.pathname, ...(request.headers['content-type'] ? { contentType: request.headers['content-type'] } : {}) });
    if (this.failWith !== undefined) {
      this.status(response, this.failWith, 'ServiceUnavailable', 'the fake API server is told to fail');
      return;
    }
    const parts = url.pathname.split('/').filter(Boolean);

    // /api/v1/namespaces/{ns}/secrets[/{name}]
    if (parts[0] === 'api' && parts[2] === 'namespaces' && parts[4] === 'secrets') {
      const namespace = parts[3] ?? '';
      const name = parts[5];
      if (method === 'GET' && name) {
        if (this.secretReadBarrier > 0) {
          await new Promise<void>((resolve) => {
            this.heldSecretReads.push(resolve);
            if (this.heldSecretReads.length >= this.secretReadBarrier) {
              this.secretReadBarrier = 0;
              for (const release of this.heldSecretReads.splice(0)) release();
            }
          });
        }
        const found = this.get('secrets', namespace, name);
        if (found) this.send(response, 200, found);
        else this.status(response, 404, 'NotFound', `secrets "${name}" not found`);
        return;
      }
      const object = (await this.body(request)) as StoredObject;
      if (method === 'POST') {
        if (this.get('secrets', namespace, object.metadata.name)) {
          this.status(response, 409, 'AlreadyExists', `secrets "${object.metadata.name}" already exists`);
          return;
        }
        this.put('secrets', { ...object, metadata: { ...object.metadata, namespace } });
        this.send(response, 201, this.get('secrets', namespace, object.metadata.name));
        return;
      }
      if (method === 'PUT' && name) {
        const current = this.get('secrets', namespace, name);
        if (!current) {
          this.status(response, 404, 'NotFound', `secrets "${name}" not found`);
          return;
        }
        if (object.metadata.resourceVersion !== current.metadata.resourceVersion) {
          this.status(response, 409, 'Conflict', `Operation cannot be fulfilled on secrets "${name}": the object has been modified`);
          return;
        }
        this.put('secrets', { ...object, metadata: { ...object.metadata, namespace } });
        this.send(response, 200, this.get('secrets', namespace, name));
        return;
      }
    }

    // /apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/{name}
    if (parts[0] === 'apis' && parts[1] === 'admissionregistration.k8s.io' && parts[3] === 'mutatingwebhookconfigurations' && parts[4]) {
      const name = parts[4];
      const current = this.get('mutatingwebhookconfigurations', undefined, name);
      if (!current) {
        this.status(response, 404, 'NotFound', `mutatingwebhookconfigurations.admissionregistration.k8s.io "${name}" not found`);
        return;
      }
      if (method === 'GET') {
        this.send(response, 200, current);
        return;
      }
      if (method === 'PATCH') {
        if (request.headers['content-type'] !== 'application/json-patch+json') {
          this.status(response, 415, 'UnsupportedMediaType', 'only JSON Patch here');
          return;
        }
        const operations = (await this.body(request)) as Operation[];
        const results = applyPatch(current, operations);
        const failed = results.find((result) => result !== null);
        if (failed) {
          this.status(response, 422, 'Invalid', `the JSON Patch does not apply: ${failed.name}`);
          return;
        }
        this.put('mutatingwebhookconfigurations', current);
        this.send(response, 200, this.get('mutatingwebhookconfigurations', undefined, name));
        return;
      }
    }

    // /apis/authentication.k8s.io/v1/tokenreviews: as kube-apiserver answers it,
    // authenticated only for a known token issued for one of the asked audiences,
    // status.audiences the ones both share.
    if (method === 'POST' && url.pathname === '/apis/authentication.k8s.io/v1/tokenreviews') {
      const review = (await this.body(request)) as { spec?: { token?: string; audiences?: string[] } };
      const known = this.tokens.get(review.spec?.token ?? '');
      const wanted = review.spec?.audiences ?? [];
      const shared = known ? known.audiences.filter((audience) => wanted.length === 0 || wanted.includes(audience)) : [];
      const status =
        known && shared.length > 0
          ? {
              authenticated: true,
              user: { username: known.username, uid: 'sa-uid', groups: ['system:serviceaccounts', 'system:authenticated'], extra: known.extra ?? {} },
              audiences: shared,
            }
          : {
              authenticated: false,
              error: known ? '[invalid bearer token, token audiences are invalid for the target audiences]' : '[invalid bearer token, token lookup failed]',
            };
      this.send(response, 201, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', metadata: {}, spec: review.spec, status });
      return;
    }

    // /api/v1/namespaces/{ns}/pods?dryRun=All: admission (the webhook), stored nowhere
    if (method === 'POST' && parts[0] === 'api' && parts[2] === 'namespaces' && parts[4] === 'pods' && parts.length === 5) {
      if (url.searchParams.get('dryRun') !== 'All') {
        this.status(response, 400, 'BadRequest', 'the stand-in creates pods as dry runs only');
        return;
      }
      const namespace = parts[3] ?? '';
      const pod = (await this.body(request)) as StoredObject & { metadata: { generateName?: string } };
      pod.metadata = { ...pod.metadata, namespace, name: pod.metadata.name ?? `${pod.metadata.generateName ?? ''}x7k2p` };
      const admitted = await this.admitPod(pod, namespace);
      if (typeof admitted === 'string') this.status(response, 400, 'BadRequest', admitted);
      else this.send(response, 201, admitted);
      return;
    }

    // /api/v1/namespaces/{ns}/pods/{scheme}:{name}:{port}/proxy/{path}: the API server's pod proxy
    if (method === 'GET' && parts[0] === 'api' && parts[2] === 'namespaces' && parts[4] === 'pods' && parts[6] === 'proxy') {
      const [scheme, name] = decodeURIComponent(parts[5] ?? '').split(':');
      const port = this.podProxies.get(`${parts[3] ?? ''}/${name ?? ''}`);
      if (scheme !== 'https' || port === undefined) {
        this.status(response, 503, 'ServiceUnavailable', `no endpoints available for pod "${name ?? ''}"`);
        return;
      }
      const proxied = await new Promise<{ code: number; body: string }>((resolve, reject) => {
        httpsGet(`https://127.0.0.1:${port}/${parts.slice(7).map(decodeURIComponent).join('/')}`, { rejectUnauthorized: false }, (answer) => {
          let body = '';
          answer.on('data', (chunk: Buffer) => (body += chunk.toString()));
          answer.on('end', () => resolve({ code: answer.statusCode ?? 502, body }));
        }).on('error', reject);
      });
      response.writeHead(proxied.code, { 'content-type': 'application/json' });
      response.end(proxied.body);
      return;
    }

    // /api/v1/namespaces/{ns}/pods/{name}: one pod
    if (method === 'GET' && parts[0] === 'api' && parts[2] === 'namespaces' && parts[4] === 'pods' && parts.length === 6) {
      const found = this.get('pods', parts[3], decodeURIComponent(parts[5] ?? ''));
      if (found) this.send(response, 200, found);
      else this.status(response, 404, 'NotFound', `pods "${parts[5] ?? ''}" not found`);
      return;
    }

    // /api/v1/namespaces/{ns}/pods?labelSelector=key=value: one namespace's pods, as selected
    if (method === 'GET' && parts[0] === 'api' && parts[2] === 'namespaces' && parts[4] === 'pods' && parts.length === 5) {
      const [key = '', value] = (url.searchParams.get('labelSelector') ?? '').split('=');
      const items = [...this.collection('pods').objects.values()].filter(
        (pod) => pod.metadata.namespace === parts[3] && (key === '' || (pod.metadata.labels as Record<string, string> | undefined)?.[key] === value),
      );
      this.send(response, 200, { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: String(this.version) }, items });
      return;
    }

    // /api/v1/pods: list, in pages of ?limit= with a continue token, as the API server does
    if (method === 'GET' && parts[0] === 'api' && parts.length === 3 && parts[2] === 'pods' && url.searchParams.get('watch') !== 'true') {
      const all = [...this.collection('pods').objects.values()];
      const limit = Number(url.searchParams.get('limit') ?? '0') || all.length;
      const from = Number(url.searchParams.get('continue') ?? '0');
      const next = from + limit < all.length ? String(from + limit) : undefined;
      this.send(response, 200, {
        kind: 'PodList',
        apiVersion: 'v1',
        metadata: { resourceVersion: String(this.version), ...(next ? { continue: next } : {}) },
        items: all.slice(from, from + limit),
      });
      return;
    }

    // /api/v1/namespaces, /api/v1/services, /api/v1/pods (watch) and
    // /apis/discovery.k8s.io/v1/endpointslices: list, or watch with ?watch=true
    const listed =
      parts[0] === 'api' && parts.length === 3 ? parts[2] : url.pathname === '/apis/discovery.k8s.io/v1/endpointslices' ? 'endpointslices' : undefined;
    if (method === 'GET' && (listed === 'namespaces' || listed === 'services' || listed === 'pods' || listed === 'endpointslices')) {
      const collection = this.collection(listed);
      if (url.searchParams.get('watch') === 'true') {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.flushHeaders();
        collection.watchers.add(response);
        response.on('close', () => collection.watchers.delete(response));
        return;
      }
      this.send(response, 200, {
        kind: { namespaces: 'NamespaceList', services: 'ServiceList', pods: 'PodList', endpointslices: 'EndpointSliceList' }[listed],
        apiVersion: listed === 'endpointslices' ? 'discovery.k8s.io/v1' : 'v1',
        metadata: { resourceVersion: String(this.version) },
        items: [...collection.objects.values()],
      });
      return;
    }
    this.status(response, 404, 'NotFound', `the fake API server does not serve ${method} ${url.pathname}`);
  }
}
