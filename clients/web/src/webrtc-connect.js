// The library's own WebRTC on-ramp, used when the app gives no `connect`: a peer with the
// microphone, the `oai-events` data channel, the offer posted to `POST /v1/realtime/calls` (OpenAI,
// or upstream-sim) with the client secret, the answer applied, and the call id taken from the
// `Location` header. The call id is what lets session-service attach its sideband (the server-side
// cancel channel): an app that drops it silently loses that channel.
import { ApiError } from './http.js';

export const OPENAI_CALLS_URL = 'https://api.openai.com/v1/realtime/calls';

const CALL_ID = /^[A-Za-z0-9_-]{1,128}$/;
const MAX_ANSWER_CHARS = 64 * 1024;

/** The call id of a `Location` header (absolute or relative), or null when there is none or it is not one. */
export function callIdFromLocation(location) {
  if (typeof location !== 'string' || location.length > 2048) return null;
  const match = /\/v1\/realtime\/calls\/([^/?#]+)\/?(?:[?#].*)?$/.exec(location);
  return match && CALL_ID.test(match[1]) ? match[1] : null;
}

function waitIceGathering(pc, timeoutMs, clock) {
  if (pc.iceGatheringState === 'complete' || timeoutMs <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clock.clearTimeout(timer);
      pc.removeEventListener?.('icegatheringstatechange', onChange);
      resolve();
    };
    const onChange = () => {
      if (pc.iceGatheringState === 'complete') done();
    };
    // bounded: a slow STUN server must not hold the call; the candidates gathered so far go
    const timer = clock.setTimeout(done, timeoutMs);
    pc.addEventListener?.('icegatheringstatechange', onChange);
  });
}

async function errorOf(response) {
  let code = 'upstream_error';
  let message = `POST /v1/realtime/calls answered ${response.status}`;
  try {
    const body = JSON.parse(await response.text());
    if (typeof body?.error?.code === 'string') code = body.error.code;
    if (typeof body?.error?.message === 'string') message = body.error.message.slice(0, 300);
  } catch {
    // not JSON: the status says enough
  }
  return new ApiError(response.status, code, message);
}

export class WebRtcConnector {
  /**
   * @param {object} o
   * @param {string} [o.callsUrl] default OpenAI's
   * @param {HTMLMediaElement} [o.audioElement] plays the remote audio (default: a new autoplaying <audio>)
   * @param {MediaStream | (() => Promise<MediaStream>)} [o.microphone] default getUserMedia({ audio: true })
   * @param {RTCConfiguration} [o.rtcConfiguration]
   * @param {(config?: RTCConfiguration) => RTCPeerConnection} [o.createPeerConnection]
   * @param {number} [o.iceGatheringTimeoutMs] default 1000
   * @param {typeof fetch} o.fetch
   * @param {import('./clock.js').Clock} o.clock
   */
  constructor(o) {
    this.callsUrl = o.callsUrl ?? OPENAI_CALLS_URL;
    this.fetch = o.fetch;
    this.clock = o.clock;
    this.rtcConfiguration = o.rtcConfiguration;
    this.createPeerConnection = o.createPeerConnection ?? ((config) => new RTCPeerConnection(config));
    this.iceGatheringTimeoutMs = o.iceGatheringTimeoutMs ?? 1000;
    this.microphone = o.microphone ?? null;
    this.stream = null;
    this.audioElement = o.audioElement ?? null;
    if (!this.audioElement && globalThis.document?.createElement) {
      this.audioElement = globalThis.document.createElement('audio');
      this.audioElement.autoplay = true;
    }
  }

  /** Stops at once on barge-in; plays again when the next answer speaks. */
  defaultPlayback() {
    const element = this.audioElement;
    return {
      element,
      stop: () => {
        if (element) element.muted = true;
      },
      resume: () => {
        if (element) element.muted = false;
      },
    };
  }

  async #microphone() {
    if (this.stream) return this.stream;
    if (typeof this.microphone === 'function') this.stream = await this.microphone();
    else if (this.microphone) this.stream = this.microphone;
    else this.stream = await globalThis.navigator.mediaDevices.getUserMedia({ audio: true });
    return this.stream;
  }

  /** One call: offer, POST with the client secret, answer; resolves with the peer, its channel and the call id. */
  async connect({ clientSecret }) {
    if (!this.audioElement) throw new Error('realtime.audioElement is required outside a browser document');
    const stream = await this.#microphone();
    const pc = this.createPeerConnection(this.rtcConfiguration);
    try {
      for (const track of stream.getAudioTracks()) pc.addTrack(track, stream);
      pc.addEventListener('track', (e) => {
        this.audioElement.srcObject = e.streams?.[0] ?? new MediaStream([e.track]);
        this.audioElement.play?.()?.catch?.(() => {});
      });
      const dc = pc.createDataChannel('oai-events');
      await pc.setLocalDescription(await pc.createOffer());
      await waitIceGathering(pc, this.iceGatheringTimeoutMs, this.clock);
      let response;
      try {
        response = await this.fetch(this.callsUrl, {
          method: 'POST',
          body: pc.localDescription.sdp,
          headers: { authorization: `Bearer ${clientSecret}`, 'content-type': 'application/sdp' },
        });
      } catch (e) {
        throw new ApiError(0, 'network_error', `POST /v1/realtime/calls failed: ${e?.message ?? e}`);
      }
      if (!response.ok) throw await errorOf(response);
      const sdp = await response.text();
      if (typeof sdp !== 'string' || !sdp.startsWith('v=0') || sdp.length > MAX_ANSWER_CHARS) {
        throw new ApiError(502, 'invalid_answer', 'the answer to the offer is not an SDP');
      }
      await pc.setRemoteDescription({ type: 'answer', sdp });
      return { pc, dc, callId: callIdFromLocation(response.headers.get('location')) };
    } catch (e) {
      try {
        pc.close();
      } catch {
        // already closed
      }
      throw e;
    }
  }
}
