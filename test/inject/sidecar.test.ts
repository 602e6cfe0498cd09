// The envoy container (inject/sidecar.ts), stated as behaviours rather than
// pinned by a golden: how Envoy is started, how kubelet learns it is ready,
// what it may do, and how the two modes differ.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_CONFIG } from '../../src/config/config.js';
import { readProxySettings, type ProxySettings } from '../../src/inject/settings.js';
import { buildSidecar, PROMETHEUS_ANNOTATIONS, waitForProxyCommand } from '../../src/inject/sidecar.js';
import type { Container, Pod } from '../../src/model/kubernetes.js';

function settings(annotations: Record<string, string> = {}): ProxySettings {
  const pod: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', annotations }, spec: { containers: [{ name: 'app', image: 'a' }] } };
  const read = readProxySettings(pod, { name: 'shop' }, DEFAULT_CONFIG);
  if (!read.ok) throw new Error(read.problems.join('\n'));
  return read.value.settings;
}

function sidecar(annotations: Record<string, string> = {}, mode: 'native' | 'classic' = 'native'): Container {
  return buildSidecar({ settings: settings(annotations), serviceCluster: 'web.shop', holdTimeoutSeconds: 120 }, mode);
}

const argsOf = (container: Container): string[] => (container.args as string[] | undefined) ?? [];

const flag = (container: Container, name: string): string | undefined => {
  const args = argsOf(container);
  const at = args.indexOf(name);
  return at < 0 ? undefined : args[at + 1];
};

describe('the envoy container', () => {
  it('starts Envoy on the bootstrap file, named after its pod and workload', () => {
    const container = sidecar({ 'envoy-injector.io/log-level': 'debug', 'envoy-injector.io/proxy-concurrency': '3', 'envoy-injector.io/drain-seconds': '7' });
    assert.equal(container.name, 'envoy');
    assert.deepEqual(container.command, ['envoy']);
    assert.equal(flag(container, '-c'), '/etc/envoy-injector/bootstrap.json');
    assert.equal(flag(container, '--service-node'), '$(POD_NAME).$(POD_NAMESPACE)');
    assert.equal(flag(container, '--service-cluster'), 'web.shop');
    assert.equal(flag(container, '--log-level'), 'debug');
    assert.equal(flag(container, '--concurrency'), '3');
    assert.equal(flag(container, '--drain-time-s'), '7');
    assert.ok(argsOf(container).includes('--disable-hot-restart'));
    assert.deepEqual(
      (container.env as Array<{ name: string; valueFrom?: { fieldRef?: { fieldPath?: string } } }>).map((e) => [e.name, e.valueFrom?.fieldRef?.fieldPath]),
      [
        ['POD_NAME', 'metadata.name'],
        ['POD_NAMESPACE', 'metadata.namespace'],
      ],
    );
  });

  it('without draining, has no --drain-time-s and no preStop', () => {
    const container = sidecar({ 'envoy-injector.io/drain-seconds': '0' });
    assert.equal(flag(container, '--drain-time-s'), undefined);
    assert.equal(container.lifecycle, undefined);
  });

  it('with draining, stops through a preStop hook', () => {
    const container = sidecar({ 'envoy-injector.io/drain-seconds': '9' });
    assert.ok((container.lifecycle as { preStop?: unknown }).preStop);
  });

  it('declares the proxy ports by name, Prometheus as http-*', () => {
    assert.deepEqual(
      sidecar().ports?.map((p) => [p.name, p.containerPort, p.protocol]),
      [
        ['envoy-outbound', 15001, 'TCP'],
        ['envoy-inbound', 15006, 'TCP'],
        ['envoy-health', 15021, 'TCP'],
        ['http-envoy-prom', 15090, 'TCP'],
      ],
    );
    assert.deepEqual(PROMETHEUS_ANNOTATIONS, { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '15090', 'prometheus.io/path': '/stats/prometheus' });
  });

  it('is ready when Envoy says so on its health port', () => {
    const probe = sidecar().readinessProbe as { httpGet: { path: string; port: number } };
    assert.deepEqual(probe.httpGet, { path: '/ready', port: 15021 });
  });

  // Its security context is stated in inject.test.ts ("the proxy runs as the UID the capture rules exclude").
  it('reads its config from the config volume, read-only', () => {
    assert.deepEqual(sidecar().volumeMounts, [{ name: 'envoy-config', mountPath: '/etc/envoy-injector', readOnly: true }]);
  });

  it('takes its resources from the settings, as written', () => {
    assert.deepEqual(sidecar({ 'envoy-injector.io/proxy-cpu': '250m' }).resources, {
      requests: { cpu: '250m', memory: '128Mi' },
      limits: { cpu: '2', memory: '1Gi' },
    });
  });
});

describe('native and classic mode', () => {
  it('native: a restartable init container that the apps wait for', () => {
    const container = sidecar({}, 'native');
    assert.equal(container.restartPolicy, 'Always');
    assert.deepEqual((container.startupProbe as { httpGet: unknown }).httpGet, { path: '/ready', port: 15021 });
  });

  it('classic: an ordinary container, holding the apps only when asked', () => {
    const plain = sidecar({}, 'classic');
    assert.equal(plain.restartPolicy, undefined);
    assert.equal(plain.startupProbe, undefined);
    assert.equal((plain.lifecycle as { postStart?: unknown }).postStart, undefined);
    const holding = sidecar({ 'envoy-injector.io/hold-application-until-proxy-starts': 'true' }, 'classic');
    assert.deepEqual((holding.lifecycle as { postStart: { exec: { command: string[] } } }).postStart.exec.command, waitForProxyCommand(120));
  });

  it('native never needs the postStart hold: kubelet waits on the startup probe', () => {
    const container = sidecar({ 'envoy-injector.io/hold-application-until-proxy-starts': 'true', 'envoy-injector.io/drain-seconds': '0' }, 'native');
    assert.equal(container.lifecycle, undefined);
  });
});

describe('waitForProxyCommand', () => {
  it('polls /ready on the health port until its deadline, then fails saying so', () => {
    const [shell, dashC, script] = waitForProxyCommand(45);
    assert.deepEqual([shell, dashC], ['bash', '-c']);
    assert.ok(script?.includes('deadline=$((SECONDS + 45))'));
    assert.ok(script?.includes('/dev/tcp/127.0.0.1/15021'));
    assert.ok(script?.includes('GET /ready HTTP/1.0'));
    assert.ok(script?.includes('echo "envoy was not ready after 45s" >&2; exit 1'));
  });
});
