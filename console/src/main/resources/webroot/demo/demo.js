// A small voice app on the public client library only, as the console serves it (no build step):
// connect (the suite creates the call by default, so this page never holds a client secret), talk
// with the microphone, interrupt, and watch the phase and each stage's latency. Everything goes
// through the console's same-origin proxy; with the suite running against OpenAI (OPENAI_API_KEY)
// the same page talks to the real model, nothing here changes.
import { ApiError, CALL_CREATION, RealtimeVoiceClient } from '/client/index.js';

const $ = (selector) => document.querySelector(selector);
const STAGES = ['capture', 'uplink', 'downlink', 'playback', 'first_audio', 'full_turn'];
const MAX_LOG = 200;
const MAX_TRAIL = 40;

let client = null;
let microphone = null;
let interrupts = 0;

function text(selector, value) {
  $(selector).textContent = value == null || value === '' ? '–' : String(value);
}

function log(kind, detail = '') {
  const item = document.createElement('li');
  item.textContent = `${new Date().toISOString().slice(11, 23)} ${kind}${detail ? ` ${detail}` : ''}`;
  const list = $('#log');
  list.prepend(item);
  while (list.children.length > MAX_LOG) list.lastElementChild.remove();
}

function showError(error) {
  const p = $('#error');
  if (!error) {
    p.hidden = true;
    p.textContent = '';
    return;
  }
  // the suite's refusals carry a code (rate_limited, upstream_timeout, media_peer_not_configured, ...)
  p.textContent = error instanceof ApiError || error?.code
    ? `${error.code} (HTTP ${error.status}): ${error.message}` : String(error?.message ?? error);
  p.dataset.code = error?.code ?? '';
  p.hidden = false;
}

function showPhase(phase) {
  const badge = $('#phase');
  badge.textContent = phase;
  badge.className = `phase ${phase}`;
  const step = document.createElement('li');
  step.className = `phase ${phase}`;
  step.textContent = phase;
  const trail = $('#phase-trail');
  trail.append(step);
  while (trail.children.length > MAX_TRAIL) trail.firstElementChild.remove();
}

function renderLatencyRows() {
  const body = $('#latencies');
  body.replaceChildren(...STAGES.map((stage) => {
    const row = document.createElement('tr');
    row.dataset.stage = stage;
    for (const [cls, value] of [['name', stage], ['value', '–'], ['turn', '–']]) {
      const cell = document.createElement('td');
      cell.className = cls;
      cell.textContent = value;
      row.append(cell);
    }
    return row;
  }));
}

function showLatency(sample) {
  const row = $(`#latencies tr[data-stage="${CSS.escape(sample.stage)}"]`);
  if (!row) return;
  row.querySelector('.value').textContent = String(Math.round(sample.value_ms));
  row.querySelector('.turn').textContent = String(sample.turn);
}

function setConnected(connected) {
  $('#connect').disabled = connected;
  $('#hangup').disabled = !connected;
  $('#talk').disabled = !connected;
  $('#interrupt').disabled = !connected;
  $('#mode').disabled = connected;
}

function setMic(on) {
  for (const track of microphone?.getAudioTracks() ?? []) track.enabled = on;
  const button = $('#talk');
  button.setAttribute('aria-pressed', String(on));
  button.textContent = on ? 'Mic: on' : 'Mic: off';
}

async function settings() {
  try {
    const response = await fetch('/console/settings.json', { headers: { accept: 'application/json' } });
    if (response.ok) return (await response.json()).api;
  } catch {
    // the defaults below are the console's own paths
  }
  return { token: '/api/token', session: '/api/session', metrics: '/api/metrics' };
}

function deviceId() {
  let id = localStorage.getItem('rtvoice-demo-device');
  if (!id) {
    id = `demo-${crypto.randomUUID()}`;
    localStorage.setItem('rtvoice-demo-device', id);
  }
  return id;
}

async function connect() {
  showError(null);
  const userToken = $('#user-token').value.trim();
  if (!userToken) {
    showError(new Error('a user token is needed'));
    return;
  }
  sessionStorage.setItem('rtvoice-demo-token', userToken);
  const mode = $('#mode').value === CALL_CREATION.DIRECT ? CALL_CREATION.DIRECT : CALL_CREATION.SERVER;
  const api = await settings();
  interrupts = 0;
  text('#interrupts', 0);
  text('#call-id', null);
  text('#session-id', null);
  text('#mode-shown', mode);
  renderLatencyRows();
  $('#phase-trail').replaceChildren();
  client = new RealtimeVoiceClient({
    tokenServiceUrl: api.token,
    sessionServiceUrl: api.session,
    metricsServiceUrl: api.metrics,
    getUserToken: () => userToken,
    deviceId: deviceId(),
    platform: 'web-demo',
    callCreation: mode,
    realtime: {
      audioElement: $('#remote'),
      ...(mode === CALL_CREATION.DIRECT ? { callsUrl: $('#calls-url').value } : {}),
      microphone: async () => {
        microphone = await navigator.mediaDevices.getUserMedia({ audio: true });
        return microphone;
      },
    },
  });
  client.on('phase', ({ to }) => showPhase(to));
  client.on('call', ({ callId, sessionId }) => {
    text('#call-id', callId);
    text('#session-id', sessionId);
    log('call', callId);
  });
  client.on('latency', showLatency);
  client.on('interrupt', (d) => {
    interrupts++;
    text('#interrupts', interrupts);
    log('interrupt', `${d.cause}, heard ${d.audioEndMs} ms`);
  });
  client.on('event', (e) => {
    if (e.type === 'conversation.item.input_audio_transcription.completed') log('you', e.transcript ?? '');
    else if (e.type === 'response.output_audio_transcript.done') log('assistant', e.transcript ?? '');
    else if (e.type === 'error') log('upstream error', e.error?.code ?? '');
  });
  client.on('rollover', (r) => log('hand-over', `${r.phase} ${r.callId ?? ''}${r.gapMs != null ? ` gap ${r.gapMs} ms` : ''}`));
  client.on('recovered', (r) => log('recovered', `${r.reason}: ${r.how}`));
  client.on('warning', (w) => log('warning', w.message));
  client.on('error', (e) => {
    log('error', e?.code ?? e?.message ?? String(e));
    showError(e);
  });
  client.on('ended', ({ reason }) => {
    log('ended by the service', reason);
    setConnected(false);
  });
  setConnected(true);
  setMic(true);
  try {
    await client.start();
    log('connected', `${mode} call creation`);
  } catch (error) {
    log('connect failed', error?.code ?? error?.message);
    showError(error);
    await client.end('connect_failed').catch(() => {});
    setConnected(false);
  }
}

async function hangup() {
  if (!client) return;
  await client.end('user_hung_up');
  setConnected(false);
  log('hung up');
}

$('#connect-form').addEventListener('submit', (e) => {
  e.preventDefault();
  connect().catch((error) => showError(error));
});
$('#hangup').addEventListener('click', () => hangup().catch((error) => showError(error)));
$('#talk').addEventListener('click', () => setMic($('#talk').getAttribute('aria-pressed') !== 'true'));
$('#interrupt').addEventListener('click', () => {
  if (!client?.interrupt()) log('interrupt', 'nothing to interrupt');
});
$('#mode').addEventListener('change', () => {
  $('#calls-url-row').hidden = $('#mode').value !== CALL_CREATION.DIRECT;
});
window.addEventListener('pagehide', () => {
  client?.end('page_closed');
});
$('#user-token').value = sessionStorage.getItem('rtvoice-demo-token') ?? '';
renderLatencyRows();
document.body.dataset.ready = 'true';
