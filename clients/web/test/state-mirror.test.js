import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Phase, SessionStateMirror } from '../src/state-mirror.js';

function turn(mirror, rid, item = 'item_' + rid) {
  mirror.apply({ type: 'input_audio_buffer.speech_stopped' });
  mirror.apply({ type: 'response.created', response: { id: rid } });
  mirror.apply({ type: 'response.output_item.added', response_id: rid, item: { id: item } });
  mirror.apply({ type: 'response.output_audio.delta', response_id: rid, item_id: item, delta: 'AAA=' });
}

test('a turn goes LISTENING, THINKING, SPEAKING and back to LISTENING', () => {
  const m = new SessionStateMirror();
  const phases = [];
  m.on('phase', (p) => phases.push(p.to));
  m.connected();
  turn(m, 'resp_1');
  assert.equal(m.phase, Phase.SPEAKING);
  assert.equal(m.itemId, 'item_resp_1');
  m.apply({ type: 'response.done', response: { id: 'resp_1', status: 'completed' } });
  assert.deepEqual(phases, ['LISTENING', 'THINKING', 'SPEAKING', 'LISTENING']);
  assert.equal(m.turn, 1);
  assert.equal(m.responseId, null);
});

test('speech started while speaking is a barge-in; the interrupt cancels the response for good', () => {
  const m = new SessionStateMirror();
  m.connected();
  turn(m, 'resp_1');
  assert.equal(m.apply({ type: 'input_audio_buffer.speech_started' }).action, 'barge_in');
  const snapshot = m.interrupt();
  assert.deepEqual(snapshot, { responseId: 'resp_1', itemId: 'item_resp_1', from: 'SPEAKING' });
  assert.equal(m.phase, Phase.CANCELLING);
  assert.equal(m.responseId, null);

  // late audio of the cancelled response is dropped, never back to SPEAKING
  assert.equal(m.apply({ type: 'response.output_audio.delta', response_id: 'resp_1' }).action, 'stale');
  assert.equal(m.phase, Phase.CANCELLING);
  // its response.done acknowledges the cancel
  m.apply({ type: 'response.done', response: { id: 'resp_1', status: 'cancelled' } });
  assert.equal(m.phase, Phase.LISTENING);
  // anything later of it is stale too
  assert.equal(m.apply({ type: 'response.output_audio.delta', response_id: 'resp_1' }).action, 'stale');
  assert.equal(m.apply({ type: 'response.done', response: { id: 'resp_1' } }).action, 'stale');
  assert.equal(m.phase, Phase.LISTENING);
  assert.equal(m.staleDropped, 3);
});

test('response_cancel_not_active acknowledges a cancel that raced the end of the response', () => {
  const m = new SessionStateMirror();
  m.connected();
  turn(m, 'resp_1');
  m.interrupt();
  m.apply({ type: 'error', error: { code: 'response_cancel_not_active' } });
  assert.equal(m.phase, Phase.LISTENING);
});

test('an interrupt while THINKING cancels the pending response', () => {
  const m = new SessionStateMirror();
  m.connected();
  m.apply({ type: 'input_audio_buffer.speech_stopped' });
  m.apply({ type: 'response.created', response: { id: 'resp_9' } });
  assert.equal(m.apply({ type: 'input_audio_buffer.speech_started' }).action, 'barge_in');
  assert.equal(m.interrupt().from, 'THINKING');
  assert.equal(m.apply({ type: 'response.output_audio.delta', response_id: 'resp_9' }).action, 'stale');
});

test('nothing to interrupt while listening; speech there is not a barge-in', () => {
  const m = new SessionStateMirror();
  m.connected();
  assert.equal(m.apply({ type: 'input_audio_buffer.speech_started' }).action, 'ignored');
  assert.equal(m.interrupt(), null);
  assert.equal(m.phase, Phase.LISTENING);
});

test('events of another response than the current one do not move the phase', () => {
  const m = new SessionStateMirror();
  m.connected();
  turn(m, 'resp_1');
  assert.equal(m.apply({ type: 'response.done', response: { id: 'resp_other' } }).action, 'ignored');
  assert.equal(m.phase, Phase.SPEAKING);
});

test('recovery and end', () => {
  const m = new SessionStateMirror();
  m.connected();
  m.recovering('ice_failed');
  assert.equal(m.phase, Phase.RECOVERING);
  m.connected();
  assert.equal(m.phase, Phase.LISTENING);
  m.end();
  assert.equal(m.phase, Phase.ENDED);
  m.recovering('late');
  assert.equal(m.phase, Phase.ENDED);
});

test('the memory of finished responses is bounded', () => {
  const m = new SessionStateMirror({ remember: 4 });
  m.connected();
  for (let i = 0; i < 10; i++) {
    turn(m, 'r' + i);
    m.apply({ type: 'response.done', response: { id: 'r' + i } });
  }
  assert.equal(m.finished.items.size, 4);
  assert.equal(m.apply({ type: 'response.output_audio.delta', response_id: 'r9' }).action, 'stale');
});

test('PENDING_INTERRUPT: entered only from SPEAKING; left to SPEAKING (resume), CANCELLING (commit) or LISTENING (answer done)', () => {
  const rows = [];
  const fresh = () => {
    const m = new SessionStateMirror();
    m.connected();
    turn(m, 'resp_1');
    return m;
  };
  // SPEAKING -> PENDING_INTERRUPT -> SPEAKING
  let m = fresh();
  assert.equal(m.pendInterrupt(), true);
  assert.equal(m.phase, Phase.PENDING_INTERRUPT);
  assert.equal(m.apply({ type: 'response.output_audio.delta', response_id: 'resp_1', item_id: 'item_resp_1' }).action,
    'applied', 'the model keeps generating while the speech is judged');
  assert.equal(m.phase, Phase.PENDING_INTERRUPT);
  assert.equal(m.apply({ type: 'input_audio_buffer.speech_stopped' }).action, 'ignored', 'no new turn from it');
  assert.equal(m.resumeSpeaking(), true);
  rows.push(m.phase);
  // SPEAKING -> PENDING_INTERRUPT -> CANCELLING
  m = fresh();
  m.pendInterrupt();
  assert.deepEqual(m.interrupt(), { responseId: 'resp_1', itemId: 'item_resp_1', from: 'PENDING_INTERRUPT' });
  rows.push(m.phase);
  assert.equal(m.resumeSpeaking(), false, 'a committed interrupt does not resume');
  // SPEAKING -> PENDING_INTERRUPT -> LISTENING when the answer finishes meanwhile
  m = fresh();
  m.pendInterrupt();
  m.apply({ type: 'response.done', response: { id: 'resp_1', status: 'completed' } });
  rows.push(m.phase);
  assert.deepEqual(rows, [Phase.SPEAKING, Phase.CANCELLING, Phase.LISTENING]);
  // never from anything but SPEAKING
  const idle = new SessionStateMirror();
  assert.equal(idle.pendInterrupt(), false);
  idle.connected();
  assert.equal(idle.pendInterrupt(), false);
  assert.equal(idle.phase, Phase.LISTENING);
  assert.equal(idle.resumeSpeaking(), false);
});
