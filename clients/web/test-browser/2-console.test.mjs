// The operator console in a real browser against the running suite: a live session, the tiles against
// the numbers the API serves, the last hour's charts drawn with data (uPlot, screenshots), the stage
// bars against budget with the headline naming the red stage, and an alert fired by an injected
// latency rise, with screenshots.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { appState, env, eventually, http, launch, openVoiceApp, waitPhase } from './harness.mjs';

let browser;
let app;
let consolePage;

before(async () => {
  browser = await launch();
  app = await openVoiceApp(browser);
  await app.page.evaluate(() => window.app.start());
  await waitPhase(app.page, 'LISTENING');
  for (const rid of ['resp_console_1', 'resp_console_2']) {
    await app.page.evaluate((r) => window.app.upstream.turn(r, { audioMs: 500 }), rid);
    await waitPhase(app.page, 'LISTENING');
  }
  await app.page.evaluate(() => Promise.all([window.app.client.events.flush(), window.app.client.telemetry.flush()]));
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  consolePage = await context.newPage();
  await consolePage.goto(env.console);
});

after(async () => {
  await app?.page.evaluate(() => window.app.client.end('test_done')).catch(() => {});
  await browser?.close();
});

function shot(name) {
  return consolePage.screenshot({ path: path.join(env.screenshots, name), fullPage: true });
}

/** Latency samples as a client reports them (POST /v1/telemetry with the session's rotation token). */
async function injectFirstAudio(valueMs, count) {
  const { sessionId, rotationToken } = await appState(app.page);
  const now = Date.now();
  const samples = Array.from({ length: count }, (_, i) => ({ stage: 'first_audio', value_ms: valueMs + (i % 7) * 10,
    turn: 100 + i, occurred_at: new Date(now - (count - i) * 10).toISOString(), platform: 'web-chromium' }));
  const r = await http('POST', `${env.metrics}/v1/telemetry`, { session_id: sessionId, samples },
    { authorization: `Bearer ${rotationToken}` });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(r.body.accepted, count, JSON.stringify(r.body));
}

test('the console lists the live session with its phase, refreshing by itself', async () => {
  const { sessionId } = await appState(app.page);
  const row = consolePage.locator(`tr[data-session-id="${sessionId}"]`);
  await row.waitFor({ timeout: 15_000 });
  assert.equal(await row.getAttribute('data-phase'), 'LISTENING');
  // the app moves on; the console follows without a reload
  await app.page.evaluate(async () => {
    await window.app.upstream.userUtterance('one more question');
    await window.app.upstream.startResponse('resp_console_live', { thinkMs: 50 });
  });
  await waitPhase(app.page, 'SPEAKING');
  await app.page.evaluate(() => window.app.client.events.flush());
  await consolePage.waitForSelector(`tr[data-session-id="${sessionId}"][data-phase="SPEAKING"]`, { timeout: 15_000 });
  await shot('console-session-speaking.png');
  await app.page.evaluate(() => window.app.upstream.finishResponse('resp_console_live', 'an answer'));
  await waitPhase(app.page, 'LISTENING');
  await app.page.evaluate(() => Promise.all([window.app.client.events.flush(), window.app.client.telemetry.flush()]));
  await consolePage.waitForSelector(`tr[data-session-id="${sessionId}"][data-phase="LISTENING"]`, { timeout: 15_000 });
  const refreshes = Number(await consolePage.locator('#updated').getAttribute('data-refreshes'));
  assert.ok(refreshes >= 2, `refreshed ${refreshes} times`);
  for (const key of ['rotations', 'interrupts', 'recovery_failures', 'ice_restarts']) {
    assert.equal(await consolePage.locator(`[data-counter="${key}"]`).count(), 1, key);
  }
});

test('stage bars show p50, p95 and the budget; a latency rise names first audio over budget', async () => {
  await consolePage.waitForSelector('.stage[data-stage="first_audio"]:not([data-count="0"])', { timeout: 30_000 });
  await consolePage.waitForSelector('.stage[data-stage="full_turn"]:not([data-count="0"])', { timeout: 30_000 });
  const stages = await consolePage.locator('.stage').evaluateAll((nodes) => nodes.map((n) => n.dataset.stage));
  assert.ok(stages.includes('first_audio') && stages.includes('uplink'), stages.join(','));
  const budget = await consolePage.locator('.stage[data-stage="first_audio"] .budget').getAttribute('style');
  assert.match(budget, /left:[\d.]+%;width:[\d.]+%/);
  await shot('console-stage-bars.png');

  await injectFirstAudio(3200, 60);
  await consolePage.waitForSelector('.stage[data-stage="first_audio"][data-verdict="over"]', { timeout: 30_000 });
  // the headline names a red bar, the worst of them, whatever metrics-service calls its bottleneck
  await consolePage.waitForFunction(() => {
    const named = document.querySelector('#bottleneck')?.dataset.stage;
    return named && document.querySelector(`.stage[data-stage="${named}"]`)?.dataset.verdict === 'over';
  }, null, { timeout: 30_000 });
  const named = await consolePage.locator('#bottleneck').getAttribute('data-stage');
  const headlineText = await consolePage.locator('#bottleneck').textContent();
  assert.match(headlineText, new RegExp(`^Over budget: ${named}, p95 \\d+ ms`));
  const red = await consolePage.locator('.stage[data-verdict="over"]').evaluateAll((nodes) => nodes.map((n) => n.dataset.stage));
  assert.ok(red.includes(named) && red.includes('first_audio'), `${named} among the red bars ${red}`);
  await shot('console-latency-rise.png');
});

