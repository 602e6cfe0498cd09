// The `envoy-config` volume: a downwardAPI projection of the annotations the
// webhook writes. No per-pod API objects, and kubelet rewrites the files when
// the annotations change, which is how route updates reach a running proxy.

import type { Volume } from '../model/kubernetes.js';
import { CONFIG_FILES, CONFIG_VOLUME } from '../model/names.js';

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
