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

/** One sentence on where first audio's time goes. */
export function bottleneckText(bars) {
  if (bars.bottleneck) {
    const g = bars.groups.find((x) => x.group === bars.bottleneck);
    let note = '';
    if (g && typeof g.over_ms === 'number') {
      note = g.over_ms > 0 ? ` (${Math.round(g.over_ms)} ms over its budget)`
        : ` (closest to its budget, ${Math.round(-g.over_ms)} ms under: the overrun is outside the measured stages)`;
    }
    return `Bottleneck: ${bars.bottleneck}${note}`;
  }
  if (bars.firstAudioVerdict === 'over') return 'First audio is over budget';
  if (bars.rows.every((r) => r.count === 0)) return 'No latency samples in the window yet';
  return 'First audio within budget: no bottleneck';
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
