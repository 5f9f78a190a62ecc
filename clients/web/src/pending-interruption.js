// One pending interruption: the user started speaking over the assistant, and the policy decides
// whether it is a real barge-in (commit: cancel the response) or a false one (a cough, a click, an
// "uh-huh": resume at full volume, nothing cancelled). The cancel is committed once the user has
// spoken for at least `minSpeechMs` AND said at least `minWords` transcribed words (a threshold at 0
// is not checked). Speech that stops short of `minSpeechMs` resumes at once; speech long enough
// whose transcript stays under `minWords` resumes when the transcript is final, or after
// `transcriptWaitMs` without one. Plain logic over a clock: no media, no network.

/** Words in a transcript: runs of non-space holding at least one letter or digit ("uh-huh" is one). */
export function countWords(text) {
  if (typeof text !== 'string') return 0;
  let n = 0;
  for (const token of text.trim().split(/\s+/)) {
    if (/[\p{L}\p{N}]/u.test(token)) n++;
  }
  return n;
}

/** Longest transcript kept while waiting (a hostile or endless delta stream cannot grow it further). */
const MAX_TRANSCRIPT_CHARS = 4000;

/**
 * @typedef {{ minSpeechMs?: number, minWords?: number, transcriptWaitMs?: number, duckVolume?: number }} InterruptionPolicy
 */

/** Checks a policy (from app configuration) and fills its defaults; throws on nonsense. */
export function normalizePolicy(policy) {
  if (policy == null) return null;
  const number = (name, value, fallback, max) => {
    const v = value ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > max) {
      throw new RangeError(`falseInterruption.${name} must be a number between 0 and ${max}`);
    }
    return v;
  };
  const p = {
    minSpeechMs: number('minSpeechMs', policy.minSpeechMs, 0, 60_000),
    minWords: Math.floor(number('minWords', policy.minWords, 0, 100)),
    transcriptWaitMs: number('transcriptWaitMs', policy.transcriptWaitMs, 1500, 60_000),
    duckVolume: number('duckVolume', policy.duckVolume, 0.3, 1),
  };
  // a policy that requires nothing is today's behaviour: every speech_started cancels at once
  return p.minSpeechMs === 0 && p.minWords === 0 ? null : p;
}

export class PendingInterruption {
  /**
   * @param {object} o
   * @param {ReturnType<typeof normalizePolicy>} o.policy
   * @param {import('./clock.js').Clock} o.clock
   * @param {string|null} o.itemId the user item of the speech (speech_started's item_id)
   * @param {(detail: object) => void} o.onCommit
   * @param {(detail: object) => void} o.onResume
   */
  constructor({ policy, clock, itemId, onCommit, onResume }) {
    this.policy = policy;
    this.clock = clock;
    this.itemId = itemId ?? null;
    this.onCommit = onCommit;
    this.onResume = onResume;
    this.startedAtMs = clock.now();
    this.speechMs = null;
    this.speaking = true;
    this.durationMet = policy.minSpeechMs === 0;
    this.transcript = '';
    this.words = 0;
    this.done = false;
    this.timer = null;
    if (!this.durationMet) {
      this.timer = clock.setTimeout(() => {
        this.timer = null;
        this.durationMet = true;
        this.#evaluate();
      }, policy.minSpeechMs);
    }
  }

  /** Whether an event about a user item belongs to this speech. */
  concerns(itemId) {
    return this.itemId === null || typeof itemId !== 'string' || itemId === this.itemId;
  }

  /** speech_stopped: the speech lasted from its start until now. */
  stopped() {
    if (this.done || !this.speaking) return;
    this.speaking = false;
    this.speechMs = this.clock.now() - this.startedAtMs;
    if (!this.durationMet) {
      this.#finish(false, 'short_speech');
      return;
    }
    if (this.#wordsMet()) {
      this.#finish(true, 'policy_met');
      return;
    }
    // long enough, words unknown yet: the transcript decides, within a bound
    this.#clearTimer();
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      this.#finish(false, 'too_few_words');
    }, this.policy.transcriptWaitMs);
  }

  /** Transcript text of the speech: a delta (appended) or the final transcript (replaces). */
  transcriptPart(text, { final }) {
    if (this.done || typeof text !== 'string') return;
    this.transcript = (final ? text : this.transcript + text).slice(0, MAX_TRANSCRIPT_CHARS);
    this.words = countWords(this.transcript);
    if (this.#evaluate()) return;
    if (final && !this.speaking) this.#finish(false, 'too_few_words');
  }

  cancel() {
    this.done = true;
    this.#clearTimer();
  }

  #wordsMet() {
    return this.policy.minWords === 0 || this.words >= this.policy.minWords;
  }

  #evaluate() {
    if (!this.done && this.durationMet && this.#wordsMet()) {
      this.#finish(true, 'policy_met');
      return true;
    }
    return false;
  }

  #finish(commit, reason) {
    if (this.done) return;
    this.done = true;
    this.#clearTimer();
    const detail = { reason, itemId: this.itemId, words: this.words,
      speechMs: this.speechMs ?? this.clock.now() - this.startedAtMs, stillSpeaking: this.speaking };
    if (commit) this.onCommit(detail);
    else this.onResume(detail);
  }

  #clearTimer() {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }
}
