// Interruptions as the user hears them, in a real browser against the running suite: the truncate
// carries the audio actually played (read from the WebRTC receiver and the audio element, so a
// stall is not counted), upstream's answer to it is reported, and an "already shorter" refusal is
// its own event, not a failed interrupt.
import { after, afterEach, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appLog, appState, eventually, launch, openVoiceApp, sessionView, waitPhase } from './harness.mjs';

let browser;
const pages = [];

before(async () => {
  browser = await launch();
});

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

/** The assistant speaks; the user barges in after `before` ms, a stall of `stallMs` in the middle. */
async function speakAndBargeIn(page, rid, { before = 500, stallMs = 0, afterStall = 300 } = {}) {
  await page.evaluate(async (r) => {
    await window.app.upstream.userUtterance('tell me everything');
    await window.app.upstream.startResponse(r);
  }, rid);
  await waitPhase(page, 'SPEAKING');
  await page.waitForTimeout(before);
  if (stallMs > 0) await page.evaluate((ms) => window.app.upstream.stall(ms), stallMs);
  await page.waitForTimeout(afterStall);
  await page.evaluate(() => window.app.upstream.send({ type: 'input_audio_buffer.speech_started', item_id: 'item_barge',
    audio_start_ms: 0 }));
  await waitPhase(page, 'LISTENING');
}

describe('interruptions as heard', () => {
  test('a playback stall is not counted as heard: the truncate carries what was played, and is confirmed', async () => {
    const { page, errors } = await startApp();
    const { sessionId } = await appState(page);
    await speakAndBargeIn(page, 'resp_stall', { before: 500, stallMs: 1500, afterStall: 300 });

    const log = await appLog(page);
    const speakingAt = log.find((e) => e.kind === 'phase' && e.detail.to === 'SPEAKING').at;
    const interrupt = await eventually('the interrupt, measured', async () => (await appLog(page, 'interrupt'))[0]);
    const wallMs = interrupt.detail.occurredAtMs - (await page.evaluate(() => performance.timeOrigin)) - speakingAt;
    const truncate = await page.evaluate(() => window.app.upstream.received.find((e) => e.type === 'conversation.item.truncate'));
    assert.equal(truncate.item_id, 'item_resp_stall');
    assert.equal(truncate.audio_end_ms, interrupt.detail.audioEndMs);
    assert.match(interrupt.detail.playedSource, /webrtc_stats/);
    // the 1.5 s stall is not in it: what was played is at most the wall clock less most of the stall
    assert.ok(wallMs >= 2000, `wall clock from first audio to the barge-in: ${wallMs} ms`);
    assert.ok(truncate.audio_end_ms <= wallMs - 1000,
      `audio_end_ms ${truncate.audio_end_ms} leaves the stall out (wall clock ${Math.round(wallMs)} ms)`);
    assert.ok(truncate.audio_end_ms >= 300, `audio_end_ms ${truncate.audio_end_ms} counts what was played`);

    const truncated = await eventually('the truncate confirmed', async () => (await appLog(page, 'truncated'))[0]);
    assert.equal(truncated.detail.confirmedAudioEndMs, truncate.audio_end_ms);
    assert.equal(truncated.detail.cleared, true, 'output_audio_buffer.cleared seen');
    await page.evaluate(() => window.app.client.events.flush());
    const reported = await eventually('the interrupt reported', async () => (await appLog(page, 'interrupt_reported'))[0]);
    assert.ok(['cancelling', 'duplicate', 'pending'].includes(reported.detail.status), JSON.stringify(reported.detail));
    let last;
    await eventually('session-service counting the interrupt', async () => {
      last = await sessionView(sessionId);
      return last?.phase === 'LISTENING' && last.counters?.interrupts >= 1;
    }).catch((e) => assert.fail(`${e.message}: ${JSON.stringify(last)}`));
    assert.deepEqual(errors, []);
  });

  test('an item already shorter than the truncate: its own event, the interrupt itself succeeds', async () => {
    const { page } = await startApp();
    await page.evaluate(() => {
      window.app.upstream.itemAudioMs = 100;
    });
    await speakAndBargeIn(page, 'resp_short', { before: 700 });
    const shorter = await eventually('the already-shorter event', async () => (await appLog(page, 'truncate_already_shorter'))[0]);
    assert.equal(shorter.detail.itemId, 'item_resp_short');
    assert.match(shorter.detail.message, /already shorter than/);
    const log = await appLog(page);
    for (const kind of ['truncated', 'truncate_unconfirmed', 'recovery_failed', 'cancel_unacknowledged', 'error']) {
      assert.equal(log.some((e) => e.kind === kind), false, `no ${kind}`);
    }
    assert.equal((await appState(page)).phase, 'LISTENING');
    // the conversation goes on
    await page.evaluate(() => window.app.upstream.turn('resp_next'));
    await waitPhase(page, 'LISTENING');
  });
});

