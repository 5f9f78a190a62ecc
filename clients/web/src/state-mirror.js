// The session's state machine, mirrored on the client from the events on the data channel, so the
// app reacts at once (a barge-in stops playback locally before any server answers) and drops the
// events of a cancelled response. session-service keeps the authoritative copy.
import { Emitter } from './emitter.js';

/** @enum {string} */
export const Phase = Object.freeze({
  IDLE: 'IDLE',
  LISTENING: 'LISTENING',
  THINKING: 'THINKING',
  SPEAKING: 'SPEAKING',
  /** The user speaks over the assistant; playback is ducked until the policy commits or resumes. */
  PENDING_INTERRUPT: 'PENDING_INTERRUPT',
  CANCELLING: 'CANCELLING',
  RECOVERING: 'RECOVERING',
  ENDED: 'ENDED',
});

const AUDIO_EVENTS = new Set([
  'response.output_audio.delta',
  'response.audio.delta',
  'output_audio_buffer.started',
]);

/** The response id an upstream event belongs to, wherever the protocol puts it. */
export function responseIdOf(event) {
  if (typeof event?.response_id === 'string') return event.response_id;
  if (typeof event?.response?.id === 'string') return event.response.id;
  return null;
}

/** A set that forgets its oldest entries beyond a bound. */
class BoundedSet {
  constructor(limit) {
    this.limit = limit;
    this.items = new Set();
  }

  add(value) {
    this.items.delete(value);
    this.items.add(value);
    if (this.items.size > this.limit) this.items.delete(this.items.values().next().value);
  }

  has(value) {
    return this.items.has(value);
  }
}

/**
 * @typedef {{ action: 'applied'|'ignored'|'stale'|'barge_in', from?: string, to?: string }} ApplyResult
 */
export class SessionStateMirror extends Emitter {
  constructor({ remember = 64 } = {}) {
    super();
    this.phase = Phase.IDLE;
    /** @type {string|null} the response being generated or played */
    this.responseId = null;
    /** @type {string|null} the assistant item of that response (truncate needs it) */
    this.itemId = null;
    this.turn = 0;
    this.cancelled = new BoundedSet(remember);
    this.finished = new BoundedSet(remember);
    this.staleDropped = 0;
  }

  /** The data channel opened (or recovery finished): ready to listen. */
  connected() {
    if (this.phase === Phase.IDLE || this.phase === Phase.RECOVERING) this.#move(Phase.LISTENING, 'connected');
  }

  /**
   * Applies one event received from upstream.
   * @param {any} event
   * @returns {ApplyResult}
   */
  apply(event) {
    const type = event?.type;
    const rid = responseIdOf(event);
    if (rid !== null && (this.cancelled.has(rid) || this.finished.has(rid))) {
      // the one event of a cancelled response we wait for: its response.done acknowledges the cancel
      if (type === 'response.done' && this.phase === Phase.CANCELLING && this.cancelled.has(rid)) {
        this.finished.add(rid);
        return this.#move(Phase.LISTENING, type);
      }
      this.staleDropped++;
      this.emit('stale', { type, responseId: rid });
      return { action: 'stale' };
    }
    switch (type) {
      case 'input_audio_buffer.speech_started':
        if (this.phase === Phase.SPEAKING || (this.phase === Phase.THINKING && this.responseId !== null)) {
          return { action: 'barge_in' };
        }
        return { action: 'ignored' };
      case 'input_audio_buffer.speech_stopped':
      case 'input_audio_buffer.committed':
        if (this.phase === Phase.LISTENING) {
          this.turn++;
          return this.#move(Phase.THINKING, type);
        }
        return { action: 'ignored' };
      case 'response.created':
        if (this.phase === Phase.LISTENING || this.phase === Phase.THINKING) {
          this.responseId = rid;
          this.itemId = null;
          if (this.phase === Phase.LISTENING) {
            this.turn++;
            return this.#move(Phase.THINKING, type);
          }
          return { action: 'applied' };
        }
        return { action: 'ignored' };
      case 'response.output_item.added':
        if (rid !== null && rid === this.responseId && typeof event.item?.id === 'string') this.itemId = event.item.id;
        return { action: 'applied' };
      case 'response.done':
        // also from PENDING_INTERRUPT: the answer finished while the user's speech was being judged
        if (rid !== null && rid === this.responseId) {
          this.finished.add(rid);
          this.responseId = null;
          return this.#move(Phase.LISTENING, type);
        }
        return { action: 'ignored' };
      case 'error':
        if (event.error?.code === 'response_cancel_not_active' && this.phase === Phase.CANCELLING) {
          return this.#move(Phase.LISTENING, 'response_cancel_not_active');
        }
        return { action: 'ignored' };
      default:
        if (AUDIO_EVENTS.has(type) && rid !== null && rid === this.responseId) {
          if (typeof event.item_id === 'string') this.itemId = event.item_id;
          if (this.phase === Phase.THINKING) return this.#move(Phase.SPEAKING, type);
          // PENDING_INTERRUPT: the model keeps generating, the audio plays ducked
          return { action: 'applied' };
        }
        return { action: 'ignored' };
    }
  }

  /**
   * Starts an interrupt: the current response is cancelled for good (its late events are stale),
   * and the phase is CANCELLING until upstream acknowledges.
   * @returns {{ responseId: string|null, itemId: string|null, from: string } | null} null when there
   *   is nothing to interrupt
   */
  interrupt() {
    if (this.phase !== Phase.SPEAKING && this.phase !== Phase.THINKING && this.phase !== Phase.PENDING_INTERRUPT) {
      return null;
    }
    const snapshot = { responseId: this.responseId, itemId: this.itemId, from: this.phase };
    if (this.responseId !== null) this.cancelled.add(this.responseId);
    this.responseId = null;
    this.#move(Phase.CANCELLING, 'interrupt');
    return snapshot;
  }

  /** The user started speaking over the assistant: SPEAKING -> PENDING_INTERRUPT (false when not SPEAKING). */
  pendInterrupt() {
    if (this.phase !== Phase.SPEAKING) return false;
    this.#move(Phase.PENDING_INTERRUPT, 'speech_started');
    return true;
  }

  /** A false interruption: PENDING_INTERRUPT -> SPEAKING, nothing cancelled. */
  resumeSpeaking(cause = 'false_interruption') {
    if (this.phase !== Phase.PENDING_INTERRUPT) return false;
    this.#move(Phase.SPEAKING, cause);
    return true;
  }

  /**
   * The cancel was never acknowledged in time: the client stops waiting and listens again (the
   * cancelled response stays cancelled; its late events remain stale).
   */
  giveUpCancel(cause = 'cancel_ack_timeout') {
    if (this.phase === Phase.CANCELLING) this.#move(Phase.LISTENING, cause);
  }

  /** No acknowledgement of the cancel in time, or the transport failed: recovery takes over. */
  recovering(cause) {
    if (this.phase !== Phase.ENDED) this.#move(Phase.RECOVERING, cause);
  }

  end(cause = 'ended') {
    this.#move(Phase.ENDED, cause);
  }

  #move(to, cause) {
    const from = this.phase;
    if (from === to) return { action: 'applied', from, to };
    this.phase = to;
    this.emit('phase', { from, to, cause, turn: this.turn });
    return { action: 'applied', from, to };
  }
}
