// What a pod's annotations, over its namespace's defaults, over the
// injector's config, make of its proxy (inject/settings.ts): each annotation
// read into its setting, the pod's own winning, a bad namespace default
// ignored with a warning while a bad pod annotation refuses the pod, and the
// problems said with the annotation that causes them.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_CONFIG, type InjectorConfig } from '../../src/config/config.js';
import { readProxySettings, type PodProxySettings } from '../../src/inject/settings.js';
import type { NamespaceContext, Pod } from '../../src/model/kubernetes.js';
import { ANNOTATION } from '../../src/model/names.js';

function pod(annotations: Record<string, string> = {}): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', annotations }, spec: { containers: [{ name: 'app', image: 'a' }] } };
}

function namespace(annotations: Record<string, string> = {}): NamespaceContext {
  return { name: 'shop', metadata: { labels: {}, annotations } };
}

function read(podAnnotations: Record<string, string>, namespaceAnnotations: Record<string, string> = {}): PodProxySettings {
  const result = readProxySettings(pod(podAnnotations), namespace(namespaceAnnotations), DEFAULT_CONFIG);
  assert.ok(result.ok, result.ok ? '' : result.problems.join('\n'));
  return result.value;
}

function refusal(podAnnotations: Record<string, string>, namespaceAnnotations: Record<string, string> = {}): string[] {
  const result = readProxySettings(pod(podAnnotations), namespace(namespaceAnnotations), DEFAULT_CONFIG);
  assert.equal(result.ok, false, 'the annotations were refused');
  return result.ok ? [] : [...result.problems];
}

describe('the injector config, when nothing is annotated', () => {
  it('is the proxy', () => {
    const { settings, warnings } = read({});
    assert.deepEqual(warnings, []);
    assert.equal(settings.image, DEFAULT_CONFIG.proxy.image);
    assert.equal(settings.logLevel, 'warning');
    assert.deepEqual(settings.resources, DEFAULT_CONFIG.proxy.resources);
    assert.equal(settings.nativeSidecar, true);
    assert.equal(settings.holdApplicationUntilProxyStarts, false);
    const { mode: _mode, cniInstalled: _installed, ...capture } = DEFAULT_CONFIG.capture;
    assert.deepEqual(settings.capture, capture);
    assert.deepEqual([settings.captureMode, settings.captureModeFrom], ['init', 'config capture.mode']);
    assert.deepEqual(settings.routes, { virtualHosts: [], clusters: [], serviceClusters: [] });
    assert.deepEqual(
      settings.httpPorts.map((p) => p.port),
      [80, 8080],
    );
    assert.equal(settings.accessLog, 'off');
    assert.equal(settings.drainSeconds, 5);
  });
});

describe('each annotation, on the pod', () => {
  it('sets its setting', () => {
    const { settings } = read({
      [ANNOTATION.proxyImage]: 'registry.example/envoy:v1.36.6',
      [ANNOTATION.logLevel]: 'warn',
      [ANNOTATION.nativeSidecar]: 'false',
      [ANNOTATION.holdApplicationUntilProxyStarts]: 'true',
      [ANNOTATION.excludeInboundPorts]: '9901',
      [ANNOTATION.excludeOutboundPorts]: '5432, 6379',
      [ANNOTATION.excludeOutboundIpRanges]: '10.0.0.0/8',
      [ANNOTATION.includeOutboundIpRanges]: '10.96.0.0/12',
      [ANNOTATION.httpPorts]: '9090',
      [ANNOTATION.accessLog]: 'json',
      [ANNOTATION.proxyCpu]: '500m',
      [ANNOTATION.proxyMemory]: '256Mi',
      [ANNOTATION.proxyCpuLimit]: '1500m',
      [ANNOTATION.proxyMemoryLimit]: '512Mi',
    });
    assert.equal(settings.image, 'registry.example/envoy:v1.36.6');
    assert.equal(settings.logLevel, 'warning', 'warn is spelled as Envoy spells it');
    assert.equal(settings.nativeSidecar, false);
    assert.equal(settings.holdApplicationUntilProxyStarts, true);
    assert.deepEqual(settings.capture, {
      excludeInboundPorts: [9901],
      excludeOutboundPorts: [5432, 6379],
      excludeOutboundIpRanges: ['10.0.0.0/8'],
      includeOutboundIpRanges: ['10.96.0.0/12'],
    });
    assert.deepEqual(
      settings.httpPorts.map((p) => [p.port, p.origins]),
      [
        [80, ['config proxy.outboundHttpPorts']],
        [8080, ['config proxy.outboundHttpPorts']],
        [9090, [`annotation ${ANNOTATION.httpPorts}`]],
      ],
    );
    assert.equal(settings.accessLog, 'json');
    // Kept as the user wrote them: the container shows "500m", not 0.5.
    assert.deepEqual(settings.resources, { requests: { cpu: '500m', memory: '256Mi' }, limits: { cpu: '1500m', memory: '512Mi' } });
  });

  it('keeps the defaults of what it does not name', () => {
    const { settings } = read({ [ANNOTATION.proxyCpu]: '200m' });
    assert.deepEqual(settings.resources, { requests: { cpu: '200m', memory: '128Mi' }, limits: { cpu: '2', memory: '1Gi' } });
  });

  it('excluding an outbound port takes it out of the HTTP ports', () => {
    const { settings } = read({ [ANNOTATION.excludeOutboundPorts]: '8080' });
    assert.deepEqual(
      settings.httpPorts.map((p) => p.port),
      [80],
    );
  });
});

