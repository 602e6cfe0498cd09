// Acting as kube-apiserver: real HTTPS to the webhook on loopback, the CA
// from `envoy-injector certs`, and the server name <service>.<namespace>.svc
// verified against the certificate's SANs, exactly as the API server does.

import { request as httpsRequest, Agent } from 'node:https';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';

export const WEBHOOK_SERVER_NAME = 'envoy-injector.envoy-injector.svc';

export interface HttpResult {
  status: number;
  body: string;
}

/** Go's TLS client, which kube-apiserver uses, ignores the Common Name: a
 * certificate must carry the name as a SAN. Node would fall back to the CN. */
export function checkSanIdentity(host: string, cert: PeerCertificate): Error | undefined {
  if (!cert.subjectaltname)
    return Object.assign(new Error('x509: certificate relies on legacy Common Name field, use SANs instead'), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
  return checkServerIdentity(host, cert);
}

export function makeAgent(ca: string, maxSockets = 50, keepAlive = true): Agent {
  return new Agent({ ca, servername: WEBHOOK_SERVER_NAME, keepAlive, maxSockets, minVersion: 'TLSv1.2', checkServerIdentity: checkSanIdentity });
}

function call(agent: Agent, port: number, method: 'GET' | 'POST', path: string, body?: string | Buffer, contentType = 'application/json'): Promise<HttpResult> {
  const headers = body === undefined ? {} : { 'content-type': contentType, 'content-length': Buffer.byteLength(body) };
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port, path, method, agent, servername: WEBHOOK_SERVER_NAME, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

export function post(agent: Agent, port: number, path: string, body: string | Buffer, contentType?: string): Promise<HttpResult> {
  return call(agent, port, 'POST', path, body, contentType);
}

export function get(agent: Agent, port: number, path: string): Promise<HttpResult> {
  return call(agent, port, 'GET', path);
}

/** Polls /readyz until 200 (or 10 s), returning the last answer. */
export async function waitReady(agent: Agent, port: number): Promise<HttpResult> {
  let ready = await get(agent, port, '/readyz');
  for (let i = 0; i < 100 && ready.status !== 200; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    ready = await get(agent, port, '/readyz');
  }
  return ready;
}

let counter = 0;
export function admissionReview(object: unknown, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  counter += 1;
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: `00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`,
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      requestKind: { group: '', version: 'v1', kind: 'Pod' },
      namespace: 'shop',
      operation: 'CREATE',
      userInfo: { username: 'system:serviceaccount:kube-system:replicaset-controller' },
      object,
      oldObject: null,
      dryRun: false,
      options: { apiVersion: 'meta.k8s.io/v1', kind: 'CreateOptions' },
      ...overrides,
    },
  };
}
