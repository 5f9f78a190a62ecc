import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../src/clock.js';
import { TelemetryReporter } from '../src/telemetry-reporter.js';
import { driveUntil, fakeFetch } from './fake-fetch.js';

const T0 = 1_800_000_000_000;

test('latency samples go to POST /v1/telemetry with the rotation token, and refusals are counted', async () => {
  const clock = new FakeClock(T0);
  const fetch = fakeFetch([{ match: () => true, answer: { body: { accepted: 1, rejected: 1,
    rejections: [{ index: 1, reason: 'invalid_value', message: 'value_ms must be finite' }] } } }]);
  const t = new TelemetryReporter({ metricsServiceUrl: 'http://metrics',
    credentials: () => ({ sessionId: 's1', rotationToken: 'rt1.s1' }), fetch, clock, flushIntervalMs: 500 });
  const refused = [];
  t.on('samples_rejected', (e) => refused.push(e));
  const at = new Date(T0).toISOString();
  t.record({ stage: 'first_audio', value_ms: 612.5, turn: 1, occurred_at: at, platform: 'web' });
  t.record({ stage: 'uplink', value_ms: -1, turn: 1, occurred_at: at, platform: 'web' });
  await clock.advance(500);
  assert.equal(fetch.calls.length, 1);
  assert.equal(fetch.calls[0].url, 'http://metrics/v1/telemetry');
  assert.equal(fetch.calls[0].headers.authorization, 'Bearer rt1.s1');
  assert.equal(fetch.calls[0].body.session_id, 's1');
  assert.deepEqual(fetch.calls[0].body.samples.map((s) => s.stage), ['first_audio', 'uplink']);
  assert.equal(t.stats.rejectedSamples, 1);
  assert.equal(refused[0].rejections[0].reason, 'invalid_value');
});

test('samples wait out an unreachable metrics-service and are sent when it is back', async () => {
  const clock = new FakeClock(T0);
  let down = 2;
  const fetch = fakeFetch([
    { match: () => down-- > 0, answer: new TypeError('fetch failed') },
    { match: () => true, answer: { body: { accepted: 1, rejected: 0, rejections: [] } } },
  ]);
  const t = new TelemetryReporter({ metricsServiceUrl: 'http://m', credentials: () => ({ sessionId: 's', rotationToken: 'r' }),
    fetch, clock });
  t.record({ stage: 'full_turn', value_ms: 2000, turn: 1, occurred_at: new Date(T0).toISOString(), platform: 'web' });
  await driveUntil(clock, t.flush());
  assert.equal(fetch.calls.length, 3);
  assert.equal(t.stats.sent, 1);
});

test('a batch that timed out or got a 503 is retried with the same batch_id; the next batch gets a new one', async () => {
  const clock = new FakeClock(T0);
  let n = 0;
  let calls = 0;
  const fetch = fakeFetch([{ match: () => true, answer: () => {
    calls++;
    if (calls === 1) return new Promise(() => {}); // never answers: the client's timeout fires
    if (calls === 2) return { status: 503, body: { error: { code: 'unavailable', message: 'down' } }, headers: { 'Retry-After': '1' } };
    return { body: { accepted: 1, rejected: 0, rejections: [] } };
  } }]);
  const t = new TelemetryReporter({ metricsServiceUrl: 'http://m', credentials: () => ({ sessionId: 's', rotationToken: 'r' }),
    fetch, clock, flushIntervalMs: 100, requestTimeoutMs: 2000, newBatchKey: () => `key-${++n}` });
  const at = new Date(T0).toISOString();
  t.record({ stage: 'capture', value_ms: 40, turn: 1, occurred_at: at, platform: 'web' });
  await driveUntil(clock, t.flush());
  assert.equal(fetch.calls.length, 3);
  assert.deepEqual(fetch.calls.map((c) => c.body.batch_id), ['key-1-0', 'key-1-0', 'key-1-0']);
  assert.ok(fetch.calls.every((c) => c.body.samples.length === 1 && c.body.samples[0].stage === 'capture'));
  t.record({ stage: 'uplink', value_ms: 60, turn: 2, occurred_at: at, platform: 'web' });
  await driveUntil(clock, t.flush());
  assert.equal(fetch.calls.at(-1).body.batch_id, 'key-2-0');
  assert.equal(t.stats.sent, 2);
});

test('each session of a batch has its own batch_id, kept when the batch is retried', async () => {
  const clock = new FakeClock(T0);
  let session = 'a';
  let failOnce = true;
  const fetch = fakeFetch([{ match: () => true, answer: (call) => {
    if (call.body.session_id === 'b' && failOnce) {
      failOnce = false;
      return { status: 503, body: { error: { code: 'unavailable', message: 'down' } } };
    }
    return { body: { accepted: call.body.samples.length, rejected: 0, rejections: [] } };
  } }]);
  const t = new TelemetryReporter({ metricsServiceUrl: 'http://m', fetch, clock, flushIntervalMs: 100,
    credentials: () => ({ sessionId: session, rotationToken: `r-${session}` }), newBatchKey: () => 'k' });
  const at = new Date(T0).toISOString();
  t.record({ stage: 'capture', value_ms: 40, turn: 1, occurred_at: at, platform: 'web' });
  session = 'b';
  t.record({ stage: 'capture', value_ms: 41, turn: 1, occurred_at: at, platform: 'web' });
  await driveUntil(clock, t.flush());
  // a's part went through and is sent again with its own id (metrics-service counts it once)
  assert.deepEqual(fetch.calls.map((c) => `${c.body.session_id}:${c.body.batch_id}`), ['a:k-0', 'b:k-1', 'a:k-0', 'b:k-1']);
});
