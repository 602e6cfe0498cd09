// A gRPC ADS client that speaks the protocol as Envoy does (@grpc/grpc-js,
// TLS verified against the injector's CA for the Service name the proxies
// dial, the bearer token as metadata), and the responses of one stream,
// awaited one at a time.

import * as grpc from '@grpc/grpc-js';
import { envoyProtoIncludeDirs } from '../../src/server/envoy-protos.js';
import { adsService } from '../../src/server/xds-server.js';

export interface Response {
  type_url: string;
  version_info: string;
  nonce: string;
  resources: Array<{ type_url: string; value: Buffer }>;
}

export type Stream = grpc.ClientDuplexStream<Record<string, unknown>, Response>;

export type AdsClient = grpc.Client & { StreamAggregatedResources(metadata: grpc.Metadata): Stream };

/** The name the proxies dial: the serving certificate's SAN. */
export const XDS_SERVER_NAME = 'envoy-injector.envoy-injector.svc';

let service: grpc.ServiceClientConstructor | undefined;

export function adsClient(port: number, caCert: string, options: grpc.ChannelOptions = {}): AdsClient {
  // Loaded once: the protos take a while, and a bench opens thousands of clients.
  service ??= adsService(envoyProtoIncludeDirs());
  const AggregatedDiscoveryService = service;
  return new AggregatedDiscoveryService(`127.0.0.1:${port}`, grpc.credentials.createSsl(Buffer.from(caCert)), {
    'grpc.ssl_target_name_override': XDS_SERVER_NAME,
    'grpc.default_authority': XDS_SERVER_NAME,
    ...options,
  }) as unknown as AdsClient;
}

/** The responses of a stream, awaited one at a time; and how it ended. */
export class Received {
  private readonly queue: Response[] = [];
  private waiting: ((response: Response) => void) | undefined;
  readonly ended: Promise<grpc.StatusObject>;
  constructor(stream: Stream) {
    stream.on('data', (response: Response) => {
      if (this.waiting) {
        const resolve = this.waiting;
        this.waiting = undefined;
        resolve(response);
      } else this.queue.push(response);
    });
    this.ended = new Promise((resolve) => {
      stream.on('status', resolve);
      stream.on('error', () => undefined);
    });
  }
  /** The next response, or a failure after `seconds` (a generous limit, not a measure). */
  next(seconds = 10): Promise<Response> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no response')), seconds * 1000);
      this.waiting = (response) => {
        clearTimeout(timer);
        resolve(response);
      };
    });
  }
  get pending(): number {
    return this.queue.length;
  }
}

/** A stream of `client`, with the token (if any) as `authorization: Bearer`. */
export function openStream(client: AdsClient, token?: string): { stream: Stream; received: Received } {
  const metadata = new grpc.Metadata();
  if (token !== undefined) metadata.set('authorization', `Bearer ${token}`);
  const stream = client.StreamAggregatedResources(metadata);
  return { stream, received: new Received(stream) };
}
