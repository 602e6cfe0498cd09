// The `envoy-config` volume: a downwardAPI projection of the annotations the
// webhook writes. No per-pod API objects, and kubelet rewrites the files when
// the annotations change, which is how route updates reach a running proxy.

import { XDS_TOKEN_AUDIENCE } from '../envoy/proxy-identity.js';
import type { Volume } from '../model/kubernetes.js';
import { CONFIG_FILES, CONFIG_VOLUME, TOKEN_FILE, TOKEN_VOLUME } from '../model/names.js';

/** kubelet renews a projected token at 80 % of its life; an hour is the
 * shortest the API server's default --service-account-max-token-expiration
 * allows without extension, and a stolen one is worth an hour at most. */
const TOKEN_SECONDS = 3600;

export function buildConfigVolume(): Volume {
  return {
    name: CONFIG_VOLUME,
    downwardAPI: {
      items: Object.values(CONFIG_FILES).map(({ file, annotation }) => ({
        path: file,
        fieldRef: { fieldPath: `metadata.annotations['${annotation}']` },
      })),
    },
  };
}

/** xds mode: the pod's service-account token for the injector's ADS server
 * alone (its own audience: a token for the API server is not accepted, and
 * this one is no use to the API server). Bound to the pod: the server reads
 * the pod's name and uid from it. */
export function buildTokenVolume(): Volume {
  return {
    name: TOKEN_VOLUME,
    projected: { sources: [{ serviceAccountToken: { audience: XDS_TOKEN_AUDIENCE, expirationSeconds: TOKEN_SECONDS, path: TOKEN_FILE } }] },
  };
}
