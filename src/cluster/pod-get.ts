// One pod, read from the API server with a kubeconfig and nothing else: the
// CNI plugin runs once per pod sandbox on the node, where every millisecond of
// start counts (client-node alone takes longer to load than this whole read).
// Bounded: the kubeconfig and the answer by size, the request by a deadline.

import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { parse as parseYaml } from 'yaml';
import { isPlainObject, type Pod } from '../model/kubernetes.js';

/** A pod is at most the API server's 3 MiB request limit, as JSON. */
const MAX_POD_BYTES = 4 * 2 ** 20;
const MAX_KUBECONFIG_BYTES = 1 * 2 ** 20;

export interface ApiAccess {
  server: string;
  ca?: Buffer;
  insecure: boolean;
  token?: string;
}

export class PodLookupError extends Error {
  constructor(
    message: string,
    /** True when the API server answered that the pod does not exist. */
    readonly notFound = false,
  ) {
    super(message);
  }
}

/** The current context's server, CA and token (inline or from a file). */
export function readKubeconfig(file: string): ApiAccess {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new PodLookupError(`cannot read the kubeconfig ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  if (text.length > MAX_KUBECONFIG_BYTES) throw new PodLookupError(`the kubeconfig ${file} is over ${MAX_KUBECONFIG_BYTES} bytes`);
  const config: unknown = parseYaml(text);
  const named = (list: unknown, name: unknown, key: string): Record<string, unknown> | undefined => {
    const entry: unknown = Array.isArray(list) ? (list as unknown[]).find((item) => isPlainObject(item) && item.name === name) : undefined;
    return isPlainObject(entry) && isPlainObject(entry[key]) ? entry[key] : undefined;
  };
  if (!isPlainObject(config)) throw new PodLookupError(`the kubeconfig ${file} is not a mapping`);
  const context = named(config.contexts, config['current-context'], 'context');
  const cluster = named(config.clusters, context?.cluster, 'cluster');
  const user = named(config.users, context?.user, 'user') ?? {};
  if (cluster === undefined || typeof cluster.server !== 'string')
    throw new PodLookupError(`the kubeconfig ${file} has no current context with a cluster server`);
  const caData = cluster['certificate-authority-data'];
  const caFile = cluster['certificate-authority'];
  const tokenFile = user.tokenFile;
  return {
    server: cluster.server,
    ...(typeof caData === 'string' ? { ca: Buffer.from(caData, 'base64') } : typeof caFile === 'string' ? { ca: readFileSync(caFile) } : {}),
    insecure: cluster['insecure-skip-tls-verify'] === true,
    ...(typeof user.token === 'string' ? { token: user.token } : typeof tokenFile === 'string' ? { token: readFileSync(tokenFile, 'utf8').trim() } : {}),
  };
}

export function getPod(access: ApiAccess, namespace: string, name: string, timeoutMs: number): Promise<Pod> {
  const url = new URL(`/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}`, access.server);
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'GET',
        headers: { accept: 'application/json', ...(access.token ? { authorization: `Bearer ${access.token}` } : {}) },
        ...(access.ca ? { ca: access.ca } : {}),
        rejectUnauthorized: !access.insecure,
        timeout: timeoutMs,
      },
      (response) => {
        const chunks: Buffer[] = [];
        let bytes = 0;
        response.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          if (bytes > MAX_POD_BYTES) {
            req.destroy(new PodLookupError(`the API server's answer is over ${MAX_POD_BYTES} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        response.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          if (response.statusCode === 404) {
            reject(new PodLookupError(`pod ${namespace}/${name} not found`, true));
            return;
          }
          if (response.statusCode !== 200) {
            reject(new PodLookupError(`the API server answered ${response.statusCode ?? '?'} for pod ${namespace}/${name}`));
            return;
          }
          try {
            resolve(JSON.parse(body) as Pod);
          } catch {
            reject(new PodLookupError(`the API server's answer for pod ${namespace}/${name} is not JSON`));
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new PodLookupError(`no answer from ${url.origin} within ${timeoutMs / 1000} s`)));
    req.on('error', (error) => reject(error instanceof PodLookupError ? error : new PodLookupError(`cannot reach ${url.origin}: ${error.message}`)));
    req.end();
  });
}
