import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LatencyTracker, readTransportStats } from '../src/latency.js';

test('first audio and full turn are measured from the end of the user speech', () => {
  let t = 1_000_000;
  const samples = [];
  const tracker = new LatencyTracker({ now: () => t, platform: 'web', emit: (s) => samples.push(s) });
  tracker.userStoppedSpeaking(1);
  t += 950;
  tracker.firstAudioHeard();
  t += 10;
  tracker.firstAudioHeard(); // only the first one counts
  t += 2040;
  tracker.turnFinished();
  assert.deepEqual(samples.map((s) => [s.stage, s.value_ms, s.turn]), [['first_audio', 950, 1], ['full_turn', 3000, 1]]);
  assert.equal(samples[0].platform, 'web');
  assert.equal(samples[0].occurred_at, new Date(1_000_950).toISOString());
});

test('an abandoned turn reports no full turn', () => {
  let t = 0;
  const samples = [];
  const tracker = new LatencyTracker({ now: () => t, platform: 'web', emit: (s) => samples.push(s) });
  tracker.userStoppedSpeaking(2);
  t = 500;
  tracker.turnAbandoned();
  tracker.turnFinished();
  tracker.firstAudioHeard();
  assert.equal(samples.length, 0);
});

test('transport stages come from getStats: half the round trip each way, plus the jitter buffer', () => {
  const report = new Map([
    ['cp', { type: 'candidate-pair', nominated: true, currentRoundTripTime: 0.12 }],
    ['in', { type: 'inbound-rtp', kind: 'audio', jitterBufferDelay: 4.0, jitterBufferEmittedCount: 100 }],
    ['po', { type: 'media-playout', totalPlayoutDelay: 10, totalSamplesCount: 100 }],
  ]);
  assert.deepEqual(readTransportStats(report), { rttMs: 120, jitterBufferMs: 40, playoutMs: 100 });
  const samples = [];
  const tracker = new LatencyTracker({ now: () => 0, platform: 'web', emit: (s) => samples.push(s) });
  tracker.setCaptureLatency(0.02);
  tracker.fromStats(report);
  assert.deepEqual(Object.fromEntries(samples.map((s) => [s.stage, s.value_ms])),
    { capture: 20, uplink: 60, downlink: 100, playback: 100 });
});

test('without playout stats, playback falls back to the audio output latency; missing stats emit nothing', () => {
  const samples = [];
  const tracker = new LatencyTracker({ now: () => 0, platform: 'web', emit: (s) => samples.push(s) });
  tracker.fromStats([], { outputLatencySeconds: 0.085 });
  assert.deepEqual(samples.map((s) => [s.stage, s.value_ms]), [['playback', 85]]);
});
