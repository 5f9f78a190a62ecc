import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../src/clock.js';
import { PendingInterruption, countWords, normalizePolicy } from '../src/pending-interruption.js';

function pending(policy, clock = new FakeClock(0)) {
  const outcome = [];
  const p = new PendingInterruption({ policy: normalizePolicy(policy), clock, itemId: 'item_u',
    onCommit: (d) => outcome.push(['commit', d]), onResume: (d) => outcome.push(['resume', d]) });
  return { p, clock, outcome };
}

test('words are counted as a transcriber writes them', () => {
  assert.equal(countWords('uh-huh'), 1);
  assert.equal(countWords('  mm-hm.  '), 1);
  assert.equal(countWords('wait, stop that'), 3);
  assert.equal(countWords('... !'), 0);
  assert.equal(countWords(''), 0);
  assert.equal(countWords(null), 0);
});

test('a policy requiring nothing is no policy; nonsense is refused', () => {
  assert.equal(normalizePolicy(undefined), null);
  assert.equal(normalizePolicy({}), null);
  assert.equal(normalizePolicy({ minSpeechMs: 0, minWords: 0 }), null);
  assert.deepEqual(normalizePolicy({ minSpeechMs: 600 }), { minSpeechMs: 600, minWords: 0, transcriptWaitMs: 1500, duckVolume: 0.3 });
  for (const bad of [{ minSpeechMs: -1 }, { minWords: 'two' }, { minSpeechMs: Infinity }, { duckVolume: 2 },
    { minSpeechMs: 600, transcriptWaitMs: 1e9 }]) {
    assert.throws(() => normalizePolicy(bad), RangeError, JSON.stringify(bad));
  }
});

test('minSpeechMs: speech that stops short resumes; speech that lasts commits without waiting for its end', async () => {
  const short = pending({ minSpeechMs: 600 });
  await short.clock.advance(250);
  short.p.stopped();
  assert.deepEqual(short.outcome.map(([k, d]) => [k, d.reason, d.speechMs]), [['resume', 'short_speech', 250]]);
  await short.clock.advance(1000);
  assert.equal(short.outcome.length, 1, 'decided once');

  const long = pending({ minSpeechMs: 600 });
  await long.clock.advance(599);
  assert.equal(long.outcome.length, 0);
  await long.clock.advance(1);
  assert.deepEqual(long.outcome.map(([k, d]) => [k, d.reason, d.stillSpeaking]), [['commit', 'policy_met', true]]);
  long.p.stopped();
  assert.equal(long.outcome.length, 1);
});

test('minWords: a backchannel resumes, a sentence commits, no transcript at all resumes after the wait', async () => {
  const backchannel = pending({ minSpeechMs: 300, minWords: 2 });
  await backchannel.clock.advance(700);
  backchannel.p.stopped();
  assert.equal(backchannel.outcome.length, 0, 'long enough: the transcript decides');
  backchannel.p.transcriptPart('uh-huh', { final: true });
  assert.deepEqual(backchannel.outcome.map(([k, d]) => [k, d.reason, d.words]), [['resume', 'too_few_words', 1]]);

  const sentence = pending({ minWords: 3 });
  sentence.p.transcriptPart('wait ', { final: false });
  sentence.p.transcriptPart('stop ', { final: false });
  assert.equal(sentence.outcome.length, 0);
  sentence.p.transcriptPart('that', { final: false });
  assert.deepEqual(sentence.outcome.map(([k, d]) => [k, d.words, d.stillSpeaking]), [['commit', 3, true]]);

  const silent = pending({ minSpeechMs: 200, minWords: 2, transcriptWaitMs: 1000 });
  await silent.clock.advance(400);
  silent.p.stopped();
  await silent.clock.advance(999);
  assert.equal(silent.outcome.length, 0);
  await silent.clock.advance(1);
  assert.deepEqual(silent.outcome.map(([k, d]) => [k, d.reason]), [['resume', 'too_few_words']]);
});

test('a hostile transcript stream stays bounded; a cancelled judgement decides nothing', async () => {
  const { p, outcome, clock } = pending({ minSpeechMs: 100000 / 2, minWords: 100 });
  for (let i = 0; i < 2000; i++) p.transcriptPart('x'.repeat(50), { final: false });
  assert.ok(p.transcript.length <= 4000);
  p.cancel();
  await clock.advance(60_000);
  assert.equal(outcome.length, 0);
  assert.equal(clock.pending(), 0, 'no timer left behind');
  assert.equal(p.concerns('item_u'), true);
  assert.equal(p.concerns('item_other'), false);
  assert.equal(p.concerns(undefined), true);
});
