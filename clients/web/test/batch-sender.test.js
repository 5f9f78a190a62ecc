import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../src/clock.js';
import { BatchSender } from '../src/batch-sender.js';
import { ApiError } from '../src/http.js';
import { backoffDelay } from '../src/backoff.js';

test('items are batched by size and by time', async () => {
  const clock = new FakeClock();
  const batches = [];
  const sender = new BatchSender({ send: async (b) => batches.push(b), maxBatch: 3, flushIntervalMs: 100, clock });
  [1, 2, 3].forEach((i) => sender.add(i));
  await clock.advance(0);
  assert.deepEqual(batches, [[1, 2, 3]]);
  sender.add(4);
  await clock.advance(99);
  assert.equal(batches.length, 1);
  await clock.advance(1);
  assert.deepEqual(batches, [[1, 2, 3], [4]]);
});

test('retryable failures are retried with backoff and nothing is lost', async () => {
  const clock = new FakeClock();
  const batches = [];
  let failures = 2;
  const sender = new BatchSender({
    clock, maxBatch: 10, flushIntervalMs: 10, random: () => 1,
    send: async (b) => {
      if (failures-- > 0) throw new ApiError(503, 'unavailable', 'down');
      batches.push(b);
    },
  });
  sender.add('a');
  sender.add('b');
  await clock.advance(10);
  assert.equal(batches.length, 0);
  await clock.advance(250 + 500);
  assert.deepEqual(batches, [['a', 'b']]);
  assert.equal(sender.stats.retries, 2);
});

test('a batch refused as invalid is dropped and counted; later items still go', async () => {
  const clock = new FakeClock();
  const sent = [];
  const rejected = [];
  const sender = new BatchSender({
    clock, maxBatch: 2, flushIntervalMs: 10,
    send: async (b) => {
      if (b.includes('bad')) throw new ApiError(400, 'invalid_request', 'events[0].type: unknown');
      sent.push(...b);
    },
  });
  sender.on('rejected', (r) => rejected.push(r.count));
  sender.add('bad');
  sender.add('x');
  sender.add('good');
  await clock.advance(10);
  assert.deepEqual(sent, ['good']);
  assert.deepEqual(rejected, [2]);
  assert.equal(sender.stats.droppedRejected, 2);
});

test('the buffer is bounded while the suite is unreachable: the oldest go first', async () => {
  const clock = new FakeClock();
  let up = false;
  const sent = [];
  const sender = new BatchSender({
    clock, maxBatch: 100, maxBuffer: 5, flushIntervalMs: 10, random: () => 0.5,
    send: async (b) => {
      if (!up) throw new ApiError(0, 'network_error', 'offline');
      sent.push(...b);
    },
  });
  for (let i = 0; i < 8; i++) sender.add(i);
  await clock.advance(10);
  assert.equal(sender.size, 5);
  assert.ok(sender.stats.droppedOverflow > 0);
  up = true;
  await clock.advance(60_000);
  assert.deepEqual(sent, [3, 4, 5, 6, 7]);
});

test('backoff is full jitter, capped', () => {
  assert.equal(backoffDelay(0, { random: () => 0.999 }), 249);
  assert.equal(backoffDelay(3, { random: () => 0.5 }), 1000);
  assert.equal(backoffDelay(30, { random: () => 0.999, maxMs: 10_000 }), 9990);
  assert.equal(backoffDelay(5, { random: () => 0 }), 0);
});

test('hold keeps later items back until release, while what was buffered goes', async () => {
  const sent = [];
  const clock = new FakeClock(0);
  const s = new BatchSender({ send: async (items) => sent.push(items.slice()), clock, flushIntervalMs: 10 });
  s.add('before');
  const flushed = s.flush();
  s.hold();
  s.add('after-1');
  await flushed;
  await clock.advance(100);
  assert.deepEqual(sent, [['before']]);
  s.add('after-2');
  s.release();
  await s.flush();
  assert.deepEqual(sent, [['before'], ['after-1', 'after-2']]);
});

test('a batch keeps its idempotency key and its items on every retry; the next batch gets a new key', async () => {
  const clock = new FakeClock();
  const attempts = [];
  let failures = 3;
  let n = 0;
  const sender = new BatchSender({
    clock, maxBatch: 2, flushIntervalMs: 10, random: () => 0.5, newKey: () => `k${++n}`,
    send: async (items, { key }) => {
      attempts.push({ key, items: items.slice() });
      if (failures-- > 0) throw failures % 2 ? new ApiError(0, 'timeout', 'no answer in time') : new ApiError(503, 'unavailable', 'down');
    },
  });
  sender.add('a');
  sender.add('b');
  await clock.advance(0);
  // more arrives while the first batch is retried: it must not slip into that batch
  sender.add('c');
  await clock.advance(60_000);
  assert.deepEqual(attempts.slice(0, 4).map((a) => a.key), ['k1', 'k1', 'k1', 'k1']);
  assert.ok(attempts.slice(0, 4).every((a) => a.items.join() === 'a,b'));
  assert.deepEqual(attempts[4], { key: 'k2', items: ['c'] });
  assert.equal(sender.stats.sent, 3);
});

test('the batch in flight stays whole when the buffer overflows behind it', async () => {
  const clock = new FakeClock();
  const attempts = [];
  let up = false;
  const sender = new BatchSender({
    clock, maxBatch: 3, maxBuffer: 5, flushIntervalMs: 10, random: () => 0.5,
    send: async (items, { key }) => {
      attempts.push({ key, items: items.slice() });
      if (!up) throw new ApiError(0, 'network_error', 'offline');
    },
  });
  for (let i = 0; i < 3; i++) sender.add(i);
  await clock.advance(0);
  for (let i = 3; i < 10; i++) sender.add(i);
  assert.equal(sender.size, 5);
  up = true;
  await clock.advance(60_000);
  const firstKey = attempts[0].key;
  assert.ok(attempts.filter((a) => a.key === firstKey).every((a) => a.items.join() === '0,1,2'));
  assert.deepEqual(attempts.filter((a) => a.key !== firstKey).flatMap((a) => a.items), [8, 9]);
  assert.notEqual(attempts.at(-1).key, firstKey);
});
