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
