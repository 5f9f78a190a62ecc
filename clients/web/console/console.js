// The operator console: polls the services through the console's same-origin proxy and renders
// sessions, latency against budget, counters and alerts. Every value from a service goes into the
// page as text (never as HTML), and each panel fails on its own.
import uPlot from '/console/vendor/uplot/uPlot.esm.js';
import { activeAlerts, ago, countersFromWindows, headline, historyCharts, phaseCounts, sortSessions, stageBars, tiles } from './model.js';

const $ = (selector) => document.querySelector(selector);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null) continue;
    if (k === 'class') node.className = v;
    else if (k === 'style') node.setAttribute('style', v);
    else node.setAttribute(k, String(v));
  }
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c ?? '')));
  return node;
}

async function getJson(url) {
  const response = await fetch(url, { headers: { accept: 'application/json' } });
  const text = await response.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!response.ok) {
    const code = body?.error?.code ?? `http_${response.status}`;
    const error = new Error(`${response.status} ${code}: ${body?.error?.message ?? ''}`.trim());
    error.status = response.status;
    throw error;
  }
  return body;
}

function showError(panel, error) {
  const p = document.querySelector(`[data-error="${panel}"]`);
  if (!error) {
    p.hidden = true;
    p.textContent = '';
    return;
  }
  p.hidden = false;
  p.textContent = `unavailable: ${error.message ?? error}`;
}

function ms(v) {
  return v === null || v === undefined ? '–' : `${Math.round(v)} ms`;
}

function renderSessions(answer) {
  latestSessions = answer;
  const now = Date.now();
  const sessions = sortSessions(answer.sessions);
  $('#session-total').textContent = `(${answer.total_sessions ?? sessions.length} known)`;
  const counts = phaseCounts(sessions);
  $('#phase-counts').replaceChildren(...Object.entries(counts).map(([phase, n]) =>
    el('span', { class: `phase ${phase}` }, `${phase} ${n}`)));
  const rows = sessions.map((s) => el('tr', { 'data-session-id': s.session_id, 'data-phase': s.phase },
    el('td', { class: 'mono', title: s.session_id }, s.session_id.length > 28 ? `${s.session_id.slice(0, 28)}…` : s.session_id),
    el('td', {}, el('span', { class: `phase ${s.phase}`, 'data-testid': 'phase' }, s.phase)),
    el('td', {}, s.turn ?? 0),
    el('td', { class: 'mono' }, s.user_id ?? ''),
    el('td', {}, s.platform ?? ''),
    el('td', {}, s.interrupts ?? 0),
    el('td', {}, s.stale_events ?? 0),
    el('td', {}, ago(s.started_at_ms, now)),
    el('td', {}, s.advice ? (s.advice.action ?? s.advice.reason ?? JSON.stringify(s.advice)) : '')));
  $('#sessions').replaceChildren(...(rows.length ? rows : [el('tr', {}, el('td', { colspan: 9, class: 'none' }, 'no sessions'))]));
}

function renderLatency(report) {
  const bars = stageBars(report);
  $('#latency-window').textContent = `(${bars.window}, p50 and p95 against the budget range)`;
  // the headline and the bars come from the same rows (model.js headline)
  const h = headline(bars);
  const b = $('#bottleneck');
  b.textContent = h.text;
  b.className = `bottleneck${h.over ? ' over' : ''}`;
  b.dataset.stage = h.stage ?? '';
  latestReport = report;
  $('#stages').replaceChildren(...bars.rows.map((r) => {
    const budgetStyle = r.max ? `left:${r.pct.target}%;width:${Math.max(0.5, r.pct.max - r.pct.target)}%` : 'display:none';
    return el('div', { class: `stage ${r.verdict}`, 'data-stage': r.stage, 'data-verdict': r.verdict,
      'data-p50': r.p50, 'data-p95': r.p95, 'data-count': r.count },
    el('span', { class: 'name' }, r.stage),
    el('div', { class: 'track', title: `${r.stage}: p50 ${ms(r.p50)}, p95 ${ms(r.p95)}, budget ${ms(r.target)}…${ms(r.max)}` },
      el('div', { class: 'budget', style: budgetStyle }),
      el('div', { class: 'p95', style: `width:${r.pct.p95}%` }),
      el('div', { class: 'p50', style: `width:${r.pct.p50}%` })),
    el('span', { class: 'numbers' }, r.count ? `${ms(r.p50)} / ${ms(r.p95)} (n=${r.count})` : 'no samples'));
  }));
}

let latestReport = null;
let latestSessions = null;
const charts = {};
const COLORS = ['#c0392b', '#2e86c1', '#28b463', '#af7ac5', '#f39c12', '#16a085', '#7f8c8d', '#34495e'];

