// Time as the library sees it. Everything that waits goes through a clock, so tests drive hours of
// rotations and retries in milliseconds with FakeClock.

/** @typedef {{ now(): number, setTimeout(fn: () => void, ms: number): any, clearTimeout(handle: any): void }} Clock */

/** @type {Clock} */
export const systemClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle),
};

/** A clock that only moves when told to; timers fire in order of due time. */
export class FakeClock {
  constructor(startMs = 0) {
    this.time = startMs;
    this.timers = new Map();
    this.nextId = 1;
  }

  now() {
    return this.time;
  }

  setTimeout(fn, ms) {
    const id = this.nextId++;
    this.timers.set(id, { due: this.time + Math.max(0, ms), fn, seq: id });
    return id;
  }

  clearTimeout(id) {
    this.timers.delete(id);
  }

  /** Moves time forward by `ms`, running each timer that falls due (and timers those timers set). */
  async advance(ms) {
    const target = this.time + ms;
    for (;;) {
      let next = null;
      for (const [id, t] of this.timers) {
        if (t.due <= target && (next === null || t.due < next[1].due || (t.due === next[1].due && t.seq < next[1].seq))) {
          next = [id, t];
        }
      }
      if (next === null) break;
      this.timers.delete(next[0]);
      this.time = next[1].due;
      next[1].fn();
      // let promise continuations scheduled by the timer run before the next one fires
      await flushMicrotasks();
    }
    this.time = target;
    await flushMicrotasks();
  }

  pending() {
    return this.timers.size;
  }
}

async function flushMicrotasks() {
  for (let i = 0; i < 20; i++) {
    await Promise.resolve();
  }
}
