// A scripted fetch for the pure-logic tests: each call is answered by the next matching handler.

export function fakeFetch(routes) {
  const calls = [];
  const fn = async (url, init = {}) => {
    const call = { url, method: init.method ?? 'GET', headers: init.headers ?? {}, body: init.body ? JSON.parse(init.body) : undefined };
    calls.push(call);
    for (const route of routes) {
      if (route.match(call) && (route.times === undefined || route.times > 0)) {
        if (route.times !== undefined) route.times--;
        const answer = typeof route.answer === 'function' ? await route.answer(call) : route.answer;
        if (answer instanceof Error) throw answer;
        return response(answer.status ?? 200, answer.body, answer.headers);
      }
    }
    return response(404, { error: { code: 'not_found', message: `no route for ${call.method} ${url}` } });
  };
  fn.calls = calls;
  return fn;
}

function response(status, body, headers = {}) {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
  return {
    ok: status >= 200 && status < 300,
    status,
    headers: { get: (name) => lower[name.toLowerCase()] ?? null },
    text: async () => (body === undefined ? '' : JSON.stringify(body)),
  };
}

/** Advances a FakeClock in steps until `promise` settles (retries schedule their timers asynchronously). */
export async function driveUntil(clock, promise, { stepMs = 100, maxMs = 120_000 } = {}) {
  let settled = false;
  const watched = promise.finally(() => {
    settled = true;
  });
  for (let t = 0; !settled && t < maxMs; t += stepMs) {
    await clock.advance(stepMs);
  }
  return watched;
}
