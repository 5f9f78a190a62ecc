// The console's view model, built from the services' answers: plain functions, no DOM, so Node's
// test runner covers them.

/** The counters the console shows, by the Prometheus name metrics-service exposes. */
export const COUNTERS = Object.freeze([
  { key: 'rotations', metric: 'token_rotated_total', label: 'Rotations' },
  { key: 'rotation_failures', metric: 'session_rotate_fail_total', label: 'Rotation failures' },
  { key: 'interrupts', metric: 'interrupt_total', label: 'Interrupts' },
  { key: 'recovery_failures', metric: 'interrupt_recovery_fail_total', label: 'Recovery failures' },
  { key: 'ice_restarts', metric: 'ice_restart_total', label: 'ICE restarts' },
  { key: 'reconnects', metric: 'reconnect_total', label: 'Reconnects' },
]);

/** The stages in pipeline order, then the end-to-end ones. */
export const STAGES = Object.freeze(['capture', 'uplink', 'inference', 'downlink', 'playback', 'first_audio', 'full_turn']);

/**
 * Sums each metric's samples over all label sets from the Prometheus text format.
 * @param {string} text
 * @returns {Map<string, number>}
 */
export function parsePrometheus(text) {
  const sums = new Map();
  for (const raw of String(text ?? '').split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const value = Number(m[3]);
    if (!Number.isFinite(value)) continue;
    sums.set(m[1], (sums.get(m[1]) ?? 0) + value);
  }
  return sums;
}

/** The console's counters from metrics-service's /metrics text; null where the metric is absent. */
export function counters(prometheusText) {
  const sums = parsePrometheus(prometheusText);
  return COUNTERS.map((c) => ({ ...c, value: sums.has(c.metric) ? sums.get(c.metric) : null }));
}

/**
 * The console's counters from the console's own GET /console/counters.json: totals over the window,
 * merged from every metrics-service instance; null where the metric is absent.
 */
export function countersFromWindows(answer) {
  const totals = answer?.counters ?? {};
  return COUNTERS.map((c) => ({ ...c, value: Number.isFinite(totals[c.metric]) ? totals[c.metric] : null }));
}

/**
 * Bars of the budget report (GET /v1/latency/budget): per stage p50, p95 and the budget range, on a
 * scale shared by all stages so they compare at a glance.
 */
export function stageBars(report) {
  const stages = report?.stages ?? {};
  const rows = [];
  for (const name of STAGES) {
    const s = stages[name];
    if (!s) continue;
    rows.push({
      stage: name,
      count: s.count ?? 0,
      p50: s.p50_ms ?? null,
      p95: s.p95_ms ?? null,
      target: s.budget_ms?.target ?? null,
      max: s.budget_ms?.max ?? null,
      verdict: s.verdict ?? 'no_data',
    });
  }
  const scale = Math.max(1, ...rows.flatMap((r) => [r.p95 ?? 0, r.max ?? 0, r.p50 ?? 0])) * 1.1;
  for (const r of rows) {
    r.pct = {
      p50: r.p50 === null ? 0 : (100 * r.p50) / scale,
      p95: r.p95 === null ? 0 : (100 * r.p95) / scale,
      target: r.target === null ? 0 : (100 * r.target) / scale,
      max: r.max === null ? 0 : (100 * r.max) / scale,
    };
  }
  return { rows, scaleMs: scale, window: report?.window ?? '5m', bottleneck: report?.bottleneck ?? null,
    firstAudioVerdict: report?.first_audio_verdict ?? null, groups: report?.groups ?? [] };
}

/**
 * The headline over the bars, from the same rows the bars are drawn from, so the two never disagree:
 * the worst stage over its budget (largest p95 / budget max) is named; else "within budget".
 * `stage` is the stage named (null when none is over), `over` whether any bar is red.
 */
export function headline(bars) {
  const over = bars.rows.filter((r) => r.verdict === 'over' && r.p95 !== null);
  if (over.length > 0) {
    const ratio = (r) => (r.max ? r.p95 / r.max : Number.POSITIVE_INFINITY);
    const worst = over.reduce((a, b) => (ratio(b) > ratio(a) ? b : a));
    const budget = worst.max === null ? '' : ` against a budget of ${Math.round(worst.max)} ms`;
    const others = over.length > 1 ? ` (${over.length - 1} more stage${over.length > 2 ? 's' : ''} over)` : '';
    return { text: `Over budget: ${worst.stage}, p95 ${Math.round(worst.p95)} ms${budget}${others}`, stage: worst.stage, over: true };
  }
  if (bars.rows.every((r) => r.count === 0)) return { text: 'No latency samples in the window yet', stage: null, over: false };
  return { text: 'Every stage within budget', stage: null, over: false };
}

/** The headline's sentence (see headline). */
export function bottleneckText(bars) {
  return headline(bars).text;
}

