// How much of each assistant response the user actually heard, for the truncate of a barge-in.
// The wall clock since the audio started overshoots whenever playback stalls (a network gap the
// jitter buffer fills with concealment, a paused or starved audio element), and the model would then
// "believe it said" what nobody heard. So the played position is read from the media itself:
//  - the WebRTC receiver's stats: real (not concealed) samples out of the jitter buffer,
//    (totalSamplesReceived - concealedSamples) at the stream's rate, or jitterBufferEmittedCount;
//  - the audio element's currentTime (it stops while the element is paused or waiting);
// both when both are there (audio is heard only when both advanced: the smaller wins), and the
// truncate carries min(played, delivered), delivered being the audio upstream sent for the item
// when it sends it as deltas (WebSocket / sideband; over WebRTC it is not known to the client).

/** Output audio of the realtime API on a data channel or WebSocket: PCM16, 24 kHz, mono. */
const PCM16_24K_BYTES_PER_MS = 48;
/** Opus over WebRTC is decoded at 48 kHz: the fallback rate for jitterBufferEmittedCount. */
const WEBRTC_AUDIO_RATE = 48_000;
/** Responses whose start marks are kept (a cancelled one may be measured after a newer one started). */
const REMEMBER = 16;

/**
 * The receiver's played position in ms from an RTCStatsReport, or null when it has no audio stats.
 * @param {Iterable<any> | Map<string, any>} report
 */
export function playedPositionFromStats(report) {
  const stats = report instanceof Map || typeof report?.values === 'function' ? [...report.values()] : [...report];
  let position = null;
  for (const s of stats) {
    if (s?.type !== 'inbound-rtp' || s.kind !== 'audio') continue;
    let ms = null;
    const concealed = Number.isFinite(s.concealedSamples) ? s.concealedSamples : 0;
    if (s.totalSamplesReceived > 0 && s.totalSamplesDuration > 0) {
      const rate = s.totalSamplesReceived / s.totalSamplesDuration;
      ms = ((s.totalSamplesReceived - concealed) / rate) * 1000;
    } else if (Number.isFinite(s.jitterBufferEmittedCount)) {
      // counts only what came out of the jitter buffer (concealment is not emitted from it)
      ms = (s.jitterBufferEmittedCount / WEBRTC_AUDIO_RATE) * 1000;
    }
    if (ms !== null && Number.isFinite(ms)) position = (position ?? 0) + ms;
  }
  return position;
}

/** Milliseconds of PCM16 24 kHz audio a base64 delta carries. */
export function deltaMs(base64) {
  if (typeof base64 !== 'string' || base64.length === 0) return 0;
  const padding = base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0;
  const bytes = Math.floor((base64.length * 3) / 4) - padding;
  return Math.max(0, bytes) / PCM16_24K_BYTES_PER_MS;
}

/**
 * The played-position sources of a client: the app's own measure, the audio element, the peer's
 * receiver stats. Each `read()` returns a position in ms (or null), possibly as a promise.
 */
export function playbackSources({ playback, pc }) {
  const sources = [];
  const element = playback?.element;
  if (element && typeof element.currentTime === 'number') {
    sources.push({ name: 'audio_element', read: () => element.currentTime * 1000 });
  }
  if (pc && typeof pc.getStats === 'function') {
    sources.push({ name: 'webrtc_stats', read: () => pc.getStats().then(playedPositionFromStats, () => null) });
  }
  return sources;
}

function read(source) {
  try {
    return Promise.resolve(source.read()).catch(() => null);
  } catch {
    return Promise.resolve(null);
  }
}

export class PlaybackMeter {
  /**
   * @param {object} options
   * @param {() => Array<{ name: string, read: () => number|null|Promise<number|null> }>} options.sources
   *   the current sources (read at each mark: the peer changes on reconnects)
   * @param {() => number|undefined} [options.appPlayedMs] the app's own measure of the current response
   * @param {() => number} options.now the wall clock: only when nothing else measures
   */
  constructor({ sources, appPlayedMs, now }) {
    this.sources = sources;
    this.appPlayedMs = appPlayedMs;
    this.now = now;
    /** responseId -> { atMs, positions: [{ source, start: Promise<number|null> }], deliveredMs: number|null } */
    this.items = new Map();
  }

  /** The response's audio started playing: marks every source's position. */
  started(responseId) {
    if (!responseId || this.items.get(responseId)?.positions) return;
    const entry = this.#entry(responseId);
    entry.atMs = this.now();
    // the same sources are read again at the end (a peer replaced meanwhile is not compared with its successor)
    entry.positions = this.sources().map((source) => ({ source, start: read(source) }));
  }

  /** Upstream sent audio for the response (a delta): what was delivered bounds what can be played. */
  delivered(responseId, base64) {
    if (!responseId) return;
    const entry = this.#entry(responseId);
    entry.deliveredMs = (entry.deliveredMs ?? 0) + deltaMs(base64);
  }

  /**
   * What was played of the response until now. Sources are read at once (call it before stopping
   * playback); the promise resolves when the asynchronous ones (stats) have answered.
   * @returns {Promise<{ playedMs: number, deliveredMs: number|null, audioEndMs: number, source: string }>}
   */
  measure(responseId) {
    const entry = responseId ? this.items.get(responseId) : undefined;
    const deliveredMs = entry?.deliveredMs ?? null;
    const finish = (playedMs, source) => {
      const played = Math.max(0, Math.floor(playedMs));
      const audioEndMs = deliveredMs === null ? played : Math.min(played, Math.floor(deliveredMs));
      return { playedMs: played, deliveredMs: deliveredMs === null ? null : Math.floor(deliveredMs), audioEndMs, source };
    };
    const fromApp = this.appPlayedMs?.();
    if (typeof fromApp === 'number' && Number.isFinite(fromApp)) return Promise.resolve(finish(fromApp, 'app'));
    if (!entry?.positions) return Promise.resolve(finish(0, 'not_started'));
    const nowAtMs = this.now();
    const current = entry.positions.map(({ source, start }) => ({ name: source.name, start, end: read(source) }));
    return (async () => {
      let best = null;
      const used = [];
      for (const { name, start: startRead, end: endRead } of current) {
        const [start, end] = await Promise.all([startRead, endRead]);
        if (!Number.isFinite(start) || !Number.isFinite(end)) continue;
        used.push(name);
        const played = Math.max(0, end - start);
        best = best === null ? played : Math.min(best, played);
      }
      if (best !== null) return finish(best, used.join('+'));
      // nothing measures playback here (no media element, no stats): the wall clock is all there is
      return finish(nowAtMs - entry.atMs, 'wall_clock');
    })();
  }

  #entry(responseId) {
    let entry = this.items.get(responseId);
    if (!entry) {
      entry = { atMs: null, positions: null, deliveredMs: null };
      this.items.set(responseId, entry);
      if (this.items.size > REMEMBER) this.items.delete(this.items.keys().next().value);
    }
    return entry;
  }
}
