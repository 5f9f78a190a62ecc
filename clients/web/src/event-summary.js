// What the library reports about an event: its type, ids, sequence number and time, plus the few
// fields session-service's state machine needs (a response's status, an error's code, a transcript
// for the recovery summary). Never audio (deltas lose their `delta`), never a secret: the summary is
// built field by field from an allow-list, whatever the event carries.

/** Upstream event types session-service understands (others are not reported). */
export const UPSTREAM_TYPES = Object.freeze(new Set([
  'session.created',
  'input_audio_buffer.speech_started',
  'input_audio_buffer.speech_stopped',
  'input_audio_buffer.committed',
  'response.created',
  'response.output_item.added',
  'response.output_audio.delta',
  'response.audio.delta',
  'output_audio_buffer.started',
  'response.output_audio.done',
  'response.output_audio_transcript.done',
  'response.audio_transcript.done',
  'conversation.item.input_audio_transcription.completed',
  'response.done',
  'output_audio_buffer.cleared',
  'conversation.item.truncated',
  'error',
]));

/** Types that belong to one response: session-service requires their response_id. */
const RESPONSE_SCOPED = new Set([
  'response.created', 'response.output_item.added', 'response.output_audio.delta', 'response.audio.delta',
  'output_audio_buffer.started', 'response.output_audio.done', 'response.output_audio_transcript.done',
  'response.audio_transcript.done', 'response.done',
]);

const TRANSCRIPT_TYPES = new Set([
  'response.output_audio_transcript.done',
  'response.audio_transcript.done',
  'conversation.item.input_audio_transcription.completed',
]);

const RESPONSE_STATUSES = new Set(['completed', 'cancelled', 'failed', 'incomplete']);
const ICE_STATES = new Set(['new', 'checking', 'connected', 'completed', 'disconnected', 'failed', 'closed']);
const ID = /^[\x21-\x7e]{1,128}$/;
const REASON = /^[a-z0-9_]{1,64}$/;
const MAX_TRANSCRIPT = 4000;
const MAX_GAP_MS = 60_000;

function id(value) {
  return typeof value === 'string' && ID.test(value) ? value : undefined;
}

/** A reason as session-service accepts it: lower-case letters, digits and '_'. */
export function reasonOf(text) {
  const r = String(text ?? '').toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 64);
  return REASON.test(r) ? r : 'unknown';
}

/**
 * The summary of one upstream event, or null when it is not reported (unknown type, or a
 * response-scoped event without a usable response id).
 * @param {any} event the parsed data-channel message
 * @param {number} occurredAtMs
 */
export function summarizeUpstream(event, occurredAtMs) {
  const type = event?.type;
  if (!UPSTREAM_TYPES.has(type)) return null;
  const responseId = id(event.response_id) ?? id(event.response?.id);
  if (RESPONSE_SCOPED.has(type) && responseId === undefined) return null;
  const s = { type, occurred_at_ms: Math.round(occurredAtMs) };
  const eventId = id(event.event_id);
  if (eventId) s.event_id = eventId;
  if (responseId) s.response_id = responseId;
  const itemId = id(event.item_id) ?? id(event.item?.id);
  if (itemId) s.item_id = itemId;
  if (type === 'response.done') {
    const status = event.response?.status;
    s.status = RESPONSE_STATUSES.has(status) ? status : 'incomplete';
  }
  if (type === 'error') {
    const code = event.error?.code;
    if (typeof code === 'string' && code.length > 0) s.error_code = code.slice(0, 128);
  }
  if (TRANSCRIPT_TYPES.has(type)) {
    const text = typeof event.transcript === 'string' ? event.transcript : '';
    if (text.length === 0) return null;
    s.transcript = text.slice(0, MAX_TRANSCRIPT);
  }
  const conversationId = id(event.conversation_id);
  if (conversationId) s.conversation_id = conversationId;
  return s;
}

/**
 * The summary of one of the library's own events (`client.*`).
 * @param {'connected'|'reconnected'|'playback_stopped'|'ice_state'|'network_changed'|'cancel_failed'|'ended'
 *   |'heartbeat'|'rollover_failed'} kind
 * @param {number} occurredAtMs
 * @param {{ callId?: string, reason?: string, playedMs?: number, iceState?: string, network?: string, responseId?: string,
 *   gapMs?: number }} [fields]
 */
export function summarizeClient(kind, occurredAtMs, fields = {}) {
  const s = { type: `client.${kind}`, occurred_at_ms: Math.round(occurredAtMs) };
  switch (kind) {
    case 'connected':
    case 'reconnected':
      if (id(fields.callId)) s.call_id = fields.callId;
      if (kind === 'reconnected') s.reason = reasonOf(fields.reason);
      // the audio gap of a hand-over, as session-service bounds it
      if (kind === 'reconnected' && Number.isFinite(fields.gapMs)) s.gap_ms = Math.min(MAX_GAP_MS, Math.max(0, Math.round(fields.gapMs)));
      break;
    case 'rollover_failed':
      s.reason = reasonOf(fields.reason);
      break;
    case 'playback_stopped':
      // absent when not yet measured (the interrupt report and the truncate carry it)
      if (Number.isFinite(fields.playedMs)) s.played_ms = Math.max(0, Math.round(fields.playedMs));
      break;
    case 'ice_state':
      if (!ICE_STATES.has(fields.iceState)) return null;
      s.ice_state = fields.iceState;
      break;
    case 'network_changed':
      if (typeof fields.network === 'string' && fields.network) s.network = fields.network.slice(0, 32);
      break;
    case 'ended':
      if (fields.reason) s.reason = reasonOf(fields.reason);
      break;
    case 'cancel_failed':
    case 'heartbeat':
      break;
    default:
      return null;
  }
  if (id(fields.responseId)) s.response_id = fields.responseId;
  return s;
}
