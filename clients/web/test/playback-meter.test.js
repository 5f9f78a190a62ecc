import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PlaybackMeter, deltaMs, playedPositionFromStats } from '../src/playback-meter.js';

test('the stats position counts real samples, not concealment', () => {
  const at = (received, concealed) => playedPositionFromStats(new Map([['in', { type: 'inbound-rtp', kind: 'audio',
    totalSamplesReceived: received, concealedSamples: concealed, totalSamplesDuration: received / 48_000 }]]));
  assert.equal(at(48_000, 0), 1000);
  // 1.5 s stall: the duration grows, the position does not
  assert.equal(at(48_000 + 72_000, 72_000), 1000);
  assert.equal(playedPositionFromStats([{ type: 'inbound-rtp', kind: 'audio', jitterBufferEmittedCount: 96_000 }]), 2000);
  assert.equal(playedPositionFromStats([{ type: 'inbound-rtp', kind: 'video', jitterBufferEmittedCount: 5 }]), null);
  assert.equal(playedPositionFromStats([]), null);
});

test('deltaMs reads PCM16 24 kHz from base64, hostile input counts as nothing', () => {
  assert.equal(deltaMs(Buffer.alloc(48 * 250).toString('base64')), 250);
  assert.equal(deltaMs(''), 0);
  assert.equal(deltaMs(undefined), 0);
  assert.equal(deltaMs({ length: 1e9 }), 0);
});

test('a source that throws or answers garbage is skipped; with none left the wall clock is the last resort', async () => {
  let now = 0;
  const good = { name: 'good', value: 100, read() { return this.value; } };
  const meter = new PlaybackMeter({ sources: () => [{ name: 'bad', read: () => { throw new Error('x'); } },
    { name: 'nan', read: () => Promise.resolve(Number.NaN) }, good], now: () => now });
  meter.started('r1');
  good.value = 450;
  now = 2000;
  assert.deepEqual(await meter.measure('r1'), { playedMs: 350, deliveredMs: null, audioEndMs: 350, source: 'good' });
  const blind = new PlaybackMeter({ sources: () => [], now: () => now });
  blind.started('r2');
  now = 2600;
  assert.equal((await blind.measure('r2')).source, 'wall_clock');
  assert.equal((await blind.measure('r2')).playedMs, 600);
  assert.deepEqual(await blind.measure('never_started'), { playedMs: 0, deliveredMs: null, audioEndMs: 0, source: 'not_started' });
});

test('the marks are bounded: old responses are forgotten', async () => {
  const meter = new PlaybackMeter({ sources: () => [], now: () => 0 });
  for (let i = 0; i < 100; i++) meter.delivered(`r${i}`, 'AAAA');
  assert.ok(meter.items.size <= 16);
});