describe('namespace defaults', () => {
  it('apply to the pods that do not say otherwise', () => {
    const { settings } = read({}, { [ANNOTATION.logLevel]: 'debug', [ANNOTATION.httpPorts]: '9090' });
    assert.equal(settings.logLevel, 'debug');
    assert.deepEqual(settings.httpPorts.find((p) => p.port === 9090)?.origins, [`namespace annotation ${ANNOTATION.httpPorts}`]);
  });

  it("lose to the pod's own annotation", () => {
    const { settings } = read({ [ANNOTATION.logLevel]: 'info' }, { [ANNOTATION.logLevel]: 'debug' });
    assert.equal(settings.logLevel, 'info');
  });

  it('when invalid, are ignored with a warning that names them, and the pod is still injected', () => {
    const { settings, warnings } = read({}, { [ANNOTATION.logLevel]: 'loud', [ANNOTATION.accessLog]: 'text' });
    assert.equal(settings.logLevel, 'warning');
    assert.equal(settings.accessLog, 'text', 'the valid defaults still apply');
    assert.equal(warnings.length, 1);
    assert.match(
      warnings[0] ?? '',
      /^envoy-injector: namespace annotation envoy-injector\.io\/log-level: .* \(namespace shop\): ignored, its pods use the injector's default$/,
    );
  });

  it("when invalid but overridden by the pod's own, are not this pod's concern", () => {
    const { settings, warnings } = read({ [ANNOTATION.logLevel]: 'info' }, { [ANNOTATION.logLevel]: 'loud' });
    assert.equal(settings.logLevel, 'info');
    assert.deepEqual(warnings, []);
  });
});

describe("a pod's own invalid annotation", () => {
  it('refuses the pod, naming the annotation', () => {
    const problems = refusal({ [ANNOTATION.logLevel]: 'loud' });
    assert.equal(problems.length, 1);
    assert.match(problems[0] ?? '', /^annotation envoy-injector\.io\/log-level: /);
  });

  it('is read without its surrounding spaces', () => {
    assert.equal(read({ [ANNOTATION.logLevel]: '  debug \n' }).settings.logLevel, 'debug');
  });

  it('names every bad annotation, not only the first', () => {
    assert.equal(refusal({ [ANNOTATION.logLevel]: 'loud', [ANNOTATION.accessLog]: 'xml', [ANNOTATION.nativeSidecar]: 'maybe' }).length, 3);
  });

  it("refuses HTTP ports that are the proxy's own", () => {
    assert.deepEqual(refusal({ [ANNOTATION.httpPorts]: '80, 15001' }), [
      "annotation envoy-injector.io/http-ports: 15001 is one of the proxy's own ports (15000, 15001, 15006, 15021, 15090)",
    ]);
    assert.deepEqual(refusal({ [ANNOTATION.httpPorts]: '15006,15090' }), [
      "annotation envoy-injector.io/http-ports: 15006, 15090 are the proxy's own ports (15000, 15001, 15006, 15021, 15090)",
    ]);
  });
});

