// Stand-ins for RTCPeerConnection and RTCDataChannel in Node: they record what the library sends and
// let a test play upstream's part (messages, ICE states). The browser tests use the real ones.

export class FakeDataChannel extends EventTarget {
  constructor(label = 'oai-events') {
    super();
    this.label = label;
    this.readyState = 'connecting';
    this.sent = [];
  }

  open() {
    this.readyState = 'open';
    this.dispatchEvent(new Event('open'));
  }

  send(text) {
    if (this.readyState !== 'open') throw new Error('InvalidStateError');
    this.sent.push(JSON.parse(text));
  }

  /** upstream sends an event */
  receive(event) {
    const e = new Event('message');
    e.data = JSON.stringify(event);
    this.dispatchEvent(e);
  }

  close() {
    this.readyState = 'closed';
    this.dispatchEvent(new Event('close'));
  }

  types() {
    return this.sent.map((e) => e.type);
  }
}

export class FakePeerConnection extends EventTarget {
  constructor({ restartWorks = true } = {}) {
    super();
    this.iceConnectionState = 'connected';
    this.restarts = 0;
    this.closed = false;
    this.restartWorks = restartWorks;
    // the receiver's audio at 48 kHz: real samples played, and samples concealed during a stall
    this.audio = { received: 48_000, concealed: 0 };
  }

  /** `ms` of upstream audio played out. */
  play(ms) {
    this.audio.received += 48 * ms;
  }

  /** `ms` of nothing arriving: the jitter buffer conceals (the wall clock goes on, nothing is heard). */
  stall(ms) {
    this.audio.received += 48 * ms;
    this.audio.concealed += 48 * ms;
  }

  setIce(state) {
    this.iceConnectionState = state;
    this.dispatchEvent(new Event('iceconnectionstatechange'));
  }

  restartIce() {
    this.restarts++;
    queueMicrotask(() => {
      this.setIce('checking');
      if (this.restartWorks) this.setIce('connected');
    });
  }

  async getStats() {
    return new Map([
      ['cp', { type: 'candidate-pair', nominated: true, currentRoundTripTime: 0.04 }],
      ['in', { type: 'inbound-rtp', kind: 'audio', jitterBufferDelay: 3, jitterBufferEmittedCount: 100,
        totalSamplesReceived: this.audio.received, concealedSamples: this.audio.concealed,
        totalSamplesDuration: this.audio.received / 48_000 }],
    ]);
  }

  getSenders() {
    return [{ track: { kind: 'audio', getSettings: () => ({ latency: 0.01 }) } }];
  }

  close() {
    this.closed = true;
    this.iceConnectionState = 'closed';
  }
}
