// A voice app as a TypeScript user writes it, checked by `npm run typecheck` (tsc --noEmit) against
// the package's `exports` / `types`: the import is the package name, resolved like an installed one.
import {
  ApiError,
  CALL_CREATION,
  OPENAI_CALLS_URL,
  Phase,
  RealtimeVoiceClient,
  type InterruptDetail,
  type InterruptionJudgement,
  type TruncationResult,
} from '@rtvoice/web';

const audio = document.querySelector('audio') ?? new Audio();

const client = new RealtimeVoiceClient({
  tokenServiceUrl: '/api/token',
  sessionServiceUrl: '/api/session',
  metricsServiceUrl: '/api/metrics',
  getUserToken: async () => 'user-jwt',
  deviceId: 'device-1',
  platform: 'web-chrome',
  // no connect: the library posts the offer to /v1/realtime/calls and reports the call id
  realtime: { callsUrl: OPENAI_CALLS_URL, audioElement: audio, iceGatheringTimeoutMs: 500 },
  falseInterruption: { minSpeechMs: 600, minWords: 2, duckVolume: 0.25 },
});

client.on('phase', ({ from, to }) => {
  const pending: boolean = to === Phase.PENDING_INTERRUPT;
  console.log(from, to, pending);
});
client.on('call', ({ callId, sessionId }) => console.log(`call ${callId} of ${sessionId}`));
client.on('interrupt', (d: InterruptDetail) => console.log(d.audioEndMs, d.playedMs, d.deliveredMs ?? 'webrtc', d.playedSource));
client.on('truncated', (t: TruncationResult) => console.log(t.confirmedAudioEndMs, t.cleared));
client.on('truncate_already_shorter', (t) => console.log(t.message));
client.on('false_interruption', (j: InterruptionJudgement) => console.log(j.reason, j.speechMs, j.words));
// the hand-over to a new upstream call before the 60-minute cap, and the service's end of a session
client.on('rollover', (r) => {
  if (r.phase === 'completed') console.log(`call ${r.previousCallId} -> ${r.callId}, gap ${r.gapMs} ms`);
});
client.on('ended', ({ reason }) => console.log(`ended by the service: ${reason}`));

async function main(): Promise<void> {
  const { sessionId } = await client.start();
  const callId: string | null = client.callId;
  console.log(sessionId, callId, client.stats.falseInterruptions);
  const started = client.interrupt();
  if (started) console.log(started.interruptId, started.from);
  await client.end('user_left');
}
void main();

// server-side call creation: the offer goes to the suite's POST /v1/realtime/calls with the user's
// token; no client secret ever reaches the page
const serverSide = new RealtimeVoiceClient({
  tokenServiceUrl: '/api/token', sessionServiceUrl: '/api/session', metricsServiceUrl: '/api/metrics',
  getUserToken: () => 'user-jwt', deviceId: 'device-1',
  callCreation: CALL_CREATION.SERVER,
  realtime: { audioElement: audio },
});
serverSide.on('call', ({ callId }) => console.log(`created by token-service: ${callId}`));
serverSide.start().catch((e: unknown) => {
  // the endpoint's refusals: status and code of its JSON error body (rate_limited, upstream_timeout, ...)
  if (e instanceof ApiError) console.log(e.status, e.code, e.retryAfterMs, e.retryable);
});
const secret: string | null = serverSide.tokens.clientSecret;
void secret;
new RealtimeVoiceClient({
  tokenServiceUrl: '/api/token', sessionServiceUrl: '/api/session', metricsServiceUrl: '/api/metrics',
  getUserToken: () => 't', deviceId: 'd',
  // @ts-expect-error callCreation is 'direct' or 'server'
  callCreation: 'browser',
});

// the app may still negotiate itself, and must then hand back the call id
new RealtimeVoiceClient({
  tokenServiceUrl: '/api/token', sessionServiceUrl: '/api/session', metricsServiceUrl: '/api/metrics',
  getUserToken: () => 't', deviceId: 'd',
  connect: async ({ clientSecret }) => {
    const pc = new RTCPeerConnection();
    const dc = pc.createDataChannel('oai-events');
    return { pc, dc, callId: clientSecret ? 'rtc_123' : null };
  },
  playback: { stop: () => { audio.muted = true; }, element: audio, duck: (v) => { audio.volume = v; }, unduck: () => { audio.volume = 1; } },
});

// mistakes the types catch
new RealtimeVoiceClient({
  tokenServiceUrl: '/api/token', sessionServiceUrl: '/api/session', metricsServiceUrl: '/api/metrics',
  getUserToken: () => 't', deviceId: 'd',
  // @ts-expect-error minSpeechMs is a number of milliseconds
  falseInterruption: { minSpeechMs: '600' },
});
// @ts-expect-error there is no such phase
const wrong: Phase = 'PAUSED';
void wrong;
