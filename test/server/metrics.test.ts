// The webhook's metrics as Prometheus scrapes them: the self-test gauge is
// absent until a self-test has run (0 means failed, and is alerted on), and
// each review counts once under its operation and result.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WebhookMetrics } from '../../src/server/metrics.js';

describe('WebhookMetrics', () => {
  it('exports no self-test gauge until a self-test has run, then its last result', async () => {
    const metrics = new WebhookMetrics();
    assert.doesNotMatch(await metrics.registry.metrics(), /envoy_injector_self_test_success/);
    metrics.recordSelfTest(false);
    assert.match(await metrics.registry.metrics(), /\nenvoy_injector_self_test_success 0\n/);
    metrics.recordSelfTest(true);
    const text = await metrics.registry.metrics();
    assert.match(text, /\nenvoy_injector_self_test_success 1\n/);
    assert.match(text, /\nenvoy_injector_self_test_runs_total\{result="failure"\} 1\n/);
    assert.match(text, /\nenvoy_injector_self_test_runs_total\{result="success"\} 1\n/);
  });

  it('counts reviews by operation and result, injections, and skips by reason', async () => {
    const metrics = new WebhookMetrics();
    metrics.record({ operation: 'CREATE', result: 'injected', reasons: [] }, 0.001);
    metrics.record({ operation: 'CREATE', result: 'injected', reasons: [] }, 0.001, true);
    metrics.record(
      {
        operation: 'CREATE',
        result: 'skipped',
        reasons: [
          { code: 'other-mesh', message: '', rejectsPod: false },
          { code: 'namespace-not-enrolled', message: '', rejectsPod: false },
        ],
      },
      0.001,
    );
    const text = await metrics.registry.metrics();
    assert.match(text, /\nenvoy_injector_admission_requests_total\{operation="CREATE",result="injected"\} 2\n/);
    assert.match(text, /\nenvoy_injector_injections_total 2\n/);
    assert.match(text, /\nenvoy_injector_answers_reused_total 1\n/);
    assert.match(text, /\nenvoy_injector_skips_total\{reason="other-mesh"\} 1\n/);
    assert.match(text, /\nenvoy_injector_skips_total\{reason="namespace-not-enrolled"\} 1\n/);
  });
});
