// The console's demo voice app (/demo) in a real browser, as a user drives it: the page is the
// console's own (its CSP and headers, the library from /client/index.js), connecting with its
// default, server-side call creation: the offer goes through the console's proxy to token-service's
// POST /v1/realtime/calls, token-service creates the call at upstream-sim with its API key, the
// simulator relays the offer to its media peer (this test, which has the page's simulated upstream
// answer it, as in 4-connect: the simulator has no media stack), and the answer comes back with the
// call id. The page never asks for a client secret. Then a turn, speech over the answer, the
// Interrupt button, and the stage latencies the page shows.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { env, eventually, http, launch, sessionView } from './harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
let browser;
let mediaPeer;
let page = null;
const relayed = [];

before(async () => {
  browser = await launch();
  mediaPeer = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      relayed.push(req.headers['x-call-id']);
      try {
        const sdp = await page.evaluate(({ offer, id }) => window.upstream.answerRelayed(offer, id),
          { offer: Buffer.concat(chunks).toString('utf8'), id: req.headers['x-call-id'] });
        res.writeHead(200, { 'content-type': 'application/sdp' }).end(sdp);
      } catch (e) {
        res.writeHead(500).end(String(e));
      }
    });
  });
  await new Promise((resolve) => mediaPeer.listen(0, '127.0.0.1', resolve));
  const registered = await http('PUT', `${env.sim}/admin/media-peer`, { url: `http://127.0.0.1:${mediaPeer.address().port}/answer` });
  assert.equal(registered.status, 200, JSON.stringify(registered.body));
});

after(async () => {
  await http('PUT', `${env.sim}/admin/media-peer`, { url: null }).catch(() => {});
  await new Promise((resolve) => mediaPeer?.close(resolve));
  await browser?.close();
});

const shown = (testId) => page.locator(`[data-testid="${testId}"]`).textContent();

async function waitShownPhase(phase, timeout = 10_000) {
  await page.waitForFunction((p) => document.querySelector('[data-testid="phase"]')?.textContent === p, phase, { timeout });
}

