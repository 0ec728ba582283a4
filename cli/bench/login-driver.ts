// What `dirac login` does, over and over, from the load thread: the device flow started,
// the user's sign-in at the identity provider through a browser, and the client polling
// the token endpoint at its interval while the grant is pending.
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { setTimeout as sleep } from 'node:timers/promises';
import { browserLogin, pollDeviceToken, startDeviceFlow } from '../../client/index.ts';
import { type StreamResult, emptyStreamResult } from './stream-result.ts';

/** One user who logs in, again and again, as `dirac login --group …` does. */
export interface LoginUser {
  username: string;
  password: string;
  /** The scope `dirac login` asks for: `vo:<vo> group:<group>`. */
  scope: string;
}

/** Concurrent `dirac login`s against one server. */
export interface LoginStream {
  /** The label of the mix ("dirac login"). */
  route: string;
  /** The API's base URL. */
  url: string;
  /** Logins in progress at once, one per user in turn. */
  connections: number;
  users: readonly LoginUser[];
  /**
   * Seconds the client waits after an `authorization_pending` answer before polling again;
   * `dirac login` (diracx-cli's auth.py) polls at once, then every 2 s.
   */
  pollIntervalS: number;
  /** Seconds between the start of the flow and the user's sign-in (reading the URL). */
  signInAfterS: number;
}

/** The routes a login's requests are reported under. */
export const LOGIN_ROUTES = {
  start: 'POST /api/auth/device',
  verify: 'GET /api/auth/device',
  idp: 'IdP sign-in',
  callback: 'GET /api/auth/device/complete',
  finished: 'GET /api/auth/device/complete/finished',
  poll: 'POST /api/auth/token (device_code)',
} as const;

export interface LoginTotals {
  started: number;
  completed: number;
  /** Logins that ended otherwise than with tokens (the error is in `failures`). */
  failed: number;
  failures: string[];
  authorizationPending: number;
}

/** Upper bound on polls of one login: a device code lives 600 s (DiracX's default). */
const MAX_POLLS_PER_LOGIN = 1000;
/** Distinct failure messages kept for the report. */
const MAX_FAILURES_KEPT = 5;

interface UndiciRequest {
  origin: string;
  method: string;
  path: string;
}

/**
 * Runs `stream.connections` logins at a time until `deadline` (performance.now() ms): none
 * starts, and no login polls or signs in, after it. Measures every HTTP request they make, each under the route of its step. Requests are
 * seen through undici's diagnostics channels (the client and the browser both fetch with
 * undici; autocannon does not), timed from their creation to their response's headers.
 */
export async function driveLogins(
  stream: LoginStream,
  startedMs: number,
  deadlineMs: number,
  onResponse: () => void,
): Promise<{ routes: StreamResult[]; totals: LoginTotals }> {
  const apiOrigin = new URL(stream.url).origin;
  const routes = new Map<string, StreamResult>();
  const routeOf = (label: string) => {
    let result = routes.get(label);
    if (result === undefined) {
      result = { ...emptyStreamResult(label), authorizationPending: 0 };
      routes.set(label, result);
    }
    return result;
  };
  for (const label of Object.values(LOGIN_ROUTES)) routeOf(label);
  const labelOf = (request: UndiciRequest): string => {
    if (request.origin !== apiOrigin) return LOGIN_ROUTES.idp;
    const path = request.path.split('?')[0]!;
    if (path === '/api/auth/token') return LOGIN_ROUTES.poll;
    return `${request.method} ${path}`;
  };
  const sent = new WeakMap<object, { label: string; atMs: number }>();
  const onCreate = (message: unknown) => {
    const { request } = message as { request: UndiciRequest };
    // Every request of the logins counts, also the few of a sign-in still under way at the
    // deadline, so that the counts of steps, polls and pending answers agree.
    sent.set(request, { label: labelOf(request), atMs: performance.now() });
  };
  const onHeaders = (message: unknown) => {
    const { request, response } = message as {
      request: object;
      response: { statusCode: number };
    };
    const start = sent.get(request);
    if (start === undefined) return;
    sent.delete(request);
    const nowMs = performance.now();
    const atMs = nowMs - startedMs;
    const second = Math.floor(atMs / 1000);
    const result = routeOf(start.label);
    result.latenciesMs.push(nowMs - start.atMs);
    result.arrivalsMs.push(atMs);
    result.statuses[response.statusCode] = (result.statuses[response.statusCode] ?? 0) + 1;
    result.perSecond[second] = (result.perSecond[second] ?? 0) + 1;
    if (response.statusCode < 400)
      result.okPerSecond[second] = (result.okPerSecond[second] ?? 0) + 1;
    onResponse();
  };
  const onError = (message: unknown) => {
    const { request } = message as { request: object };
    const start = sent.get(request);
    if (start === undefined) return;
    sent.delete(request);
    routeOf(start.label).errors++;
  };
  subscribe('undici:request:create', onCreate);
  subscribe('undici:request:headers', onHeaders);
  subscribe('undici:request:error', onError);

  const totals: LoginTotals = {
    started: 0,
    completed: 0,
    failed: 0,
    failures: [],
    authorizationPending: 0,
  };
  const endpoint = { url: stream.url };
  // Waits that end at the deadline: a login cut off by the end of the run is not a failure.
  const stop = new AbortController();
  const deadline = setTimeout(() => stop.abort(), Math.max(0, deadlineMs - performance.now()));
  const wait = (s: number) => sleep(s * 1000, undefined, { signal: stop.signal }).catch(() => {});
  const isOver = () => stop.signal.aborted;

  // One `dirac login`: 1. start the flow; 2. the user signs in at the identity provider
  // through the verification URL, while 3. the client polls at once, then at its interval
  // while the answer is authorization_pending, until it gets the tokens.
  const login = async (user: LoginUser) => {
    const flow = await startDeviceFlow(endpoint, user.scope);
    totals.started++;
    const signIn = (async () => {
      await wait(stream.signInAfterS);
      if (isOver()) return;
      await browserLogin(flow.verification_uri_complete, {
        username: user.username,
        password: user.password,
      });
    })();
    try {
      for (let poll = 0; poll < MAX_POLLS_PER_LOGIN && !isOver(); poll++) {
        const tokens = await pollDeviceToken(endpoint, flow.device_code);
        if (tokens !== 'pending') {
          // The grant may come before the browser has loaded the final page: the poll and
          // the browser run side by side, as in a real login.
          totals.completed++;
          return;
        }
        const polls = routeOf(LOGIN_ROUTES.poll);
        polls.authorizationPending = (polls.authorizationPending ?? 0) + 1;
        totals.authorizationPending++;
        await wait(stream.pollIntervalS);
      }
    } finally {
      await signIn;
    }
  };

  let next = 0;
  await Promise.all(
    Array.from({ length: stream.connections }, async () => {
      while (!isOver()) {
        const user = stream.users[next++ % stream.users.length]!;
        try {
          await login(user);
        } catch (error) {
          if (isOver()) break;
          totals.failed++;
          const text = (error as Error).message;
          if (totals.failures.length < MAX_FAILURES_KEPT && !totals.failures.includes(text))
            totals.failures.push(text);
          // A server refusing every login must not be asked again at full speed.
          await wait(stream.pollIntervalS);
        }
      }
    }),
  );
  clearTimeout(deadline);
  unsubscribe('undici:request:create', onCreate);
  unsubscribe('undici:request:headers', onHeaders);
  unsubscribe('undici:request:error', onError);
  const durationS = (deadlineMs - startedMs) / 1000;
  for (const result of routes.values()) result.durationS = durationS;
  return { routes: [...routes.values()], totals };
}
