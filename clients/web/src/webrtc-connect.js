// The library's own WebRTC on-ramp, used when the app gives no `connect`: a peer with the
// microphone, the `oai-events` data channel, the offer, the answer applied, and the call id. Two ways
// to create the call:
// - direct: the offer posted to upstream's `POST /v1/realtime/calls` (OpenAI, or upstream-sim) with
//   the client secret; the call id from the `Location` header;
// - server: the offer posted to token-service's `POST /v1/realtime/calls` with the user's token (JSON
//   `{sdp, rotation_token?}`); token-service creates the call with its API key and answers with the
//   SDP answer, the call id and the session. The browser never holds an upstream credential.
// The call id is what lets session-service attach its sideband (the server-side cancel channel): an
// app that drops it silently loses that channel.
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

/** The error of a refused call creation: the JSON error's code and details when there is one. */
async function errorOf(response) {
  let code = 'upstream_error';
  let message = `POST /v1/realtime/calls answered ${response.status}`;
  let details = {};
  try {
    const body = JSON.parse(await response.text());
    const error = body?.error;
    if (typeof error?.code === 'string') code = error.code;
    if (typeof error?.message === 'string') message = error.message.slice(0, 300);
    if (error && typeof error === 'object') {
      for (const key of ['field', 'reason', 'retry_after_ms', 'reissue_token', 'type', 'param']) {
        if (error[key] !== undefined && error[key] !== null) details[key] = error[key];
      }
    }
  } catch {
    // not JSON: the status says enough
  }
  const retryAfter = Number(response.headers?.get?.('retry-after'));
  const retryAfterMs = response.headers?.get?.('retry-after') != null && !Number.isNaN(retryAfter) ? retryAfter * 1000
    : typeof details.retry_after_ms === 'number' ? details.retry_after_ms : null;
  return new ApiError(response.status, code, message, details, retryAfterMs);
}

/** token-service's 201 body: the answer, the call id and the session, or null when it is not one. */
function serverAnswerOf(text) {
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof body?.sdp !== 'string' || typeof body.call_id !== 'string' || !CALL_ID.test(body.call_id)
    || typeof body.session_id !== 'string' || !body.session_id) return null;
  return body;
}

export const CALL_CREATION = Object.freeze({ DIRECT: 'direct', SERVER: 'server' });

export class WebRtcConnector {
  /**
   * @param {object} o
   * @param {string} [o.callsUrl] default OpenAI's
   * @param {HTMLMediaElement} [o.audioElement] plays the remote audio (default: a new autoplaying <audio>)
   * @param {MediaStream | (() => Promise<MediaStream>)} [o.microphone] default getUserMedia({ audio: true })
   * @param {RTCConfiguration} [o.rtcConfiguration]
   * @param {(config?: RTCConfiguration) => RTCPeerConnection} [o.createPeerConnection]
   * @param {number} [o.iceGatheringTimeoutMs] default 1000
   * @param {'direct'|'server'} [o.callCreation] default 'direct'
   * @param {string} [o.tokenServiceUrl] server mode: the calls are created at `{tokenServiceUrl}/v1/realtime/calls`
   * @param {() => string | Promise<string>} [o.getUserToken] server mode: the app's user token
   * @param {string} [o.deviceId] server mode: `X-Device-ID`
   * @param {typeof fetch} o.fetch
   * @param {import('./clock.js').Clock} o.clock
   */
  constructor(o) {
    this.callCreation = o.callCreation ?? CALL_CREATION.DIRECT;
    if (this.callCreation !== CALL_CREATION.DIRECT && this.callCreation !== CALL_CREATION.SERVER) {
      throw new TypeError(`callCreation is 'direct' or 'server', not ${JSON.stringify(o.callCreation)}`);
    }
    this.server = this.callCreation === CALL_CREATION.SERVER;
    if (this.server && (typeof o.tokenServiceUrl !== 'string' || typeof o.getUserToken !== 'function' || !o.deviceId)) {
      throw new TypeError("callCreation 'server' needs tokenServiceUrl, getUserToken and deviceId");
    }
    this.getUserToken = o.getUserToken ?? null;
    this.deviceId = o.deviceId ?? null;
    this.callsUrl = this.server ? `${o.tokenServiceUrl.replace(/\/+$/, '')}/v1/realtime/calls`
      : o.callsUrl ?? OPENAI_CALLS_URL;
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

  /**
   * One call: offer, POST, answer; resolves with the peer, its channel and the call id (server mode:
   * also `session`, the suite's session the call belongs to). Direct mode posts with `clientSecret`;
   * server mode with the user's token and, for a session it already has, `rotationToken`.
   */
  async connect({ clientSecret, rotationToken = null } = {}) {
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
      const request = this.server ? await this.#serverRequest(pc.localDescription.sdp, rotationToken) : {
        method: 'POST',
        body: pc.localDescription.sdp,
        headers: { authorization: `Bearer ${clientSecret}`, 'content-type': 'application/sdp' },
      };
      let response;
      try {
        response = await this.fetch(this.callsUrl, request);
      } catch (e) {
        throw new ApiError(0, 'network_error', `POST /v1/realtime/calls failed: ${e?.message ?? e}`);
      }
      if (!response.ok) throw await errorOf(response);
      const text = await response.text();
      if (typeof text !== 'string' || text.length > MAX_ANSWER_CHARS) {
        throw new ApiError(502, 'invalid_answer', 'the answer to the offer is not an SDP');
      }
      let sdp = text;
      let callId = null;
      let session = null;
      if (this.server) {
        const answer = serverAnswerOf(text);
        if (!answer) throw new ApiError(502, 'invalid_answer', 'token-service answered without sdp, call_id or session_id');
        sdp = answer.sdp;
        callId = answer.call_id;
        session = {
          sessionId: answer.session_id,
          // a call of a session already held keeps that session's token (the answer has none)
          rotationToken: typeof answer.rotation_token === 'string' ? answer.rotation_token : rotationToken,
          rotationTokenExpiresAt: typeof answer.rotation_token_expires_at === 'number'
            ? answer.rotation_token_expires_at : null,
          newSession: typeof answer.rotation_token === 'string',
        };
        if (!session.rotationToken) throw new ApiError(502, 'invalid_answer', 'token-service answered a new session without its rotation_token');
      } else {
        callId = callIdFromLocation(response.headers.get('location'));
      }
      if (!sdp.startsWith('v=0')) throw new ApiError(502, 'invalid_answer', 'the answer to the offer is not an SDP');
      await pc.setRemoteDescription({ type: 'answer', sdp });
      return session ? { pc, dc, callId, session } : { pc, dc, callId };
    } catch (e) {
      try {
        pc.close();
      } catch {
        // already closed
      }
      throw e;
    }
  }

  async #serverRequest(sdp, rotationToken) {
    const body = { sdp };
    if (rotationToken) body.rotation_token = rotationToken;
    return {
      method: 'POST',
      body: JSON.stringify(body),
      headers: {
        authorization: `Bearer ${await this.getUserToken()}`,
        'x-device-id': this.deviceId,
        'content-type': 'application/json',
      },
    };
  }
}
