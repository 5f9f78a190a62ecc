// A minimal event emitter that works the same in browsers and Node.

export class Emitter {
  constructor() {
    this.listeners = new Map();
  }

  /** @returns {() => void} a function that removes the listener */
  on(type, fn) {
    if (!this.listeners.has(type)) this.listeners.set(type, new Set());
    this.listeners.get(type).add(fn);
    return () => this.listeners.get(type)?.delete(fn);
  }

  emit(type, detail) {
    for (const fn of this.listeners.get(type) ?? []) {
      try {
        fn(detail);
      } catch (e) {
        // a listener's bug must not break the library's own state handling
        queueMicrotask(() => {
          throw e;
        });
      }
    }
  }
}
