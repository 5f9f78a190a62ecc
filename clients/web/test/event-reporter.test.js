import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../src/clock.js';
import { EventReporter } from '../src/event-reporter.js';
import { summarizeClient, summarizeUpstream, reasonOf } from '../src/event-summary.js';
import { driveUntil, fakeFetch } from './fake-fetch.js';

const T0 = 1_800_000_000_000;

test('an audio delta is summarized by its ids only: the audio never leaves the browser', () => {
  const s = summarizeUpstream({ type: 'response.output_audio.delta', event_id: 'ev_1', response_id: 'resp_1',
    item_id: 'item_1', delta: 'AAAABBBBCCCC', output_index: 0 }, T0);
  assert.deepEqual(s, { type: 'response.output_audio.delta', occurred_at_ms: T0, event_id: 'ev_1',
    response_id: 'resp_1', item_id: 'item_1' });
});

test('only the allow-listed fields are kept, whatever the event carries', () => {
  const s = summarizeUpstream({ type: 'session.created', event_id: 'ev_2',
    session: { client_secret: { value: 'ek_secret' }, instructions: 'private' } }, T0);
  assert.equal(JSON.stringify(s).includes('ek_secret'), false);
  assert.equal(JSON.stringify(s).includes('private'), false);
  assert.deepEqual(Object.keys(s).sort(), ['event_id', 'occurred_at_ms', 'type']);
});

test('response.done carries its status; response.created its id from response.id', () => {
  assert.equal(summarizeUpstream({ type: 'response.done', response: { id: 'r', status: 'cancelled' } }, T0).status,
    'cancelled');
  assert.equal(summarizeUpstream({ type: 'response.done', response: { id: 'r', status: 'weird' } }, T0).status,
    'incomplete');
  assert.equal(summarizeUpstream({ type: 'response.created', response: { id: 'resp_9' } }, T0).response_id, 'resp_9');
});

test('unknown types and response events without a usable id are not reported', () => {
  assert.equal(summarizeUpstream({ type: 'rate_limits.updated' }, T0), null);
  assert.equal(summarizeUpstream({ type: 'response.output_audio.delta', delta: 'x' }, T0), null);
  assert.equal(summarizeUpstream({ type: 'response.done', response: { id: 'has space' } }, T0), null);
  assert.equal(summarizeUpstream(null, T0), null);
});

test('transcripts are bounded; an error keeps only its code', () => {
  const long = 'x'.repeat(5000);
  assert.equal(summarizeUpstream({ type: 'response.output_audio_transcript.done', response_id: 'r', transcript: long },
    T0).transcript.length, 4000);
  const e = summarizeUpstream({ type: 'error', error: { code: 'response_cancel_not_active', message: 'key sk-x' } }, T0);
  assert.deepEqual(e, { type: 'error', occurred_at_ms: T0, error_code: 'response_cancel_not_active' });
});

test('client events carry the fields session-service requires', () => {
  assert.deepEqual(summarizeClient('reconnected', T0, { reason: 'ICE failed!' }),
    { type: 'client.reconnected', occurred_at_ms: T0, reason: 'ice_failed' });
  assert.equal(summarizeClient('playback_stopped', T0, { playedMs: 1234.6 }).played_ms, 1235);
  assert.equal(summarizeClient('ice_state', T0, { iceState: 'bogus' }), null);
  assert.equal(summarizeClient('ice_state', T0, { iceState: 'failed' }).ice_state, 'failed');
  assert.equal(reasonOf(''), 'unknown');
});

test('summaries go in batches to the session with its rotation token, numbered from 1', async () => {
  const clock = new FakeClock(T0);
  const fetch = fakeFetch([{ match: () => true, answer: { status: 202, body: { accepted: 1, phase: 'LISTENING' } } }]);
  let creds = { sessionId: 's1', rotationToken: 'rt1.s1' };
  const r = new EventReporter({ sessionServiceUrl: 'http://sessions', credentials: () => creds, platform: 'web-test',
    fetch, clock, flushIntervalMs: 100 });
  r.client('connected', { callId: 'call_1' });
  r.upstream({ type: 'input_audio_buffer.speech_started', event_id: 'ev_1' });
  assert.equal(fetch.calls.length, 0, 'batched, not sent one by one');
  await clock.advance(100);
  assert.equal(fetch.calls.length, 1);
  const call = fetch.calls[0];
  assert.equal(call.url, 'http://sessions/v1/sessions/s1/events');
  assert.equal(call.headers.authorization, 'Bearer rt1.s1');
  assert.equal(call.body.platform, 'web-test');
  assert.deepEqual(call.body.events.map((e) => [e.type, e.seq]), [['client.connected', 1],
    ['input_audio_buffer.speech_started', 2]]);

  // a reissued session starts again at 1; the old one's last event still goes to the old session
  r.upstream({ type: 'input_audio_buffer.speech_stopped' });
  creds = { sessionId: 's2', rotationToken: 'rt1.s2' };
  r.clientFor({ sessionId: 's1', rotationToken: 'rt1.s1' }, 'ended', { reason: 'session_reissued' });
  r.client('connected');
  await r.flush();
  const bySession = Object.fromEntries(fetch.calls.slice(1).map((c) => [c.url, c]));
  assert.deepEqual(bySession['http://sessions/v1/sessions/s1/events'].body.events.map((e) => e.seq), [3, 4]);
  assert.equal(bySession['http://sessions/v1/sessions/s1/events'].headers.authorization, 'Bearer rt1.s1');
  assert.deepEqual(bySession['http://sessions/v1/sessions/s2/events'].body.events.map((e) => e.seq), [1]);
  assert.equal(bySession['http://sessions/v1/sessions/s2/events'].headers.authorization, 'Bearer rt1.s2');
});

test('a batch refused as invalid is dropped and reported; a 503 is retried', async () => {
  const clock = new FakeClock(T0);
  let unavailable = 1;
  const fetch = fakeFetch([
    { match: (c) => c.body.events[0].type === 'error', answer: { status: 400, body: { error: { code: 'invalid_request', field: 'events[0].type' } } } },
    { match: () => unavailable-- > 0, answer: { status: 503, body: { error: { code: 'unavailable' } }, headers: { 'retry-after': '1' } } },
    { match: () => true, answer: { status: 202, body: { accepted: 1 } } },
  ]);
  const r = new EventReporter({ sessionServiceUrl: 'http://s', credentials: () => ({ sessionId: 's', rotationToken: 't' }),
    fetch, clock });
  const rejected = [];
  r.on('rejected', (e) => rejected.push(e));
  r.upstream({ type: 'error', error: { code: 'x' } });
  await r.flush();
  assert.equal(rejected.length, 1);
  r.client('connected');
  await driveUntil(clock, r.flush());
  assert.equal(r.stats.retries, 1);
  assert.equal(r.stats.sent, 1);
  assert.equal(r.stats.droppedRejected, 1);
});

test('nothing is reported before there is a session', () => {
  const r = new EventReporter({ sessionServiceUrl: 'http://s', credentials: () => null, fetch: fakeFetch([]),
    clock: new FakeClock(T0) });
  assert.equal(r.client('connected'), null);
});
