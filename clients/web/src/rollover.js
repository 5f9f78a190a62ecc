// The hand-over to a new upstream call before (or right after) the old one hits upstream's maximum
// session duration. Upstream ends every call at its cap with `session_expired`; nothing extends it.
// So the library prepares a new call while the old one still plays (plan from session-service, a
// fresh client secret, a new peer and call, the summary replayed on it), switches at the next turn
// boundary, reports the audio gap and lets the old call go. An unplanned `session_expired` switches
// as soon as the new call is ready. What fails is reported (`client.rollover_failed`); a call that is
// already gone then falls back to the session recovery, a call that still plays keeps playing.
//
// This class decides the order and the failures; the facade does the peer work through hooks.
import { systemClock } from './clock.js';
import { Emitter } from './emitter.js';
import { reasonOf } from './event-summary.js';

/** Attempts per call: a hand-over that keeps failing is not retried on every advice. */
const MAX_ATTEMPTS_PER_CALL = 2;
/** Under session-service's ROLLOVER_DEADLINE (60 s): a turn boundary not found by then fails here first. */
export const DEFAULT_SWITCH_TIMEOUT_MS = 45_000;

/** A step of the hand-over that failed, with the reason reported as `client.rollover_failed`. */
export class RolloverFailure extends Error {
  constructor(reason, cause) {
    super(`hand-over failed: ${reason}${cause ? ` (${cause?.message ?? cause})` : ''}`);
    this.name = 'RolloverFailure';
    this.reason = reasonOf(reason);
    this.cause = cause;
  }
}

/**
 * @typedef {object} StagedCall the new call, ready but not yet heard
 * @property {string|null} callId
 * @property {() => void} close
 */

/**
 * @typedef {object} RolloverHooks
 * @property {(reason: string) => Promise<{ plan: any, summary: any }>} plan POST /recover
 * @property {() => Promise<void>} freshSecret a new client secret for the same session (throws RolloverFailure)
 * @property {() => Promise<StagedCall>} prepare a new peer and call on the current secret, channel open
 * @property {(staged: StagedCall, summary: any) => boolean} replay the summary on the new call
 * @property {() => boolean} quiet a turn boundary: LISTENING, no response, the user not speaking
 * @property {(staged: StagedCall, o: { urgent: boolean, diedAt: number|null }) => Promise<{ gapMs: number }>} switchTo
 * @property {(failure: RolloverFailure) => void} failed reports `client.rollover_failed`
 * @property {(o: { failure: RolloverFailure, summary: any }) => void} fallback the old call is gone: recover the session
 * @property {() => string|null} callId the current call
 */

export class RolloverController extends Emitter {
  /**
   * @param {object} options
   * @param {RolloverHooks} options.hooks
   * @param {import('./clock.js').Clock} [options.clock]
   * @param {number} [options.switchTimeoutMs] how long a prepared call waits for a turn boundary (45 s)
   */
  constructor({ hooks, clock = systemClock, switchTimeoutMs = DEFAULT_SWITCH_TIMEOUT_MS }) {
    super();
    this.hooks = hooks;
    this.clock = clock;
    this.switchTimeoutMs = switchTimeoutMs;
    this.running = null;
    this.urgent = false;
    this.diedAt = null;
    this.aborted = false;
    this.waiters = new Set();
    this.attempts = { callId: undefined, count: 0 };
    this.stats = { planned: 0, completed: 0, failed: 0, fallbacks: 0 };
  }

  /**
   * session-service's advice `{action: 'rollover', reason}`: `call_age` plans a hand-over at the next
   * turn boundary, `session_expired` means the call is gone already.
   */
  advised(advice) {
    if (advice?.action !== 'rollover') return false;
    if (advice.reason === 'session_expired') return this.expired();
    return this.#begin('call_age', false);
  }

  /** The current call hit upstream's cap (or closed): switch as soon as the new call is ready. */
  expired(at = this.clock.now()) {
    if (this.running) {
      if (!this.urgent) {
        this.urgent = true;
        this.diedAt = at;
        this.changed();
      }
      return true;
    }
    this.diedAt = at;
    return this.#begin('session_expired', true);
  }

  /** Something that the turn boundary depends on changed (phase, speech, the old call's state). */
  changed() {
    for (const check of [...this.waiters]) check();
  }

  /** The app ended the session: a hand-over in progress is dropped (its staged call closed). */
  abort() {
    this.aborted = true;
    this.changed();
  }

  #begin(cause, urgent) {
    if (this.running || this.aborted) return false;
    const callId = this.hooks.callId();
    if (this.attempts.callId !== callId) this.attempts = { callId, count: 0 };
    // a call that still plays is not handed over again and again; a dead one always is
    if (!urgent && this.attempts.count >= MAX_ATTEMPTS_PER_CALL) return false;
    this.attempts.count++;
    this.urgent = urgent;
    if (!urgent) this.diedAt = null;
    this.running = this.#run(cause, callId).finally(() => {
      this.running = null;
      this.urgent = false;
      this.diedAt = null;
    });
    return true;
  }

  async #run(cause, previousCallId) {
    this.stats.planned++;
    this.emit('rollover', { phase: 'planned', reason: cause, callId: null, previousCallId, gapMs: null });
    let staged = null;
    let summary = null;
    try {
      const answer = await this.hooks.plan(this.urgent ? 'session_expired' : 'rollover');
      summary = answer.summary ?? null;
      this.#check();
      if (answer.plan?.class !== 'rollover') throw new RolloverFailure('not_a_rollover_plan');
      if (answer.plan.fresh_secret !== false) await this.hooks.freshSecret();
      this.#check();
      staged = await this.hooks.prepare().catch((e) => {
        throw e instanceof RolloverFailure ? e : new RolloverFailure('connect_failed', e);
      });
      this.#check();
      const replayed = answer.plan.replay_summary !== false && this.hooks.replay(staged, summary);
      await this.#turnBoundary();
      const { gapMs } = await this.hooks.switchTo(staged, { urgent: this.urgent, diedAt: this.diedAt });
      staged = null;
      this.stats.completed++;
      const detail = { phase: 'completed', reason: cause, callId: this.hooks.callId(), previousCallId, gapMs,
        unplanned: this.urgent, replayed };
      this.emit('rollover', detail);
      return detail;
    } catch (e) {
      const failure = e instanceof RolloverFailure ? e : new RolloverFailure('internal_error', e);
      try {
        staged?.close();
      } catch {
        // already closed
      }
      if (failure.reason === 'aborted') return null;
      this.stats.failed++;
      this.hooks.failed(failure);
      this.emit('rollover', { phase: 'failed', reason: failure.reason, callId: null, previousCallId, gapMs: null,
        error: failure.cause ?? null });
      if (this.urgent) {
        this.stats.fallbacks++;
        this.hooks.fallback({ failure, summary });
      }
      return null;
    }
  }

  #check() {
    if (this.aborted) throw new RolloverFailure('aborted');
  }

  /** Resolves at a turn boundary, or at once when the old call is gone. */
  #turnBoundary() {
    return new Promise((resolve, reject) => {
      let timer = null;
      const done = (error) => {
        this.waiters.delete(check);
        this.clock.clearTimeout(timer);
        if (error) reject(error);
        else resolve();
      };
      const check = () => {
        if (this.aborted) done(new RolloverFailure('aborted'));
        else if (this.urgent || this.hooks.quiet()) done();
      };
      timer = this.clock.setTimeout(() => done(new RolloverFailure('no_turn_boundary')), this.switchTimeoutMs);
      this.waiters.add(check);
      check();
    });
  }
}
