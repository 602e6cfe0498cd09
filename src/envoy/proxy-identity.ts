// Who is asking for a proxy's config on the xDS port, and whether it may have
// it. A proxy names itself by node.id `<pod>.<namespace>` and proves it with
// its pod's service-account token (audience `envoy-injector`) as
// `authorization: Bearer <token>`; the API server's TokenReview says whose
// token it is. A bound token names its pod (the extra fields
// authentication.kubernetes.io/pod-name and pod-uid), so a stream gets that
// pod's config and nothing else. Pure: the metadata, the node id and the
// review's status in, the pod or the gRPC refusal out.

import { isPlainObject } from '../model/kubernetes.js';
import { quote } from '../syntax/quote.js';

/** The audience the injection asks the token for: a token for the API server does not pass. */
export const XDS_TOKEN_AUDIENCE = 'envoy-injector';

/** A projected service-account token is a JWT of about 1 KiB; anything far
 * longer is refused before it is sent for review. */
export const MAX_TOKEN_BYTES = 8 * 1024;

const TOKEN = /^[A-Za-z0-9._~+/=-]+$/;
const POD_NAME = 'authentication.kubernetes.io/pod-name';
const POD_UID = 'authentication.kubernetes.io/pod-uid';
// DNS-1123: a namespace is a label (no dots), a pod name a subdomain (dots allowed).
const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const SERVICE_ACCOUNT_USER = /^system:serviceaccount:([^:]{1,253}):([^:]{1,253})$/;

export interface ProxyPod {
  name: string;
  namespace: string;
  uid: string;
  serviceAccount: string;
}

export type ProxyIdentity = { ok: true; pod: ProxyPod } | { ok: false; code: 'UNAUTHENTICATED' | 'PERMISSION_DENIED'; message: string };

const unauthenticated = (message: string): ProxyIdentity => ({ ok: false, code: 'UNAUTHENTICATED', message });
const denied = (message: string): ProxyIdentity => ({ ok: false, code: 'PERMISSION_DENIED', message });

/** The token of the `authorization` metadata: exactly one value, `Bearer <token>`. */
export function bearerToken(values: readonly string[]): { ok: true; token: string } | { ok: false; message: string } {
  if (values.length !== 1) return { ok: false, message: values.length === 0 ? 'no authorization metadata' : 'more than one authorization metadata' };
  const [value = ''] = values;
  if (value.length > MAX_TOKEN_BYTES + 7) return { ok: false, message: `the authorization metadata is over ${MAX_TOKEN_BYTES} bytes` };
  const token = value.startsWith('Bearer ') ? value.slice(7) : undefined;
  if (token === undefined || !TOKEN.test(token)) return { ok: false, message: 'the authorization metadata is not "Bearer <token>"' };
  return { ok: true, token };
}

/** node.id `<pod>.<namespace>`: the namespace after the last dot. */
export function parseNodeId(id: string): { name: string; namespace: string } | undefined {
  const dot = id.lastIndexOf('.');
  // A pod name is at most 253 characters; the namespace's own pattern bounds it to 63.
  if (dot <= 0 || dot > 253) return undefined;
  const [name, namespace] = [id.slice(0, dot), id.slice(dot + 1)];
  return NAMESPACE.test(namespace) ? { name, namespace } : undefined;
}

/** The one string of a TokenReview's user.extra field, if there is exactly one. */
function extraValue(extra: unknown, key: string): string | undefined {
  const values = isPlainObject(extra) ? extra[key] : undefined;
  return Array.isArray(values) && values.length === 1 && typeof values[0] === 'string' && values[0] !== '' ? values[0] : undefined;
}

/** The pod a stream serves, from the node id it gave and the TokenReview's
 * status of its token; or why not, as the gRPC status to close it with. */
export function proxyIdentity(nodeId: string, review: unknown): ProxyIdentity {
  if (!isPlainObject(review) || review.authenticated !== true) {
    const error = isPlainObject(review) && typeof review.error === 'string' && review.error !== '' ? `: ${quote(review.error)}` : '';
    return unauthenticated(`the token was not accepted by the API server${error}`);
  }
  if (!Array.isArray(review.audiences) || !review.audiences.includes(XDS_TOKEN_AUDIENCE)) {
    return unauthenticated(`the token is not for the audience ${XDS_TOKEN_AUDIENCE}`);
  }
  const user = isPlainObject(review.user) ? review.user : {};
  const account = typeof user.username === 'string' ? SERVICE_ACCOUNT_USER.exec(user.username) : null;
  const name = extraValue(user.extra, POD_NAME);
  const uid = extraValue(user.extra, POD_UID);
  if (!account || name === undefined || uid === undefined) return denied("the token is not a pod's service-account token");
  const [, namespace = '', serviceAccount = ''] = account;
  const claimed = parseNodeId(nodeId);
  if (claimed === undefined) return denied(`node.id ${quote(nodeId)} is not <pod>.<namespace>`);
  if (claimed.name !== name || claimed.namespace !== namespace) {
    return denied(`node.id ${quote(nodeId)} is not the pod of its token (pod ${name} in namespace ${namespace})`);
  }
  return { ok: true, pod: { name, namespace, uid, serviceAccount } };
}