describe('the demo page at /demo', () => {
  test('connect (server-side call creation), a turn, an interrupt, the phase and the stage latencies', async () => {
    const context = await browser.newContext();
    page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    const requests = [];
    const tokenAnswers = [];
    page.on('request', (r) => requests.push(`${r.method()} ${new URL(r.url()).pathname}`));
    page.on('response', async (r) => {
      if (new URL(r.url()).pathname.startsWith('/api/token/')) tokenAnswers.push(await r.text().catch(() => ''));
    });
    // the simulated upstream (test-browser/pages/peer.js), loaded into the demo page from its origin
    await page.route(`${env.console}/__browser-test__/**`, async (route) => {
      const file = path.join(here, 'pages', path.basename(new URL(route.request().url()).pathname));
      await route.fulfill({ status: 200, contentType: 'text/javascript', body: await readFile(file, 'utf8') });
    });
    if (process.env.BROWSER_TEST_LOCAL_CLIENT === 'true') {
      await page.route(`${env.console}/client/**`, async (route) => {
        const name = path.basename(new URL(route.request().url()).pathname);
        await route.fulfill({ status: 200, contentType: 'text/javascript',
          body: await readFile(path.join(here, '..', 'src', name), 'utf8') });
      });
    }
    try {
      const response = await page.goto(`${env.console}/demo`);
      assert.equal(response.status(), 200);
      assert.match(response.headers()['content-security-policy'] ?? '', /script-src 'self'/);
      await page.waitForFunction(() => document.body.dataset.ready === 'true');
      await page.addScriptTag({ type: 'module', url: `${env.console}/__browser-test__/peer.js` });
      await page.waitForFunction(() => window.harnessReady === true);
      await page.evaluate(() => {
        window.upstream = new window.FakeUpstream();
      });

      const started = Date.now();
      await page.fill('#user-token', env.userToken);
      assert.equal(await page.inputValue('#mode'), 'server', 'server-side call creation is the default');
      await page.click('[data-testid="connect"]');
      await waitShownPhase('LISTENING').catch(async (e) => assert.fail(`${e.message}; error shown: ${await shown('error')}; page errors ${JSON.stringify(errors)}`));
      const callId = await shown('call-id');
      assert.match(callId, /^rtc_[A-Za-z0-9]{24}$/);
      assert.deepEqual(relayed, [callId], 'token-service created the call at the simulator, which relayed the offer');
      assert.equal(await shown('mode-shown'), 'server');
      assert.ok(requests.includes('POST /api/token/v1/realtime/calls'), requests.join(', '));
      assert.equal(requests.some((r) => /\/api\/token\/v1\/sessions/.test(r)), false, 'no client secret asked for');
      assert.equal(tokenAnswers.some((body) => /"ek_|client_secret/.test(body)), false, 'no client secret reached the page');
      const sessionId = await shown('session-id');
      await eventually('session-service to know the call', async () => (await sessionView(sessionId))?.call_id === callId);

      // talk: the microphone toggles
      assert.equal(await shown('talk'), 'Mic: on');
      await page.click('[data-testid="talk"]');
      assert.equal(await shown('talk'), 'Mic: off');
      await page.click('[data-testid="talk"]');
      assert.equal(await page.getAttribute('[data-testid="talk"]', 'aria-pressed'), 'true');

      // a whole turn: the user speaks, the answer plays to its end; its latencies are shown
      await page.evaluate(() => window.upstream.turn('resp_demo_1', { audioMs: 500 }));
      await waitShownPhase('LISTENING');
      const latency = (stage) => page.locator(`[data-testid="latencies"] tr[data-stage="${stage}"] .value`).textContent();
      await page.waitForFunction(() => ['first_audio', 'full_turn'].every((s) =>
        /^\d+$/.test(document.querySelector(`[data-testid="latencies"] tr[data-stage="${s}"] .value`)?.textContent ?? '')));
      assert.ok(Number(await latency('full_turn')) >= Number(await latency('first_audio')));

      // the user speaks again and the assistant answers; Interrupt cuts it off
      await page.evaluate(async () => {
        await window.upstream.userUtterance('and then?');
        await window.upstream.startResponse('resp_demo_2');
      });
      await waitShownPhase('SPEAKING');
      await page.waitForTimeout(300);
      await page.click('[data-testid="interrupt"]');
      await waitShownPhase('LISTENING');
      const trail = await page.locator('[data-testid="phase-trail"] li').allTextContents();
      assert.deepEqual(trail.slice(-3), ['SPEAKING', 'CANCELLING', 'LISTENING'], trail.join(' > '));
      await page.waitForFunction(() => document.querySelector('[data-testid="interrupts"]')?.textContent === '1');
      assert.ok(await page.evaluate(() => window.upstream.received.some((e) => e.type === 'response.cancel'
        && e.response_id === 'resp_demo_2')), 'the cancel reached upstream');
      // the transport stages come from the peer's stats after the first turn
      const stages = await page.locator('[data-testid="latencies"] tr').evaluateAll((rows) =>
        Object.fromEntries(rows.map((r) => [r.dataset.stage, r.querySelector('.value').textContent])));
      console.log(`demo: call ${callId} up and interrupted in ${Date.now() - started} ms; stages shown (ms): ${JSON.stringify(stages)}`);
      const shot = path.join(env.screenshots, 'demo.png');
      await page.screenshot({ path: shot, fullPage: true });
      console.log(`demo screenshot: ${shot}`);

      await page.click('[data-testid="hangup"]');
      await waitShownPhase('ENDED');
      assert.equal(await page.locator('[data-testid="error"]').isHidden(), true, await shown('error'));
      assert.deepEqual(errors, []);
    } finally {
      await context.close().catch(() => {});
    }
  });
});
