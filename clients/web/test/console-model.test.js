import { test } from 'node:test';
import assert from 'node:assert/strict';
import { activeAlerts, ago, bottleneckText, counters, countersFromWindows, parsePrometheus, sortSessions, stageBars } from '../console/model.js';

test('counters sum a metric over its label sets; absent metrics are null', () => {
  const text = [
    '# HELP interrupt_total Interruptions',
    '# TYPE interrupt_total counter',
    'interrupt_total{service="metrics-service",instance="a"} 3.0',
    'interrupt_total{service="metrics-service",instance="b"} 2.0',
    'ice_restart_total 1',
    'token_rotated_total{service="metrics-service"} NaN',
  ].join('\n');
  assert.equal(parsePrometheus(text).get('interrupt_total'), 5);
  const byKey = Object.fromEntries(counters(text).map((c) => [c.key, c.value]));
  assert.equal(byKey.interrupts, 5);
  assert.equal(byKey.ice_restarts, 1);
  assert.equal(byKey.rotations, null);
  assert.equal(byKey.recovery_failures, null);
});

const report = {
  window: '5m',
  stages: {
    full_turn: { count: 4, p50_ms: 2000, p95_ms: 2600, budget_ms: { target: 2000, max: 3000 }, verdict: 'within' },
    uplink: { count: 4, p50_ms: 20, p95_ms: 40, budget_ms: { target: 30, max: 50 }, verdict: 'within' },
    first_audio: { count: 4, p50_ms: 1200, p95_ms: 3300, budget_ms: { target: 800, max: 1500 }, verdict: 'over' },
    inference: { count: 0, p50_ms: null, p95_ms: null, budget_ms: { target: 500, max: 900 }, verdict: 'no_data' },
  },
  first_audio_verdict: 'over',
  groups: [{ group: 'network', value_ms: 40, budget_ms: 50, over_ms: -10 }, { group: 'inference', value_ms: 2000, budget_ms: 900, over_ms: 1100 }],
  bottleneck: 'inference',
};

test('stage bars come in pipeline order on one scale, the bottleneck named with its overrun', () => {
  const bars = stageBars(report);
  assert.deepEqual(bars.rows.map((r) => r.stage), ['uplink', 'inference', 'first_audio', 'full_turn']);
  assert.ok(Math.abs(bars.scaleMs - 3630) < 1e-9, 'the largest value plus a margin');
  const fa = bars.rows.find((r) => r.stage === 'first_audio');
  assert.ok(Math.abs(fa.pct.p95 - (100 * 3300) / 3630) < 1e-9);
  assert.equal(bars.rows.find((r) => r.stage === 'inference').pct.p50, 0);
  assert.equal(bottleneckText(bars), 'Bottleneck: inference (1100 ms over its budget)');
  assert.equal(bottleneckText(stageBars({ ...report, bottleneck: 'network' })),
    'Bottleneck: network (closest to its budget, 10 ms under: the overrun is outside the measured stages)');
  assert.equal(bottleneckText(stageBars({ stages: {} })), 'No latency samples in the window yet');
  assert.equal(bottleneckText(stageBars({ stages: { uplink: { count: 1, p50_ms: 1, p95_ms: 1 } }, first_audio_verdict: 'within' })),
    'First audio within budget: no bottleneck');
});

test('busy sessions come first, ended last', () => {
  const sorted = sortSessions([
    { session_id: 'a', phase: 'ENDED', started_at_ms: 3 },
    { session_id: 'b', phase: 'LISTENING', started_at_ms: 1 },
    { session_id: 'c', phase: 'SPEAKING', started_at_ms: 2 },
    { session_id: 'd', phase: 'LISTENING', started_at_ms: 5 },
  ]);
  assert.deepEqual(sorted.map((s) => s.session_id), ['c', 'd', 'b', 'a']);
});

test('alerts: firing first, runbook from the annotations', () => {
  const alerts = activeAlerts({ alerts: [
    { alertname: 'B', state: 'pending', labels: {}, annotations: { summary: 's' } },
    { alertname: 'A', state: 'firing', labels: { severity: 'page' }, annotations: { summary: 'high', runbook: '1. Auth' } },
  ] });
  assert.deepEqual(alerts.map((a) => [a.name, a.state, a.runbook]), [['A', 'firing', '1. Auth'], ['B', 'pending', '']]);
  assert.equal(alerts[0].severity, 'page');
  assert.deepEqual(activeAlerts(null), []);
});

test('ago', () => {
  assert.equal(ago(0, 30_000), '30 s ago');
  assert.equal(ago(0, 600_000), '10 min ago');
  assert.equal(ago(undefined, 1), '');
});

test('counters from the console\'s merged windows; absent or non-numeric metrics are null', () => {
  const answer = { window: '1h', instances: ['m1', 'm2'], counters: { interrupt_total: 7, reconnect_total: 'x' } };
  const byKey = Object.fromEntries(countersFromWindows(answer).map((c) => [c.key, c.value]));
  assert.equal(byKey.interrupts, 7);
  assert.equal(byKey.reconnects, null);
  assert.equal(byKey.rotations, null);
  assert.deepEqual(countersFromWindows(null).map((c) => c.value), [null, null, null, null, null, null]);
});
