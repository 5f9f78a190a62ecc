import { test } from 'node:test';
import assert from 'node:assert/strict';
import { activeAlerts, ago, bottleneckText, counters, countersFromWindows, headline, historyCharts, parsePrometheus, sortSessions, stageBars, tiles } from '../console/model.js';

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
  assert.equal(bottleneckText(bars), 'Over budget: first_audio, p95 3300 ms against a budget of 1500 ms');
  assert.equal(bottleneckText(stageBars({ stages: {} })), 'No latency samples in the window yet');
  assert.equal(bottleneckText(stageBars({ stages: { uplink: { count: 1, p50_ms: 1, p95_ms: 1, verdict: 'within' } }, first_audio_verdict: 'within' })),
    'Every stage within budget');
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

test('the headline names the red bar: a stage over budget while first audio is within (once "no bottleneck")', () => {
  // what the console used to get wrong: metrics-service names no first-audio bottleneck (first audio
  // is within), yet uplink's bar is red; the headline must name uplink
  const bars = stageBars({
    stages: {
      uplink: { count: 9, p50_ms: 60, p95_ms: 120, budget_ms: { target: 30, max: 50 }, verdict: 'over' },
      playback: { count: 9, p50_ms: 90, p95_ms: 130, budget_ms: { target: 60, max: 100 }, verdict: 'over' },
      first_audio: { count: 9, p50_ms: 700, p95_ms: 900, budget_ms: { target: 800, max: 1500 }, verdict: 'within' },
    },
    first_audio_verdict: 'within',
    bottleneck: null,
  });
  const h = headline(bars);
  const red = bars.rows.filter((r) => r.verdict === 'over').map((r) => r.stage);
  assert.ok(red.includes(h.stage), `the headline names a red bar (${h.stage} in ${red})`);
  assert.equal(h.stage, 'uplink', 'the worst: 120/50 beats 130/100');
  assert.equal(h.over, true);
  assert.equal(h.text, 'Over budget: uplink, p95 120 ms against a budget of 50 ms (1 more stage over)');
  // and no red bar: no stage named
  const calm = headline(stageBars({ stages: { uplink: { count: 1, p95_ms: 20, budget_ms: { max: 50 }, verdict: 'within' } } }));
  assert.deepEqual([calm.stage, calm.over], [null, false]);
  // a red bar without a budget still counts as the worst (over with no max to compare)
  assert.equal(headline(stageBars({ stages: { inference: { count: 1, p95_ms: 5, verdict: 'over' } } })).stage, 'inference');
});

test('tiles: live sessions from the list, counters of the cluster, false interruptions per session', () => {
  const counterAnswer = { counters: {
    token_issued_total: 12, sessions_started_total: 8, false_interruption_total: 2,
    'session_rollover_total{outcome="completed"}': 3, 'session_rollover_total{outcome="failed"}': 1,
    'call_hangup_total{reason="abandoned"}': 4, 'call_hangup_total{reason="budget_exceeded"}': 5,
  } };
  const sessions = { sessions: [{ phase: 'LISTENING' }, { phase: 'ENDED' }, { phase: 'SPEAKING' }], next_after: null };
  const byKey = Object.fromEntries(tiles(counterAnswer, sessions).map((t) => [t.key, t]));
  assert.equal(byKey.live_sessions.value, 2);
  assert.equal(byKey.tokens_issued.value, 12);
  assert.equal(byKey.false_interruptions.value, 2);
  assert.equal(byKey.false_interruptions.rate, 0.25);
  assert.equal(byKey.false_interruptions.detail, '0.25 per session');
  assert.deepEqual([byKey.rollovers.value, byKey.rollovers.failed], [3, 1]);
  assert.equal(byKey.abandoned_hangups.value, 4);
  assert.equal(byKey.budget_hangups.value, 5);
  // nothing counted yet (no pane names the metric): 0, and no rate without a session
  const empty = Object.fromEntries(tiles({ counters: {} }, null).map((t) => [t.key, t]));
  assert.equal(empty.live_sessions.value, null);
  assert.equal(empty.false_interruptions.value, 0);
  assert.equal(empty.false_interruptions.rate, null);
  // a list cut at its page size says so
  assert.equal(tiles({}, { sessions: [], next_after: 'x' })[0].detail, 'first page only');
});

test('history charts: first audio with its budget, stages as a share of their budget, counters per minute', () => {
  const history = {
    time: [60, 120, 180],
    latency: { first_audio: { p95_ms: [900, null, 1800] }, uplink: { p95_ms: [25, 75, null] } },
    counters: { interrupt_total: [1, 0, 2] },
  };
  const report = { stages: { first_audio: { budget_ms: { target: 800, max: 1500 } }, uplink: { budget_ms: { target: 30, max: 50 } } } };
  const c = historyCharts(history, report);
  assert.deepEqual(c.firstAudio.data, [[60, 120, 180], [900, null, 1800], [800, 800, 800], [1500, 1500, 1500]]);
  const uplink = c.stages.labels.indexOf('uplink p95 / budget (%)') + 1;
  assert.deepEqual(c.stages.data[uplink], [50, 150, null]);
  // a stage with no budget known yet has no points rather than made-up ones
  const capture = c.stages.labels.indexOf('capture p95 / budget (%)') + 1;
  assert.deepEqual(c.stages.data[capture], [null, null, null]);
  assert.deepEqual(c.stages.data.at(-1), [100, 100, 100]);
  const interrupts = c.counters.labels.indexOf('interrupts') + 1;
  assert.deepEqual(c.counters.data[interrupts], [1, 0, 2]);
  assert.deepEqual(c.counters.data[c.counters.labels.indexOf('rollovers failed') + 1], [0, 0, 0]);
  // every series as long as the time axis (uPlot needs it)
  for (const chart of [c.firstAudio, c.stages, c.counters]) {
    assert.equal(chart.data.length, chart.labels.length + 1);
    for (const series of chart.data) assert.equal(series.length, 3);
  }
  assert.deepEqual(historyCharts(null, null).firstAudio.data, [[], [], [], []]);
});