function renderTiles(answer) {
  $('#tiles').replaceChildren(...tiles(answer, latestSessions).map((t) => el('div', { class: 'tile', 'data-tile': t.key,
    'data-value': t.value ?? '', 'data-failed': t.failed, 'data-rate': t.rate },
  el('div', { class: 'value' }, t.value === null ? '–' : Math.round(t.value), t.failed === undefined ? '' : ` / ${Math.round(t.failed)}`),
  el('div', { class: 'label' }, t.label),
  el('div', { class: 'detail' }, t.detail))));
}

function chart(name, series, dashedFrom) {
  const box = document.querySelector(`[data-chart="${name}"]`);
  const width = Math.max(300, box.clientWidth - 8);
  const opts = {
    width, height: 220,
    scales: { x: { time: true } },
    series: [{}, ...series.labels.map((label, i) => ({ label, stroke: i >= dashedFrom ? '#555' : COLORS[i % COLORS.length],
      dash: i >= dashedFrom ? [6, 4] : undefined, width: 2, spanGaps: false,
      // a minute with data between empty ones is a point, not an invisible zero-length line
      points: { show: true, size: 6, fill: i >= dashedFrom ? '#555' : COLORS[i % COLORS.length] } }))],
    axes: [{}, { size: 60 }],
  };
  return new uPlot(opts, series.data, box);
}

function renderHistory(history) {
  const data = historyCharts(history, latestReport);
  const specs = { 'first-audio': [data.firstAudio, 1], stages: [data.stages, data.stages.labels.length - 1],
    counters: [data.counters, Infinity] };
  for (const [name, [series, dashedFrom]] of Object.entries(specs)) {
    if (!charts[name]) charts[name] = chart(name, series, dashedFrom);
    else charts[name].setData(series.data);
  }
  window.consoleCharts = charts;
}

let latestCounters = null;

function renderCounters(answer) {
  latestCounters = answer;
  $('#counters').replaceChildren(...countersFromWindows(answer).map((c) => el('div', { class: 'counter', 'data-counter': c.key,
    'data-value': c.value ?? '' },
  el('div', { class: 'value' }, c.value === null ? '0' : Math.round(c.value)),
  el('div', { class: 'label' }, c.label))));
}

function renderAlerts(answer) {
  const alerts = activeAlerts(answer);
  if (alerts.length === 0) {
    $('#alerts').replaceChildren(el('p', { class: 'none' }, 'No active alerts'));
    return;
  }
  $('#alerts').replaceChildren(...alerts.map((a) => el('div', { class: `alert ${a.state}`, 'data-alertname': a.name,
    'data-state': a.state },
  el('h3', {}, a.name, el('span', { class: 'state' }, a.state), a.severity ? el('span', { class: 'state' }, a.severity) : ''),
  el('div', {}, a.summary),
  a.runbook ? el('details', { open: '' }, el('summary', {}, 'Runbook'), el('pre', { 'data-testid': 'runbook' }, a.runbook)) : '')));
}

const panels = [
  { name: 'sessions', url: '/api/session/v1/sessions?limit=100', load: getJson, render: renderSessions },
  { name: 'latency', url: '/api/metrics/v1/latency/budget?window=5m', load: getJson, render: renderLatency },
  // the last hour over every metrics-service instance, merged by the console from Kafka
  { name: 'counters', url: '/console/counters.json?window=1h', load: getJson, render: renderCounters },
  { name: 'alerts', url: '/api/alerting/v1/alerts', load: getJson, render: renderAlerts },
];

// the charts after the panels: they take the budgets from the latency report just loaded
const historyPanel = { name: 'history', url: '/console/history.json?window=1h', load: getJson, render: renderHistory };

async function refresh() {
  await Promise.all(panels.map(async (p) => {
    try {
      p.render(await p.load(p.url));
      showError(p.name, null);
    } catch (e) {
      showError(p.name, e);
    }
  }));
  // tiles after the panels: live sessions and cluster counters of this refresh together
  if (latestCounters) renderTiles(latestCounters);
  try {
    historyPanel.render(await historyPanel.load(historyPanel.url));
    showError('history', null);
  } catch (e) {
    showError('history', e);
  }
  const updated = $('#updated');
  updated.textContent = `updated ${new Date().toLocaleTimeString()}`;
  updated.dataset.refreshes = String(Number(updated.dataset.refreshes ?? 0) + 1);
}

async function main() {
  let refreshMs = 2000;
  try {
    refreshMs = (await getJson('/console/settings.json')).refresh_ms ?? refreshMs;
  } catch {
    // defaults
  }
  const loop = async () => {
    await refresh();
    setTimeout(loop, refreshMs);
  };
  loop();
}

main();