describe('unknown envoy-injector.io annotations', () => {
  it('are refused on the pod, with a suggestion', () => {
    assert.deepEqual(refusal({ 'envoy-injector.io/log-levle': 'debug' }), [
      'annotation envoy-injector.io/log-levle: unknown annotation (did you mean "envoy-injector.io/log-level"?)',
    ]);
  });

  it('never suggest what only the injector writes', () => {
    const [problem] = refusal({ 'envoy-injector.io/statuss': 'x' });
    assert.ok(!(problem ?? '').includes('envoy-injector.io/status"'), problem);
  });

  it('are named, all ten, when there are ten', () => {
    const ten = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`envoy-injector.io/unknown-${i}`, 'x']));
    assert.equal(refusal(ten).length, 10);
  });

  it('on the namespace, are warned of once, however often the pod is read again', () => {
    const many = Object.fromEntries(Array.from({ length: 13 }, (_, i) => [`envoy-injector.io/unknown-${i}`, 'x']));
    const long = `envoy-injector.io/${'x'.repeat(300)}`;
    const { warnings } = read({}, { ...many, [long]: 'x', [ANNOTATION.logLevel]: 'loud', [ANNOTATION.proxyCpu]: 'bad', [ANNOTATION.proxyCpuLimit]: '50m' });
    assert.deepEqual(
      warnings.map((w) => w.replace(/ \(namespace shop\): ignored, its pods use the injector's default$/, '')),
      [
        ...Array.from(
          { length: 10 },
          (_, i) => `envoy-injector: namespace annotation envoy-injector.io/unknown-${i}: unknown annotation (did you mean "envoy-injector.io/inject"?)`,
        ),
        'envoy-injector: namespace annotation envoy-injector.io/*: and 4 more unknown annotations',
        'envoy-injector: namespace annotation envoy-injector.io/proxy-cpu: "bad" is not a Kubernetes quantity (e.g. 100m, 0.5, 128Mi, 1Gi)',
        'envoy-injector: namespace annotation envoy-injector.io/log-level: "loud" is not an Envoy log level (one of trace, debug, info, warning, error, critical, off)',
        "envoy-injector: namespace annotation envoy-injector.io/proxy-cpu-limit: the proxy's cpu request 100m is above its limit 50m (from envoy-injector.io/proxy-cpu-limit): raise envoy-injector.io/proxy-cpu-limit or lower envoy-injector.io/proxy-cpu",
      ],
    );
  });

  it('are named up to ten, and the rest counted', () => {
    const many = Object.fromEntries(Array.from({ length: 13 }, (_, i) => [`envoy-injector.io/unknown-${i}`, 'x']));
    const problems = refusal(many);
    assert.equal(problems.length, 11);
    assert.equal(problems[10], 'annotation envoy-injector.io/*: and 3 more unknown annotations');
  });

  it('are shown cut to 100 characters, without a suggestion', () => {
    const key = `envoy-injector.io/${'x'.repeat(300)}`;
    assert.deepEqual(refusal({ [key]: 'x' }), [`annotation ${key.slice(0, 100)}: unknown annotation`]);
  });

  it("other domains' annotations are not ours to judge", () => {
    assert.deepEqual(read({ 'example.com/log-level': 'loud', 'sidecar.istio.io/proxyCPU': '1' }).warnings, []);
  });

  it('on the namespace, are a warning', () => {
    const { warnings } = read({}, { 'envoy-injector.io/log-levle': 'debug' });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', /unknown annotation \(did you mean "envoy-injector\.io\/log-level"\?\) \(namespace shop\): ignored/);
  });
});

