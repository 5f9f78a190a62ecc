// The client library in a real browser (Debian chromium, fake media) against the running suite.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appLog, appState, counter, env, eventually, launch, openVoiceApp, sessionView, sim, waitPhase } from './harness.mjs';

/** The user a JWT is for (its `sub`). */
function userOf(jwt) {
  return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8')).sub;
}

let browser;
const pages = [];

before(async () => {
  browser = await launch();
});

// each test's call ends with it: a client left running would keep rotating and consume the next
// test's injected faults
afterEach(async () => {
  for (const p of pages.splice(0)) {
    await p.page.evaluate(() => window.app?.client?.end('test_done')).catch(() => {});
    await p.context.close().catch(() => {});
  }
});

after(async () => {
  await browser?.close();
});

async function startApp(options = {}) {
  const app = await openVoiceApp(browser);
  pages.push(app);
  await app.page.evaluate((o) => window.app.start(o), options);
  await waitPhase(app.page, 'LISTENING');
  return app;
}

describe('a voice session in the browser', () => {
  test('two turns: the state follows upstream, audio arrives, session-service and metrics-service see it all', async () => {
    const { page, errors } = await startApp();
    const { sessionId } = await appState(page);
    assert.match(sessionId, /^rts_/);

    for (const rid of ['resp_turn1', 'resp_turn2']) {
      await page.evaluate((r) => window.app.upstream.turn(r, { userText: `question ${r}`, answer: `answer ${r}`, audioMs: 700 }), rid);
      await waitPhase(page, 'LISTENING');
    }
    const state = await appState(page);
    assert.equal(state.turn, 2);
    const phases = (await appLog(page, 'phase')).map((e) => e.detail.to);
    assert.deepEqual(phases, ['LISTENING', 'THINKING', 'SPEAKING', 'LISTENING', 'THINKING', 'SPEAKING', 'LISTENING']);
    assert.ok(await page.evaluate(() => window.app.inboundAudioBytes()) > 0, 'the upstream audio track reached the app');

    const latency = (await appLog(page, 'latency')).map((e) => e.detail);
    assert.deepEqual(latency.filter((s) => s.stage === 'first_audio').map((s) => s.turn), [1, 2]);
    assert.ok(latency.some((s) => s.stage === 'full_turn' && s.value_ms >= 700));

    await page.evaluate(() => Promise.all([window.app.client.events.flush(), window.app.client.telemetry.flush()]));
    const view = await eventually('session-service to see two turns', async () => {
      const v = await sessionView(sessionId);
      return v?.phase === 'LISTENING' && v.turn === 2 ? v : null;
    });
    assert.equal(view.user_id, userOf(env.userToken));
    const telemetry = (await appState(page)).telemetry;
    assert.ok(telemetry.sent >= 4, `latency samples accepted by metrics-service (${JSON.stringify(telemetry)})`);
    assert.equal(telemetry.rejectedSamples, 0);
    assert.deepEqual(errors, []);
  });

  test('an interrupt mid-speech ends in LISTENING; the stale response\'s late events are ignored', async () => {
    const { page } = await startApp();
    const { sessionId } = await appState(page);
    await page.evaluate(async () => {
      await window.app.upstream.userUtterance('tell me a long story');
      await window.app.upstream.startResponse('resp_long');
    });
    await waitPhase(page, 'SPEAKING');
    await page.waitForTimeout(600);
    // the user talks over the assistant
    await page.evaluate(() => window.app.upstream.send({ type: 'input_audio_buffer.speech_started', item_id: 'item_barge', audio_start_ms: 0 }));
    await waitPhase(page, 'LISTENING');

    const sent = await page.evaluate(() => window.app.upstream.received.map((e) => ({ ...e })));
    assert.deepEqual(sent.map((e) => e.type), ['response.cancel', 'output_audio_buffer.clear', 'conversation.item.truncate']);
    assert.equal(sent[0].response_id, 'resp_long');
    assert.equal(sent[2].item_id, 'item_resp_long');
    assert.ok(sent[2].audio_end_ms >= 500 && sent[2].audio_end_ms < 3000, `audio_end_ms ${sent[2].audio_end_ms} is what was played`);

    const log = await appLog(page);
    const stopped = log.find((e) => e.kind === 'playback_stopped');
    const interrupt = log.find((e) => e.kind === 'interrupt');
    assert.ok(stopped && interrupt && stopped.at <= interrupt.at, 'playback stopped before the interrupt was announced');
    assert.equal((await appState(page)).muted, true);
    assert.deepEqual(log.filter((e) => e.kind === 'phase').map((e) => e.detail.to).slice(-3), ['SPEAKING', 'CANCELLING', 'LISTENING']);

    // late events of the cancelled response never reached the app
    const appEvents = await page.evaluate(() => window.app.appEvents);
    const afterCancel = appEvents.slice(appEvents.findLastIndex((e) => e.type === 'input_audio_buffer.speech_started') + 1);
    assert.ok(!appEvents.some((e) => e.type === 'response.output_audio_transcript.done' && e.response_id === 'resp_long'));
    assert.ok(!afterCancel.some((e) => e.type === 'output_audio_buffer.started'));
    assert.ok(appEvents.some((e) => e.type === 'response.done' && e.response_id === 'resp_long'), 'the cancel acknowledgement is passed on');
    const stale = await appLog(page, 'stale');
    assert.ok(stale.length >= 3, `late events dropped: ${stale.length}`);
    assert.equal((await appState(page)).phase, 'LISTENING');

    const reported = await eventually('the interrupt reported to session-service', async () => (await appLog(page, 'interrupt_reported'))[0]);
    assert.ok(['cancelling', 'duplicate', 'pending'].includes(reported.detail.status), JSON.stringify(reported.detail));
    await page.evaluate(() => window.app.client.events.flush());
    const view = await eventually('session-service to count the interrupt and return to LISTENING', async () => {
      const v = await sessionView(sessionId);
      return v?.phase === 'LISTENING' && v.counters?.interrupts >= 1 ? v : null;
    });
    assert.ok(view.counters.interrupts >= 1);
  });

  test('a short-TTL secret is rotated before it expires, and the call goes on', async () => {
    await sim.secretTtl(12); // upstream grants 12 s secrets: token-service says rotate at 6 s
    try {
      const { page } = await startApp({ ttlSeconds: 60 });
      const first = await page.evaluate(() => window.app.client.tokens.clientSecret);
      const { sessionId } = await appState(page);
      await page.waitForFunction(() => window.app.log.some((e) => e.kind === 'rotated'), null, { timeout: 20_000 });
      const second = await page.evaluate(() => window.app.client.tokens.clientSecret);
      assert.notEqual(second, first);
      assert.equal(await sim.validate(second), true, 'the rotated secret is a live upstream secret');
      const state = await appState(page);
      assert.equal(state.sessionId, sessionId, 'same session');
      assert.equal(state.connections, 1, 'no reconnect was needed');
      await page.evaluate(() => window.app.upstream.turn('resp_after_rotation'));
      await waitPhase(page, 'LISTENING');
      assert.equal((await appState(page)).turn, 1);
    } finally {
      await sim.secretTtl(null);
    }
  });

  test('a rotation that fails upstream is followed by a graceful reconnect on a new session', async () => {
    await sim.secretTtl(12);
    try {
      const { page } = await startApp({ ttlSeconds: 60 });
      const { sessionId: oldSession } = await appState(page);
      await page.evaluate(() => window.app.upstream.turn('resp_before', { userText: 'book a table for two', answer: 'for which day?' }));
      await waitPhase(page, 'LISTENING');
      await page.evaluate(() => window.app.client.events.flush());
      // every attempt of the next rotation fails upstream (token-service tries 4 times)
      const fault = await sim.fault({ target: 'client_secrets', status: 500, count: 4 });
      assert.ok(fault.status < 300, `fault injected: ${JSON.stringify(fault)}`);
      await page.waitForFunction(() => window.app.log.some((e) => e.kind === 'recovered'), null, { timeout: 30_000 })
        .catch(async (e) => assert.fail(`no graceful reconnect: ${e.message}\n${JSON.stringify(await appLog(page))}`));

      const state = await appState(page);
      assert.notEqual(state.sessionId, oldSession, 'a new session');
      assert.equal(state.connections, 2, 'a new peer on the new secret');
      assert.equal(state.phase, 'LISTENING');
      const log = await appLog(page);
      assert.ok(log.some((e) => e.kind === 'reissued'));
      assert.equal(log.some((e) => e.kind === 'error'), false, JSON.stringify(log.filter((e) => e.kind === 'error')));
      const recovered = log.find((e) => e.kind === 'recovered').detail;
      assert.equal(recovered.how, 'rebuilt_with_new_session');
      const replay = await page.evaluate(() => window.app.upstream.received.find((e) => e.type === 'conversation.item.create'));
      assert.ok(replay, 'the summary was replayed to the new upstream session');
      assert.match(replay.item.content[0].text, /book a table for two/);
      const secrets = await page.evaluate(() => window.app.upstream.secretsUsed);
      assert.equal(secrets.length, 2);
      assert.equal(await sim.validate(secrets[1]), true);

      await page.evaluate(() => window.app.client.events.flush());
      await eventually('the old session ended and the new one listening', async () => {
        const [o, n] = await Promise.all([sessionView(oldSession), sessionView(state.sessionId)]);
        return o?.phase === 'ENDED' && n?.phase === 'LISTENING';
      });
      await page.evaluate(() => window.app.upstream.turn('resp_after', { userText: 'friday', answer: 'done' }));
      await waitPhase(page, 'LISTENING');
    } finally {
      await sim.secretTtl(null);
    }
  });

  test('ICE restart: session-service plans a transport recovery, ICE restarts on the same peer', async () => {
    const { page } = await startApp();
    const { sessionId } = await appState(page);
    const before = await counter('ice_restart_total');
    // the recovery the library starts when ICE fails (a failed ICE state is not producible on loopback)
    const result = await page.evaluate(() => window.app.client.recover('ice_failed'));
    assert.equal(result.how, 'ice_restarted', JSON.stringify(await appLog(page, 'ice_restart_failed')));
    assert.equal(result.plan.class, 'transport');
    const plan = (await appLog(page, 'recovery_plan'))[0].detail;
    assert.equal(plan.source, 'session-service');
    const state = await appState(page);
    assert.equal(state.connections, 1, 'same peer');
    assert.equal(state.ufrags.length, 2, 'a second negotiation');
    assert.notEqual(state.ufrags[0], state.ufrags[1], 'with new ICE credentials');
    assert.ok(['connected', 'completed'].includes(state.ice));
    assert.equal(state.phase, 'LISTENING');
    await page.evaluate(() => window.app.upstream.turn('resp_after_ice'));
    await waitPhase(page, 'LISTENING');
    await page.evaluate(() => window.app.client.events.flush());
    await eventually('session-service back in LISTENING', async () => (await sessionView(sessionId))?.phase === 'LISTENING');
    await eventually('metrics-service counting the ICE restart', async () => (await counter('ice_restart_total')) > before,
      { timeoutMs: 15_000 });
  });
});
