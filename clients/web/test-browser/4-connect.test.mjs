// The library's on-ramp in a real browser: with no `connect` of its own, the app's client posts its
// SDP offer to upstream-sim's POST /v1/realtime/calls with the client secret; the simulator checks
// the secret, creates the call and relays the offer to its media peer (here: the test, which has the
// in-page upstream answer it); the answer comes back with the call id in Location. The library
// reports that id, session-service attaches its sideband to the call, and the call works.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { appLog, appState, env, eventually, http, launch, openVoiceApp, sessionView, waitPhase } from './harness.mjs';

let browser;
let mediaPeer;
let page = null;
const pages = [];
const relayed = [];

before(async () => {
  browser = await launch();
  // upstream-sim's media peer: each offer goes to the page's upstream, its answer back to the simulator
  mediaPeer = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const callId = req.headers['x-call-id'];
      relayed.push({ callId, contentType: req.headers['content-type'] });
      try {
        const sdp = await page.evaluate(({ offer, id }) => window.app.upstream.answerRelayed(offer, id),
          { offer: Buffer.concat(chunks).toString('utf8'), id: callId });
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

afterEach(async () => {
  for (const p of pages.splice(0)) {
    await p.page.evaluate(() => window.app?.client?.end('test_done')).catch(() => {});
    await p.context.close().catch(() => {});
  }
});

after(async () => {
  await http('PUT', `${env.sim}/admin/media-peer`, { url: null }).catch(() => {});
  await new Promise((resolve) => mediaPeer?.close(resolve));
  await browser?.close();
});

describe('connect(): the offer/answer against POST /v1/realtime/calls', () => {
  test('the call id comes from Location, session-service attaches its sideband to it, and the call works', async () => {
    const app = await openVoiceApp(browser);
    pages.push(app);
    page = app.page;
    await page.evaluate((callsUrl) => window.app.start({ callsUrl }), `${env.sim}/v1/realtime/calls`).catch((e) => assert.fail(`${e.message}; page errors ${JSON.stringify(app.errors)}`));
    await waitPhase(page, 'LISTENING');

    const call = (await appLog(page, 'call'))[0]?.detail;
    assert.ok(call, 'the call was reported to the app');
    assert.match(call.callId, /^rtc_[A-Za-z0-9]{24}$/);
    assert.deepEqual(relayed.map((r) => [r.callId, r.contentType]), [[call.callId, 'application/sdp']]);
    const { sessionId } = await appState(page);
    assert.equal(call.sessionId, sessionId);
    assert.equal(await page.evaluate(() => window.app.upstream.current.callId), call.callId);
    assert.equal((await appLog(page, 'warning')).some((w) => /no call id/.test(w.detail.message)), false);

    await page.evaluate(() => window.app.client.events.flush());
    await eventually('session-service to know the call', async () => (await sessionView(sessionId))?.call_id === call.callId);
    const simCall = await eventually('session-service\'s sideband on the call', async () => {
      const r = await http('GET', `${env.sim}/admin/calls/${call.callId}`);
      return r.status === 200 && r.body.connections >= 1 ? r.body : null;
    });
    assert.equal(simCall.ended, null);

    // a turn, then a barge-in: the library's own playback mutes the element at once
    await page.evaluate(() => window.app.upstream.turn('resp_onramp'));
    await waitPhase(page, 'LISTENING');
    assert.ok(await page.evaluate(() => window.app.inboundAudioBytes()) > 0, 'the upstream audio reached the app');
    await page.evaluate(async () => {
      await window.app.upstream.userUtterance('and then?');
      await window.app.upstream.startResponse('resp_onramp_2');
    });
    await waitPhase(page, 'SPEAKING');
    assert.equal((await appState(page)).muted, false, 'unmuted while the answer speaks');
    await page.waitForTimeout(400);
    await page.evaluate(() => window.app.client.interrupt());
    await waitPhase(page, 'LISTENING');
    assert.equal((await appState(page)).muted, true);
  });
});