describe("the proxy's requests within its limits", () => {
  it('refuses a CPU request above the default limit, blaming the request', () => {
    assert.deepEqual(refusal({ [ANNOTATION.proxyCpu]: '3' }), [
      "annotation envoy-injector.io/proxy-cpu: the proxy's cpu request 3 is above its limit 2 (from the default limit): raise envoy-injector.io/proxy-cpu-limit or lower envoy-injector.io/proxy-cpu",
    ]);
  });

  it('refuses a memory limit below the default request, blaming the limit', () => {
    assert.deepEqual(refusal({ [ANNOTATION.proxyMemoryLimit]: '64Mi' }), [
      "annotation envoy-injector.io/proxy-memory-limit: the proxy's memory request 128Mi is above its limit 64Mi (from envoy-injector.io/proxy-memory-limit): raise envoy-injector.io/proxy-memory-limit or lower envoy-injector.io/proxy-memory",
    ]);
  });

  it('accepts a request equal to its limit', () => {
    assert.deepEqual(read({ [ANNOTATION.proxyCpu]: '2', [ANNOTATION.proxyMemory]: '1Gi' }).warnings, []);
  });

  it('ignores a namespace default that fails once another is ignored: the pod gets the defaults, never a request above its limit', () => {
    // With the namespace's CPU request unreadable, the default request (100m)
    // is above the namespace's CPU limit (50m): that limit is ignored too.
    const { settings, warnings } = read({}, { [ANNOTATION.proxyCpu]: 'bad', [ANNOTATION.proxyCpuLimit]: '50m', [ANNOTATION.proxyMemory]: '64Mi' });
    assert.deepEqual(settings.resources, { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '2', memory: '1Gi' } });
    assert.equal(warnings.length, 2);
    assert.match(
      warnings[1] ?? '',
      /^envoy-injector: namespace annotation envoy-injector\.io\/proxy-cpu-limit: the proxy's cpu request 100m is above its limit 50m/,
    );
  });

  it('compares a request with its limit only when both were read: an unreadable one is the problem', () => {
    assert.deepEqual(refusal({ [ANNOTATION.proxyCpu]: 'bad', [ANNOTATION.proxyCpuLimit]: '50m' }), [
      'annotation envoy-injector.io/proxy-cpu: "bad" is not a Kubernetes quantity (e.g. 100m, 0.5, 128Mi, 1Gi)',
    ]);
    assert.deepEqual(refusal({ [ANNOTATION.proxyMemory]: '2Gi', [ANNOTATION.proxyMemoryLimit]: 'lots' }), [
      'annotation envoy-injector.io/proxy-memory-limit: "lots" is not a Kubernetes quantity (e.g. 100m, 0.5, 128Mi, 1Gi)',
    ]);
  });

  it('does not blame the pod for a config whose own request is above its limit (the config is refused when loaded)', () => {
    const config: InjectorConfig = { ...DEFAULT_CONFIG, proxy: { ...DEFAULT_CONFIG.proxy, resources: { requests: { cpu: '3' }, limits: { cpu: '2' } } } };
    assert.equal(readProxySettings(pod(), namespace(), config).ok, true);
  });

  it('compares nothing the config leaves unset', () => {
    const config: InjectorConfig = { ...DEFAULT_CONFIG, proxy: { ...DEFAULT_CONFIG.proxy, resources: { requests: {}, limits: {} } } };
    assert.equal(readProxySettings(pod({ [ANNOTATION.proxyCpu]: '64' }), namespace(), config).ok, true);
    assert.equal(readProxySettings(pod({ [ANNOTATION.proxyMemoryLimit]: '1Mi' }), namespace(), config).ok, true);
  });

  it('refuses an unreadable quantity once, not also as above its limit', () => {
    const problems = refusal({ [ANNOTATION.proxyCpu]: 'lots' });
    assert.equal(problems.length, 1);
    assert.match(problems[0] ?? '', /^annotation envoy-injector\.io\/proxy-cpu: /);
  });
});

describe('capture and HTTP port annotations', () => {
  it('reads "*" as every address where addresses are included, and refuses it where they are excluded', () => {
    assert.deepEqual(read({ [ANNOTATION.includeOutboundIpRanges]: '*' }).settings.capture.includeOutboundIpRanges, ['*']);
    assert.match(refusal({ [ANNOTATION.excludeOutboundIpRanges]: '*' }).join(), /^annotation envoy-injector\.io\/exclude-outbound-ip-ranges: /);
  });

  it('refuses HTTP ports that are not ports, naming the annotation', () => {
    assert.match(refusal({ [ANNOTATION.httpPorts]: 'eighty' }).join(), /^annotation envoy-injector\.io\/http-ports: /);
  });
});