/** The tiles: live sessions, then cluster counters over the window (absent from every pane: 0). */
export function tiles(counterAnswer, sessionsAnswer) {
  const totals = counterAnswer?.counters ?? {};
  const n = (metric) => (Number.isFinite(totals[metric]) ? totals[metric] : 0);
  const sessions = sessionsAnswer?.sessions ?? null;
  const live = sessions === null ? null : sessions.filter((x) => x.phase !== 'ENDED').length;
  const started = n('sessions_started_total');
  const falseInterruptions = n('false_interruption_total');
  return [
    { key: 'live_sessions', label: 'Live sessions', value: live,
      detail: sessionsAnswer?.next_after ? 'first page only' : 'not ended' },
    { key: 'tokens_issued', label: 'Tokens issued', value: n('token_issued_total'), detail: 'last hour' },
    { key: 'false_interruptions', label: 'False interruptions', value: falseInterruptions,
      rate: started > 0 ? falseInterruptions / started : null,
      detail: started > 0 ? `${(falseInterruptions / started).toFixed(2)} per session` : 'no session started' },
    { key: 'rollovers', label: 'Rollovers completed / failed', value: n('session_rollover_total{outcome="completed"}'),
      failed: n('session_rollover_total{outcome="failed"}'), detail: 'hand-overs to a new call' },
    { key: 'abandoned_hangups', label: 'Abandoned calls hung up', value: n('call_hangup_total{reason="abandoned"}'),
      detail: 'client gone, call closed' },
    { key: 'budget_hangups', label: 'Budget hang-ups', value: n('call_hangup_total{reason="budget_exceeded"}'),
      detail: 'user or tenant over budget' },
  ];
}

/** The counters charted per minute (increase in each minute, over every metrics-service instance). */
export const CHARTED_COUNTERS = Object.freeze([
  { metric: 'interrupt_total', label: 'interrupts' },
  { metric: 'false_interruption_total', label: 'false interruptions' },
  { metric: 'interrupt_recovery_fail_total', label: 'recovery failures' },
  { metric: 'reconnect_total', label: 'reconnects' },
  { metric: 'session_rollover_total{outcome="completed"}', label: 'rollovers' },
  { metric: 'session_rollover_total{outcome="failed"}', label: 'rollovers failed' },
  { metric: 'call_hangup_total', label: 'calls hung up' },
  { metric: 'token_issued_total', label: 'tokens issued' },
]);

/**
 * uPlot's data of the three history charts from GET /console/history.json and the budget report:
 * first audio's p95 with its budget target and max; each stage's p95 as a percentage of its budget
 * max (100 % is the budget); the counters' increases per minute. x is seconds, as uPlot wants.
 */
export function historyCharts(history, report) {
  const time = history?.time ?? [];
  const latency = history?.latency ?? {};
  const budgets = report?.stages ?? {};
  const constant = (v) => time.map(() => (v ?? null));
  const fa = latency.first_audio?.p95_ms ?? constant(null);
  const faBudget = budgets.first_audio?.budget_ms ?? {};
  const stageNames = STAGES.filter((s) => s !== 'first_audio' && s !== 'full_turn');
  const pct = (stage) => {
    const max = budgets[stage]?.budget_ms?.max;
    const p95 = latency[stage]?.p95_ms ?? constant(null);
    return p95.map((v) => (v === null || !max ? null : Math.round((1000 * v) / max) / 10));
  };
  const counters = history?.counters ?? {};
  return {
    firstAudio: { labels: ['first audio p95 (ms)', 'budget target', 'budget max'],
      data: [time, fa, constant(faBudget.target), constant(faBudget.max)] },
    stages: { labels: [...stageNames.map((s) => `${s} p95 / budget (%)`), 'budget (100 %)'],
      data: [time, ...stageNames.map(pct), constant(100)] },
    counters: { labels: CHARTED_COUNTERS.map((c) => c.label),
      data: [time, ...CHARTED_COUNTERS.map((c) => counters[c.metric] ?? constant(0))] },
  };
}

const PHASE_ORDER = ['SPEAKING', 'THINKING', 'CANCELLING', 'RECOVERING', 'LISTENING', 'IDLE', 'ENDED'];

/** Live sessions first (busiest phase first, newest first), ended ones last. */
export function sortSessions(sessions) {
  return [...(sessions ?? [])].sort((a, b) => {
    const pa = PHASE_ORDER.indexOf(a.phase);
    const pb = PHASE_ORDER.indexOf(b.phase);
    if (pa !== pb) return pa - pb;
    return (b.started_at_ms ?? 0) - (a.started_at_ms ?? 0);
  });
}

/** Counts of sessions by phase. */
export function phaseCounts(sessions) {
  const out = {};
  for (const s of sessions ?? []) out[s.phase] = (out[s.phase] ?? 0) + 1;
  return out;
}

/** Active alerts, firing before pending, with the runbook picked from the annotations. */
export function activeAlerts(answer) {
  const alerts = (answer?.alerts ?? []).map((a) => ({
    name: a.alertname,
    state: a.state,
    severity: a.labels?.severity ?? null,
    summary: a.annotations?.summary ?? '',
    description: a.annotations?.description ?? '',
    runbook: a.annotations?.runbook ?? a.annotations?.runbook_url ?? '',
    activeAt: a.active_at ?? null,
    firedAt: a.fired_at ?? null,
    value: a.value ?? null,
    labels: a.labels ?? {},
  }));
  return alerts.sort((x, y) => (x.state === y.state ? x.name.localeCompare(y.name) : x.state === 'firing' ? -1 : 1));
}

/** "12 s", "3 min", "2 h" ago. */
export function ago(ms, now) {
  if (typeof ms !== 'number') return '';
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 90) return `${s} s ago`;
  if (s < 5400) return `${Math.round(s / 60)} min ago`;
  return `${Math.round(s / 3600)} h ago`;
}
