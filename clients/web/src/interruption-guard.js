// The client's side of false interruptions: speech over a playing answer starts a
// PendingInterruption (the policy's judgement) and ducks playback; upstream's speech_stopped and
// transcripts feed the judgement; the guard then commits (the client barges in) or resumes (full
// volume, nothing sent). The facade owns the state mirror; the guard owns the pending judgement and
// the volume.
import { PendingInterruption, normalizePolicy } from './pending-interruption.js';

export class InterruptionGuard {
  /**
   * @param {object} o
   * @param {import('./pending-interruption.js').InterruptionPolicy | undefined} o.policy
   * @param {import('./clock.js').Clock} o.clock
   * @param {() => any} o.playback the app's playback control (read when used: it may be replaced)
   * @param {(detail: object) => void} o.onCommit a real interruption: cancel now
   * @param {(detail: object) => void} o.onResume a false one: back to SPEAKING
   * @param {(message: string) => void} o.warn
   */
  constructor({ policy, clock, playback, onCommit, onResume, warn }) {
    this.policy = normalizePolicy(policy);
    this.clock = clock;
    this.playback = playback;
    this.onCommit = onCommit;
    this.onResume = onResume;
    this.warn = warn;
    /** @type {PendingInterruption|null} */
    this.pending = null;
    /** The element's volume before ducking, when the guard ducks the element itself. */
    this.duckedFrom = null;
  }

  /** Whether speech over the answer is judged (a policy is set) rather than cancelling at once. */
  get judges() {
    return this.policy !== null;
  }

  /** The user started speaking over `responseId`: duck, and judge. Returns the pending detail. */
  begin(event, responseId) {
    this.drop();
    this.#duck(this.policy.duckVolume);
    this.pending = new PendingInterruption({
      policy: this.policy,
      clock: this.clock,
      itemId: typeof event?.item_id === 'string' ? event.item_id : null,
      onCommit: (detail) => {
        this.pending = null;
        this.onCommit({ ...detail, responseId });
        this.#unduck();
      },
      onResume: (detail) => {
        this.pending = null;
        this.#unduck();
        this.onResume({ ...detail, responseId });
      },
    });
    return { responseId, itemId: this.pending.itemId, policy: { ...this.policy } };
  }

  /** Feeds the judgement what upstream says about the user's speech. */
  observe(event) {
    const pending = this.pending;
    if (!pending) return;
    switch (event?.type) {
      case 'input_audio_buffer.speech_stopped':
        if (pending.concerns(event.item_id)) pending.stopped();
        break;
      case 'conversation.item.input_audio_transcription.delta':
        if (pending.concerns(event.item_id)) pending.transcriptPart(event.delta, { final: false });
        break;
      case 'conversation.item.input_audio_transcription.completed':
        if (pending.concerns(event.item_id)) pending.transcriptPart(event.transcript, { final: true });
        break;
      default:
    }
  }

  /** Drops the judgement undecided (the answer ended, the app interrupted, the call ended): full volume. */
  drop() {
    if (!this.pending) return;
    this.pending.cancel();
    this.pending = null;
    this.#unduck();
  }

  #duck(volume) {
    const playback = this.playback();
    try {
      if (playback?.duck) {
        playback.duck(volume);
      } else if (playback?.element && typeof playback.element.volume === 'number') {
        this.duckedFrom = this.duckedFrom ?? playback.element.volume;
        playback.element.volume = Math.min(this.duckedFrom, volume);
      }
    } catch (e) {
      this.warn(`playback.duck failed: ${e?.message ?? e}`);
    }
  }

  #unduck() {
    const playback = this.playback();
    try {
      if (playback?.duck) {
        playback.unduck?.();
      } else if (this.duckedFrom !== null && playback?.element) {
        playback.element.volume = this.duckedFrom;
      }
    } catch (e) {
      this.warn(`playback.unduck failed: ${e?.message ?? e}`);
    }
    this.duckedFrom = null;
  }
}
