// The smallest routes annotation: one virtual host, every path to one cluster.

export function oneRoute(host: string, cluster: string): string {
  return `virtual_hosts:
- name: ${host}
  domains: ["${host}"]
  routes:
  - match: { prefix: "/" }
    route: { cluster: "${cluster}" }
`;
}
