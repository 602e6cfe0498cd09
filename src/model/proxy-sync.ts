// A proxy's xDS sync state, as an injector replica reports it (GET
// /proxy-status) and `status` reads it: the shape both sides share.

export type SyncStatus = 'SYNCED' | 'STALE' | 'NACKED' | 'NOT SENT';

/** One connected proxy (istioctl proxy-status's columns). */
export interface ProxySync {
  /** `<pod>.<namespace>`. */
  pod: string;
  types: Array<{ typeUrl: string; status: SyncStatus; sent?: string; acked?: string; error?: string }>;
}
