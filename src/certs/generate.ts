// A CA and a serving certificate for the webhook, as kube-apiserver checks it:
// the server name it dials is <service>.<namespace>.svc, matched against SANs.

import selfsigned from 'selfsigned';

export interface WebhookCertificates {
  caCert: string;
  caKey: string;
  cert: string;
  key: string;
}

export interface CertificateRequest {
  service: string;
  namespace: string;
  /** Validity of the serving certificate; the server reloads renewed files live. */
  days?: number;
  /** Validity of a new CA (default: `days`); a longer-lived CA lets renewals keep the caBundle. */
  caDays?: number;
  now?: Date;
  /** Sign with this CA instead of a new one: a renewal keeps the caBundle. */
  ca?: { cert: string; key: string };
}

function serviceDnsNames(service: string, namespace: string): string[] {
  return [service, `${service}.${namespace}`, `${service}.${namespace}.svc`, `${service}.${namespace}.svc.cluster.local`];
}

function validity(now: Date, days: number): { notBeforeDate: Date; notAfterDate: Date } {
  const notBeforeDate = new Date(now.getTime() - 5 * 60 * 1000); // tolerate small clock skew
  return { notBeforeDate, notAfterDate: new Date(now.getTime() + days * 24 * 3600 * 1000) };
}

export async function generateWebhookCertificates(request: CertificateRequest): Promise<WebhookCertificates> {
  const { service, namespace, days = 365, now = new Date() } = request;
  const caDays = request.caDays ?? days;
  const ca = request.ca
    ? { cert: request.ca.cert, private: request.ca.key }
    : await selfsigned.generate([{ name: 'commonName', value: `${service}-ca` }], {
        keySize: 2048,
        algorithm: 'sha256',
        ...validity(now, caDays),
        extensions: [
          { name: 'basicConstraints', cA: true, critical: true },
          { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
        ],
      });
  const serving = await selfsigned.generate([{ name: 'commonName', value: `${service}.${namespace}.svc` }], {
    keySize: 2048,
    algorithm: 'sha256',
    ...validity(now, days),
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [...serviceDnsNames(service, namespace).map((value) => ({ type: 2 as const, value })), { type: 7 as const, ip: '127.0.0.1' }],
      },
    ],
  });
  return { caCert: ca.cert, caKey: ca.private, cert: serving.cert, key: serving.private };
}
