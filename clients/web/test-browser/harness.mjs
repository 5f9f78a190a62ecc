// Shared by the browser tests: the running suite's addresses (env only), a headless Debian chromium
// with fake media devices, and the test page served at the console's origin.
import { readFile, mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));

function required(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: the browser tests run against a running suite `
      + '(CONSOLE_URL, TOKEN_URL, SESSION_URL, METRICS_URL, ALERTING_URL, SIM_URL, USER_TOKEN, SCREENSHOT_DIR)');
  }
  return value.replace(/\/+$/, '');
}

export const env = {
  console: required('CONSOLE_URL'),
  token: required('TOKEN_URL'),
  session: required('SESSION_URL'),
  metrics: required('METRICS_URL'),
  alerting: required('ALERTING_URL'),
  sim: required('SIM_URL'),
  userToken: required('USER_TOKEN'),
  screenshots: process.env.SCREENSHOT_DIR || path.join(here, '..', 'screenshots'),
  chromium: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
};

/** Test page path at the console's origin (served by the test itself, never by the console). */
const PAGE_PATH = '/__browser-test__/';

export async function launch() {
  await mkdir(env.screenshots, { recursive: true });
  return chromium.launch({
    executablePath: env.chromium,
    headless: true,
    args: [
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      '--autoplay-policy=no-user-gesture-required',
      '--no-sandbox',
      // the test page is fulfilled by Playwright, so Chromium counts it as public; the simulator that
      // the library's on-ramp calls (like a frontend calls api.openai.com) is on loopback
      '--disable-features=LocalNetworkAccessChecks',
    ],
  });
}

/** JSON over HTTP from the test (node's fetch). */
export async function http(method, url, body, headers = {}) {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = text;
  }
  return { status: response.status, body: json };
}

export const sim = {
  fault: (fault) => http('POST', `${env.sim}/admin/faults`, fault),
  secretTtl: (seconds) => http('PUT', `${env.sim}/admin/secrets/ttl`, { seconds }),
  validate: async (value) => (await http('POST', `${env.sim}/admin/secrets/validate`, { value })).body?.valid === true,
};

/** Polls `fn` until it returns a truthy value; fails with `what` after `timeoutMs`. */
export async function eventually(what, fn, { timeoutMs = 20_000, intervalMs = 200 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what} (last: ${last?.message ?? JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * A page at the console's origin running the voice app and its upstream peer: the page and its
 * script come from test-browser/pages; /client/* and /api/* are the console's.
 */
export async function openVoiceApp(browser, { deviceId } = {}) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.route(`${env.console}${PAGE_PATH}**`, async (route) => {
    const name = new URL(route.request().url()).pathname.slice(PAGE_PATH.length) || 'peer.html';
    const file = path.join(here, 'pages', path.basename(name));
    const type = name.endsWith('.js') ? 'text/javascript' : 'text/html';
    await route.fulfill({ status: 200, contentType: type, body: await readFile(file, 'utf8') });
  });
  if (process.env.BROWSER_TEST_LOCAL_CLIENT === 'true') {
    // development aid: the working tree's library instead of the one in the running console's jar
    await page.route(`${env.console}/client/**`, async (route) => {
      const name = path.basename(new URL(route.request().url()).pathname);
      await route.fulfill({ status: 200, contentType: 'text/javascript',
        body: await readFile(path.join(here, '..', 'src', name), 'utf8') });
    });
  }
  await page.exposeFunction('validateSecret', (value) => sim.validate(value));
  await page.goto(`${env.console}${PAGE_PATH}peer.html`);
  await page.waitForFunction(() => window.harnessReady === true);
  await page.evaluate(({ userToken, deviceId }) => {
    window.app = new window.VoiceApp({
      api: { token: '/api/token', session: '/api/session', metrics: '/api/metrics' },
      userToken,
      deviceId,
    });
  }, { userToken: env.userToken, deviceId: deviceId ?? `browser-${Math.random().toString(36).slice(2, 10)}` });
  return { context, page, errors };
}

export async function appState(page) {
  return page.evaluate(() => window.app.state());
}

export async function appLog(page, kind) {
  return page.evaluate((k) => window.app.log.filter((e) => !k || e.kind === k), kind);
}

export async function waitPhase(page, phase, timeoutMs = 10_000) {
  await page.waitForFunction((p) => window.app?.client?.phase === p, phase, { timeout: timeoutMs });
}

/** session-service's view of a session (operator read through the console's proxy). */
export async function sessionView(sessionId) {
  const r = await http('GET', `${env.console}/api/session/v1/sessions/${encodeURIComponent(sessionId)}`);
  return r.status === 200 ? r.body : null;
}

/** One counter summed over its label sets from metrics-service's /metrics. */
export async function counter(name) {
  const text = (await fetch(`${env.metrics}/metrics`).then((r) => r.text()));
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) sum += Number(line.trim().split(/\s+/).pop());
  }
  return sum;
}
