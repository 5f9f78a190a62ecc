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

/** The SDP offer the fake peers make: one audio m-line, as a browser's would have. */
export const OFFER = 'v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n';

/**
 * A peer that makes its offer at once (ICE gathering complete), keeps its tracks and senders, and opens
 * its data channel when the answer is applied: what a server-side call creation needs.
 */
export class OfferingPeer extends FakePeerConnection {
  constructor() {
    super();
    this.tracks = [];
    this.iceGatheringState = 'complete';
    this.remote = null;
    this.senders = [];
  }

  addTrack(track) {
    this.tracks.push(track);
    this.senders.push({ track, replaceTrack: async (t) => { this.senders[0].track = t; } });
  }

  getSenders() {
    return this.senders;
  }

  createDataChannel(label) {
    this.dc = new FakeDataChannel(label);
    return this.dc;
  }

  async createOffer() {
    return { type: 'offer', sdp: OFFER };
  }

  async setLocalDescription(d) {
    this.localDescription = d;
  }

  async setRemoteDescription(d) {
    this.remote = d;
    queueMicrotask(() => this.dc.open());
  }
}