test('the tiles show what the console API serves: cluster counters over the hour and live sessions', async (t) => {
  await consolePage.waitForSelector('[data-tile="tokens_issued"]', { timeout: 15_000 });
  // the page refreshes on its own: the tile catches up with the API's figure
  await eventually('tiles equal to /console/counters.json', async () => {
    const api = (await http('GET', `${env.console}/console/counters.json?window=1h`)).body.counters;
    const shown = await consolePage.locator('[data-tile]').evaluateAll((nodes) =>
      Object.fromEntries(nodes.map((n) => [n.dataset.tile, { value: n.dataset.value, failed: n.dataset.failed }])));
    const n = (m) => String(api[m] ?? 0);
    return api.token_issued_total > 0
      && shown.tokens_issued.value === n('token_issued_total')
      && shown.false_interruptions.value === n('false_interruption_total')
      && shown.rollovers.value === n('session_rollover_total{outcome="completed"}')
      && shown.rollovers.failed === n('session_rollover_total{outcome="failed"}')
      && shown.abandoned_hangups.value === n('call_hangup_total{reason="abandoned"}')
      && shown.budget_hangups.value === n('call_hangup_total{reason="budget_exceeded"}');
  }, { timeoutMs: 30_000, intervalMs: 1_000 });
  const list = (await http('GET', `${env.console}/api/session/v1/sessions?limit=100`)).body;
  const live = list.sessions.filter((s) => s.phase !== 'ENDED').length;
  assert.ok(live >= 1, 'the app\'s session is live');
  await eventually('live sessions tile', async () =>
    Number(await consolePage.locator('[data-tile="live_sessions"]').getAttribute('data-value')) >= 1);
  const file = path.join(env.screenshots, 'console-tiles.png');
  await consolePage.locator('#tiles-panel').screenshot({ path: file });
  t.diagnostic(`screenshot: ${file}`);
});

test('the last hour is charted: every chart has drawn series with data', async (t) => {
  await consolePage.waitForFunction(() => {
    const c = window.consoleCharts;
    const drawn = (u) => u && u.data[0].length > 0 && u.data.slice(1).some((s) => s.some((v) => v !== null && v > 0));
    return c && drawn(c['first-audio']) && drawn(c.stages) && drawn(c.counters);
  }, null, { timeout: 90_000, polling: 1_000 });
  const charts = await consolePage.evaluate(() => Object.fromEntries(Object.entries(window.consoleCharts).map(([name, u]) => {
    // pixels of the series' own colours on the plot canvas: the lines were really drawn
    const canvas = u.ctx.canvas;
    const { data } = u.ctx.getImageData(0, 0, canvas.width, canvas.height);
    const colours = u.series.slice(1).map((s) => (typeof s.stroke === 'function' ? s.stroke(u, 1) : s.stroke))
      .filter((c) => c && c !== '#555').map((c) => [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16)));
    let seriesPixels = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3] > 200 && colours.some(([r, g, b]) => Math.abs(data[i] - r) < 8 && Math.abs(data[i + 1] - g) < 8
        && Math.abs(data[i + 2] - b) < 8)) seriesPixels++;
    }
    return [name, { points: u.data[0].length, series: u.series.length - 1, seriesPixels }];
  })));
  for (const [name, c] of Object.entries(charts)) {
    assert.ok(c.points > 0, `${name}: ${c.points} points`);
    assert.ok(c.seriesPixels > 8, `${name}: the series were drawn (${c.seriesPixels} pixels of their colours)`);
  }
  const file = path.join(env.screenshots, 'console-history-charts.png');
  await consolePage.locator('#history-panel').screenshot({ path: file });
  t.diagnostic(`screenshot: ${file} (${JSON.stringify(charts)})`);
});

test('an alert fired by the injected latency rise shows with its runbook', async (t) => {
  const rules = await http('GET', `${env.alerting}/v1/rules`);
  if (rules.status === 404) {
    t.skip('alerting-service has no GET /v1/rules yet (404): the alert part cannot run against this suite');
    return;
  }
  assert.equal(rules.status, 200);
  const rule = rules.body.rules.find((r) => r.name === 'RealtimeFirstAudioP95High');
  assert.ok(rule, 'the default first-audio rule is loaded');
  // the rule must hold for its `for` duration (2 m by default): keep the latency high meanwhile
  const firing = await eventually('RealtimeFirstAudioP95High to fire', async () => {
    await injectFirstAudio(3200, 30);
    const alerts = await http('GET', `${env.alerting}/v1/alerts?alertname=RealtimeFirstAudioP95High`);
    return alerts.body?.alerts?.find((a) => a.alertname === 'RealtimeFirstAudioP95High' && a.state === 'firing');
  }, { timeoutMs: 240_000, intervalMs: 5_000 });
  const card = consolePage.locator('[data-alertname="RealtimeFirstAudioP95High"][data-state="firing"]');
  await card.waitFor({ timeout: 15_000 });
  assert.match(await card.textContent(), /First audio p95/);
  if (firing.annotations.runbook) {
    assert.equal((await card.locator('[data-testid="runbook"]').textContent()).trim(), firing.annotations.runbook.trim());
  }
  await shot('console-alert-firing.png');
});