describe('false interruptions (policy: at least 600 ms of speech)', () => {
  const policy = { falseInterruption: { minSpeechMs: 600, duckVolume: 0.25 } };
  const speak = (page, type, item) => page.evaluate(({ t, i }) => window.app.upstream.send({ type: t, item_id: i,
    audio_start_ms: 0 }), { t: type, i: item });
  const sentTypes = (page) => page.evaluate(() => window.app.upstream.received.map((e) => e.type));

  async function speaking(page, rid) {
    await page.evaluate(async (r) => {
      await window.app.upstream.userUtterance('tell me a story');
      await window.app.upstream.startResponse(r);
    }, rid);
    await waitPhase(page, 'SPEAKING');
    await page.waitForTimeout(300);
  }

  test('a short sound over the assistant ducks it, then it resumes at full volume and nothing is cancelled', async () => {
    const { page, errors } = await startApp(policy);
    await speaking(page, 'resp_cough');
    await speak(page, 'input_audio_buffer.speech_started', 'item_cough');
    await waitPhase(page, 'PENDING_INTERRUPT');
    assert.equal((await appState(page)).volume, 0.25, 'ducked while judged');
    await page.waitForTimeout(150);
    await speak(page, 'input_audio_buffer.speech_stopped', 'item_cough');
    await waitPhase(page, 'SPEAKING');
    const state = await appState(page);
    assert.equal(state.volume, 1, 'full volume again');
    assert.equal(state.muted, false);
    assert.equal(state.stats.falseInterruptions, 1);
    const resumed = (await appLog(page, 'false_interruption'))[0].detail;
    assert.equal(resumed.reason, 'short_speech');
    assert.ok(resumed.speechMs < 600, `judged on ${resumed.speechMs} ms of speech`);
    // the answer plays to its end; upstream never saw a cancel
    await page.evaluate(() => window.app.upstream.finishResponse('resp_cough', 'once upon a time'));
    await waitPhase(page, 'LISTENING');
    const sent = await sentTypes(page);
    for (const type of ['response.cancel', 'output_audio_buffer.clear', 'conversation.item.truncate']) {
      assert.equal(sent.includes(type), false, `no ${type} (${sent})`);
    }
    assert.deepEqual((await appLog(page, 'phase')).map((e) => e.detail.to).slice(-3), ['PENDING_INTERRUPT', 'SPEAKING', 'LISTENING']);
    assert.deepEqual(errors, []);
  });

  test('speech that lasts commits the cancel while the user still speaks', async () => {
    const { page } = await startApp(policy);
    await speaking(page, 'resp_long');
    await speak(page, 'input_audio_buffer.speech_started', 'item_real');
    await waitPhase(page, 'PENDING_INTERRUPT');
    assert.deepEqual(await sentTypes(page), [], 'nothing cancelled yet');
    // no speech_stopped: the policy's 600 ms pass with the user still talking
    await waitPhase(page, 'LISTENING', 10_000);
    const committed = (await appLog(page, 'interruption_committed'))[0].detail;
    assert.equal(committed.stillSpeaking, true);
    assert.ok(committed.speechMs >= 600);
    const sent = await sentTypes(page);
    assert.deepEqual(sent, ['response.cancel', 'output_audio_buffer.clear', 'conversation.item.truncate']);
    const state = await appState(page);
    assert.equal(state.muted, true, 'playback stopped');
    assert.equal(state.volume, 1, 'not left ducked');
    assert.deepEqual((await appLog(page, 'phase')).map((e) => e.detail.to).slice(-3), ['PENDING_INTERRUPT', 'CANCELLING', 'LISTENING']);
    // the user's speech ends: that is the next turn
    await speak(page, 'input_audio_buffer.speech_stopped', 'item_real');
    await waitPhase(page, 'THINKING');
  });
});
