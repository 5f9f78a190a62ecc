// Recovery: on an ICE failure or a network change the client asks session-service for the plan
// (POST /v1/sessions/{id}/recover) and carries it out: rotate first when the secret is about to
// die, restart ICE (falling back to rebuilding the peer when the restart does not reconnect), or
// rebuild the peer on a reissued token, then replay the conversation summary the plan returns.
// Without an answer from session-service it follows the same rules locally, so a client never waits
// on the control plane to get its call back.
import { ApiError, requestJson } from './http.js';
import { systemClock } from './clock.js';
import { Emitter } from './emitter.js';
import { reasonOf } from './event-summary.js';
import { endReasonOf } from './session-end.js';

const TRANSPORT_REASONS = new Set(['ice_failed', 'network_switch']);
const SESSION_REASONS = new Set(['token_expired', 'auth_failed', 'event_order_broken', 'rollover_failed']);
const ROLLOVER_REASONS = new Set(['rollover', 'session_expired']);

/**
 * The plan session-service would give, for when it cannot be asked (same rules as its RecoveryPlan).
 * @param {string} reason
 */
export function localPlan(reason) {
  const r = reasonOf(reason);
  if (ROLLOVER_REASONS.has(r)) {
    // the call reached upstream's maximum duration: a new call on a fresh secret, same session
    return { class: 'rollover', reason: r, rebuild_peer: true, keep_token: true, reissue_token: false,
      fresh_secret: true, new_upstream_session: true, replay_summary: true, switch_at: 'turn_boundary',
      ice_restart: false, rotate_first: false };
  }
  if (TRANSPORT_REASONS.has(r)) {
    return { class: 'transport', reason: r, rebuild_peer: true, keep_token: true, reissue_token: false,
      new_upstream_session: false, replay_summary: true, ice_restart: true, rotate_first: false };
  }
  return { class: 'session', reason: r, rebuild_peer: true, keep_token: false, reissue_token: true,
    new_upstream_session: true, replay_summary: SESSION_REASONS.has(r), ice_restart: false, rotate_first: false };
}

/**
 * @typedef {object} RecoveryHooks what the client does; the controller decides when
 * @property {() => Promise<boolean>} restartIce restarts ICE on the current peer; true when it reconnected
 * @property {(opts: { reason: string, newUpstreamSession: boolean }) => Promise<void>} rebuildPeer a new peer with the current secret
 * @property {(summary: { text: string, lines: any[] }) => Promise<void> | void} replaySummary
 */

export class RecoveryController extends Emitter {
  /**
   * @param {object} options
   * @param {string} options.sessionServiceUrl
   * @param {import('./token-manager.js').TokenManager} options.tokens
   * @param {RecoveryHooks} options.hooks
   * @param {typeof fetch} [options.fetch]
   * @param {import('./clock.js').Clock} [options.clock]
   */
  constructor(options) {
    super();
    this.options = options;
    this.fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.clock = options.clock ?? systemClock;
    this.running = null;
    this.stats = { recoveries: 0, iceRestarts: 0, rebuilds: 0, reissues: 0, failures: 0 };
  }

  /**
   * Recovers from `reason` (`ice_failed`, `network_switch`, ...); concurrent calls share one recovery.
   * With `given` (a plan and the summary the caller already has), session-service is not asked again.
   */
  recover(reason, given = null) {
    if (!this.running) {
      this.running = this.#recover(reasonOf(reason), given).finally(() => {
        this.running = null;
      });
    }
    return this.running;
  }

  /** Asks session-service for the plan; its own rules when it cannot answer. */
  async plan(reason) {
    const tokens = this.options.tokens;
    if (!tokens.sessionId) return { plan: localPlan(reason), summary: null, source: 'local' };
    try {
      const answer = await requestJson(this.fetch, 'POST',
        `${this.options.sessionServiceUrl}/v1/sessions/${encodeURIComponent(tokens.sessionId)}/recover`,
        { reason, occurred_at_ms: Math.round(this.clock.now()) },
        { authorization: `Bearer ${tokens.rotationToken}` });
      if (answer?.plan && typeof answer.plan === 'object') {
        return { plan: answer.plan, summary: answer.summary ?? null, source: 'session-service' };
      }
      return { plan: localPlan(reason), summary: null, source: 'local' };
    } catch (e) {
      const error = e instanceof ApiError ? e : new ApiError(0, 'network_error', String(e));
      // the service ended the session (budget, liveness): nothing to recover, the caller reports the end
      if (endReasonOf(error)) throw error;
      this.emit('plan_unavailable', { reason, code: error.code, status: error.status });
      // an expired or unknown session can only be recovered with a new one
      const r = error.status === 401 || error.status === 404 ? 'token_expired' : reason;
      return { plan: localPlan(r), summary: null, source: 'local' };
    }
  }

  async #recover(reason, given) {
    const { tokens, hooks } = this.options;
    this.stats.recoveries++;
    const { plan, summary, source } = given
      ? { plan: given.plan, summary: given.summary ?? null, source: 'given' } : await this.plan(reason);
    this.emit('plan', { reason, plan, source });
    try {
      let how;
      if (plan.reissue_token) {
        await tokens.start();
        this.stats.reissues++;
        await hooks.rebuildPeer({ reason, newUpstreamSession: true });
        this.stats.rebuilds++;
        how = 'rebuilt_with_new_session';
      } else {
        if (plan.rotate_first) await tokens.rotate();
        let restarted = false;
        if (plan.ice_restart) {
          this.stats.iceRestarts++;
          restarted = await hooks.restartIce().catch((error) => {
            this.emit('ice_restart_failed', { reason, error });
            return false;
          });
        }
        if (!restarted) {
          await hooks.rebuildPeer({ reason, newUpstreamSession: Boolean(plan.new_upstream_session) });
          this.stats.rebuilds++;
          how = 'rebuilt';
        } else {
          how = 'ice_restarted';
        }
      }
      // after an ICE restart the upstream session (and its memory) is intact: nothing to replay
      if (how !== 'ice_restarted' && plan.replay_summary && summary?.text) {
        await hooks.replaySummary(summary);
      }
      const result = { reason, plan, how, replayed: how !== 'ice_restarted' && Boolean(plan.replay_summary && summary?.text) };
      this.emit('recovered', result);
      return result;
    } catch (e) {
      this.stats.failures++;
      this.emit('failed', { reason, plan, error: e });
      throw e;
    }
  }
}
