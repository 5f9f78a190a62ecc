// Waits for upstream's answer to one barge-in's truncate (and to its output_audio_buffer.clear):
// `conversation.item.truncated` confirms what the model now believes it said; an "already shorter"
// error means the item held less audio than was asked (the truncate was a no-op: nothing to recover);
// another error naming the truncate is a refusal; silence until the deadline is "unconfirmed".

const ALREADY_SHORTER = /already shorter/i;

/**
 * @typedef {{ kind: 'truncated'|'already_shorter'|'refused'|'unconfirmed', interruptId: string, itemId: string,
 *   audioEndMs: number, playedMs: number, deliveredMs: number|null, source: string, cleared: boolean,
 *   confirmedAudioEndMs?: number, code?: string, message?: string }} TruncationResult
 */
export class TruncationWatch {
  /**
   * @param {object} o
   * @param {import('./clock.js').Clock} o.clock
   * @param {number} o.timeoutMs
   * @param {string} o.eventId the truncate's client event_id (upstream errors name it)
   * @param {object} o.detail interruptId, itemId, audioEndMs, playedMs, deliveredMs, source
   * @param {(result: TruncationResult) => void} o.onResult called once
   */
  constructor({ clock, timeoutMs, eventId, detail, onResult }) {
    this.clock = clock;
    this.eventId = eventId;
    this.detail = detail;
    this.onResult = onResult;
    this.cleared = false;
    this.done = false;
    this.timer = clock.setTimeout(() => this.#finish({ kind: 'unconfirmed' }), timeoutMs);
  }

  /** Looks at one upstream event; true when it was the answer this watch waited for. */
  observe(event) {
    if (this.done) return false;
    const type = event?.type;
    if (type === 'output_audio_buffer.cleared') {
      this.cleared = true;
      return false;
    }
    if (type === 'conversation.item.truncated' && event.item_id === this.detail.itemId) {
      this.#finish({ kind: 'truncated', confirmedAudioEndMs: event.audio_end_ms });
      return true;
    }
    if (type === 'error') {
      const message = String(event.error?.message ?? '');
      const ours = event.error?.event_id === this.eventId;
      if (ALREADY_SHORTER.test(message) && (ours || !event.error?.event_id)) {
        this.#finish({ kind: 'already_shorter', code: event.error?.code ?? null, message: message.slice(0, 200) });
        return true;
      }
      if (ours) {
        this.#finish({ kind: 'refused', code: event.error?.code ?? null, message: message.slice(0, 200) });
        return true;
      }
    }
    return false;
  }

  cancel() {
    if (this.done) return;
    this.done = true;
    this.clock.clearTimeout(this.timer);
  }

  #finish(outcome) {
    if (this.done) return;
    this.done = true;
    this.clock.clearTimeout(this.timer);
    this.onResult({ ...this.detail, cleared: this.cleared, ...outcome });
  }
}
