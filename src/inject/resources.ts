// A container's `resources` from the configured requests and limits, leaving out
// what is unset (an empty `limits: {}` would read as a deliberate choice).

import type { Resources } from '../config/config.js';

export function resourcesSpec(resources: Resources): Record<string, Record<string, string>> {
  const spec: Record<string, Record<string, string>> = {};
  for (const kind of ['requests', 'limits'] as const) {
    const list = Object.fromEntries(Object.entries(resources[kind]).filter(([, v]) => v !== undefined)) as Record<string, string>;
    if (Object.keys(list).length > 0) spec[kind] = list;
  }
  return spec;
}
