import { DIRAC_CLIENT_ID, DiracxClient, httpTransport } from '../../client/index.ts';
import {
  type BacklogQueue,
  backlogJdl,
  backlogParametricJdl,
  lhcbBacklog,
} from '../../fixtures/index.ts';
import {
  type BenchResult,
  HISTOGRAM_BOUNDS_MS,
  type RouteResult,
  type ThresholdOutcome,
} from '../../reports/index.ts';
import { UsageError } from '../../services/core/index.ts';
import { type ConnectionRequest, type LoadStream, loadFromThread } from './load-thread.ts';
import type { LoginStream, LoginUser } from './login-driver.ts';
import {
  type BenchProfile,
  DIRAC_LOGIN_DEVICE_FLOW,
  type HotSite,
  type Threshold,
  routeShares,
} from './profile.ts';

/** Who seeds the box: the backlog's owners, and an administrator who registers pilots. */
export interface BenchCredentials {
  vo: string;
  /** A token of `username` in `group`; against a --target, the one token the user gave. */
  user(username: string, group: string): Promise<string>;
  /** A token with ServiceAdministrator, which registers the pilots. */
  admin(): Promise<string>;
  /**
   * The refresh token of a new device-flow login of `username` in `group`, a chain of its
   * own; undefined where the bench cannot log users in (a --target).
   */
  refreshToken?: (username: string, group: string) => Promise<string>;
  /**
   * What `username` types at the identity provider to log in to `group`; undefined where
   * the bench does not know users' passwords (a --target).
   */
  signIn?: (username: string, group: string) => LoginUser;
}

export interface BenchRun {
  /** The profile's name, as the user gave it. */
  name: string;
  profile: BenchProfile;
  /** The API's base URL: the box's own on loopback, or the user's --target. */
  url: string;
  /** The user's --target; null for a box of the run's own. */
  target: string | null;
  backlogJobs: number;
  credentials: BenchCredentials;
  /** The box runs in this process: its CPU time per request is measured. */
  isBoxInProcess: boolean;
  progress(line: string): void;
}

/**
 * Jobs per submission request: DiracX creates at most 20 jobs a request, whoever submits
 * (MAX_PARAMETRIC_JOBS in diracx-logic's jobs/submission.py, the same for production).
 */
const JOBS_PER_SUBMISSION = 20;
/** Whatever the duration, no run sends more than this many requests per second of it. */
const MAX_REQUESTS_PER_S = 100_000;
const MAX_MATCH_ATTEMPTS_PER_PILOT = 200;
const PROGRESS_EVERY_MS = 2000;
/** Pilots of the hot site that put its jobs Running before the load, side by side. */
const SEEDING_PILOTS = 8;
/** Jobs per status request when the hot site's jobs are set Running. */
const JOBS_PER_STATUS_REQUEST = 100;
/** The warm-up of a matching run takes at most this share of the backlog, leaving the rest to measure. */
const WARMUP_MAX_BACKLOG_SHARE = 0.1;

/**
 * One run of a profile against a box that is up:
 * 1. the backlog, submitted through the API by its owners in parametric requests of 20 jobs
 *    (as production submits), and with a hot site, jobs of it matched at that site and set
 *    Running;
 * 2. pilots registered by the administrator, their secrets traded for pilot tokens;
 * 3. the generator's requests for each route (pilot slots, users' queries);
 * 4. a warm-up, discarded, then the measured run, from a thread of its own;
 * 5. the figures, and the profile's thresholds checked against them.
 */
export async function runBench(run: BenchRun): Promise<BenchResult> {
  const { profile, credentials, progress } = run;
  const client = new DiracxClient(httpTransport(run.url), () => credentials.admin());
  const backlog = lhcbBacklog({ seed: 1, totalJobs: Math.max(1, run.backlogJobs) });

  // 1. The backlog.
  const seedStartMs = performance.now();
  const ownJobs: { queue: BacklogQueue; token: string; jobId: number }[] = [];
  const ownQueues: { queue: BacklogQueue }[] = [];
  let submitted = 0;
  let reportedMs = 0;
  for (const queue of backlog.queues) {
    if (submitted >= run.backlogJobs) break;
    const token = await credentials.user(queue.owner, queue.group);
    const owner = client.as(() => token);
    for (let first = 0; first < queue.jobs && submitted < run.backlogJobs;) {
      const count = Math.min(JOBS_PER_SUBMISSION, queue.jobs - first, run.backlogJobs - submitted);
      // As DIRAC's production system submits: one parametric JDL of up to 20 jobs.
      const inserted = await owner.submitJdl([backlogParametricJdl(queue, first, count)]);
      if (first === 0) ownQueues.push({ queue: { ...queue, jobs: count } });
      if (ownJobs.length < 1000) ownJobs.push({ queue, token, jobId: inserted[0]!.JobID });
      first += count;
      submitted += count;
    }
    if (performance.now() - reportedMs > PROGRESS_EVERY_MS || submitted >= run.backlogJobs) {
      progress(`backlog: ${submitted}/${run.backlogJobs} jobs`);
      reportedMs = performance.now();
    }
  }
  const slotAt = (site: string) => pilotSlot(backlog, credentials.vo, site);
  const hot = profile.hot_site;
  const hotRunning =
    hot === undefined ? 0 : await runAtHotSite(client, credentials.vo, hot, slotAt(hot.site));
  if (hot !== undefined) progress(`hot site ${hot.site}: ${hotRunning} jobs Running`);
  const seedS = (performance.now() - seedStartMs) / 1000;

  // 2. Pilots, as a real pilot gets its token.
  const registered = await registerPilots(client, credentials.vo, profile.connections, 'bench');
  const pilots = registered.map(({ token }) => token);
  const sites = pilotSites(backlog, ownQueues, hot);
  const slot = (i: number) => slotAt(sites[i % sites.length]!);
  const pilotRequest = (token: string, body: unknown): ConnectionRequest => ({
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

  // 3. What each route's connections send.
  const shares = routeShares(profile);
  const streams: LoadStream[] = [];
  const warmupRequests = new Map<string, ConnectionRequest[]>();
  let logins: LoginStream | undefined;
  for (const { route, share } of shares) {
    const connections = Math.max(1, Math.round(profile.connections * share));
    if (route === 'dirac login') {
      const signIn = credentials.signIn;
      if (signIn === undefined)
        throw new UsageError(
          `${route} signs users in at the identity provider with their passwords, which a --target's are not known; leave it out of the profile's mix`,
        );
      const flow = profile.device_flow ?? DIRAC_LOGIN_DEVICE_FLOW;
      const owners =
        ownJobs.length === 0 ? backlog.queues.slice(0, 1) : ownJobs.map((j) => j.queue);
      const users = [...new Map(owners.map((q) => [`${q.owner}/${q.group}`, q])).values()].map(
        (queue) => signIn(queue.owner, queue.group),
      );
      logins = {
        route,
        url: run.url,
        connections,
        users,
        pollIntervalS: flow.poll_interval_s,
        signInAfterS: flow.sign_in_after_s,
      };
      continue;
    }
    const [method, path] = route.split(' ') as [LoadStream['method'], string];
    const stream = {
      route,
      method,
      url: `${run.url}${path}`,
      connections,
      ...(profile.rate === undefined ? {} : { ratePerS: profile.rate * share }),
    };
    const jobs = ownJobs.length === 0 ? undefined : ownJobs;
    const user = (i: number) => jobs?.[i % jobs.length];
    const userHeaders = (token: string) => ({
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
    });
    let requests: ConnectionRequest[];
    switch (route) {
      case 'POST /api/jobs/match':
        requests = pilots.slice(0, connections).map((token, i) => pilotRequest(token, slot(i)));
        break;
      case 'PATCH /api/jobs/heartbeat': {
        requests = [];
        for (const [i, token] of pilots.slice(0, connections).entries()) {
          const jobId = await matchOne(
            client.as(() => token),
            slot,
            i,
          );
          if (jobId !== undefined)
            requests.push(pilotRequest(token, { [jobId]: { CPUConsumed: 1, LoadAverage: 1 } }));
        }
        break;
      }
      case 'GET /api/auth/userinfo':
        requests = Array.from({ length: connections }, (_, i) => ({
          headers: { authorization: `Bearer ${user(i)!.token}` },
        }));
        break;
      case 'POST /api/auth/pilot-token':
        // A pilot's secret stays valid until it expires: each request signs a new token.
        requests = registered.slice(0, connections).map(({ stamp, secret }) => ({
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ pilot_stamp: stamp, pilot_secret: secret }),
        }));
        break;
      case 'POST /api/auth/token': {
        const login = credentials.refreshToken;
        if (login === undefined)
          throw new UsageError(
            `${route} (token refresh) needs users the bench can log in, which a --target's are not; leave it out of the profile's mix`,
          );
        // One login per connection, a chain of refresh tokens each; the warm-up has others.
        const chains = async () => {
          const chain: ConnectionRequest[] = [];
          for (let i = 0; i < connections; i++) {
            const queue = user(i)?.queue ?? backlog.queues[0]!;
            chain.push({
              headers: { 'content-type': 'application/x-www-form-urlencoded' },
              body: `grant_type=refresh_token&client_id=${encodeURIComponent(DIRAC_CLIENT_ID)}&refresh_token={refresh_token}`,
              rotatingRefreshToken: await login(queue.owner, queue.group),
            });
          }
          return chain;
        };
        requests = await chains();
        if (profile.warmup_s > 0) warmupRequests.set(route, await chains());
        break;
      }
      case 'POST /api/jobs/jdl': {
        const queue = user(0)?.queue ?? backlog.queues[0]!;
        const token = user(0)?.token ?? (await credentials.user(queue.owner, queue.group));
        requests = [{ headers: userHeaders(token), body: JSON.stringify([backlogJdl(queue, 0)]) }];
        break;
      }
      case 'POST /api/jobs/search':
        requests = Array.from({ length: connections }, (_, i) => ({
          headers: userHeaders(user(i)!.token),
          body: JSON.stringify({
            parameters: ['JobID', 'Status', 'Site'],
            search: [{ parameter: 'Status', operator: 'eq', value: 'Waiting' }],
            sort: [{ parameter: 'JobID', direction: 'desc' }],
          }),
        }));
        stream.url += '?per_page=100';
        break;
      case 'GET /api/jobs/status':
        requests = Array.from({ length: connections }, (_, i) => ({
          headers: { authorization: `Bearer ${user(i)!.token}` },
        }));
        stream.url += `?job_ids=${user(0)!.jobId}`;
        break;
      default:
        throw new Error(`no requests for route ${route}`);
    }
    if (requests.length === 0)
      throw new Error(`${route}: no pilot got a job to send heartbeats for`);
    streams.push({ ...stream, requests });
  }

  // 4. Warm-up, then the measured run.
  if (profile.warmup_s > 0) {
    progress(`warming up for ${profile.warmup_s} s`);
    await loadFromThread({
      // A rotating chain cannot go on from a run cut off mid-request: the warm-up has its own.
      streams: streams.map((stream) => ({
        ...stream,
        requests: warmupRequests.get(stream.route) ?? stream.requests,
      })),
      durationS: profile.warmup_s,
      maxRequests: Math.ceil(profile.warmup_s * MAX_REQUESTS_PER_S),
      ...(logins === undefined ? {} : { logins }),
      ...(profile.generator === 'matching'
        ? { amountPerStream: Math.max(1, Math.floor(submitted * WARMUP_MAX_BACKLOG_SHARE)) }
        : {}),
    });
  }
  progress(`measuring for ${profile.duration_s} s`);
  const load = await loadFromThread({
    streams,
    durationS: profile.duration_s,
    maxRequests: Math.ceil(profile.duration_s * MAX_REQUESTS_PER_S),
    ...(logins === undefined ? {} : { logins }),
  });

  // 5. Figures and thresholds.
  const routes: Record<string, RouteResult> = {};
  let requests = 0;
  let failed = 0;
  for (const stream of load.streams) {
    const sorted = Float64Array.from(stream.latenciesMs).sort();
    const answered = sorted.length;
    // A device-code poll answered 400 authorization_pending is the protocol, not a failure.
    const pending = stream.authorizationPending ?? 0;
    const streamFailed =
      Object.entries(stream.statuses)
        .filter(([code]) => Number(code) >= 400)
        .reduce((sum, [, n]) => sum + n, 0) -
      pending +
      stream.errors +
      stream.timeouts;
    const counts = new Array<number>(HISTOGRAM_BOUNDS_MS.length + 1).fill(0);
    for (const ms of sorted) {
      const bucket = HISTOGRAM_BOUNDS_MS.findIndex((bound) => ms <= bound);
      counts[bucket === -1 ? HISTOGRAM_BOUNDS_MS.length : bucket]!++;
    }
    routes[stream.route] = {
      requests: answered,
      requests_per_s: round(answered / load.durationS),
      p50_ms: round(percentile(sorted, 0.5), 3),
      p95_ms: round(percentile(sorted, 0.95), 3),
      p99_ms: round(percentile(sorted, 0.99), 3),
      max_ms: round(answered === 0 ? 0 : sorted[answered - 1]!, 3),
      statuses: {
        ...stream.statuses,
        ...(stream.errors > 0 ? { errors: stream.errors } : {}),
        ...(stream.timeouts > 0 ? { timeouts: stream.timeouts } : {}),
      },
      ...(stream.authorizationPending === undefined ? {} : { authorization_pending: pending }),
      errors: streamFailed,
      error_rate: round(streamFailed / Math.max(1, answered + stream.errors), 6),
      histogram: { bounds_ms: HISTOGRAM_BOUNDS_MS, counts },
    };
    requests += answered;
    failed += streamFailed;
  }
  const matchStream = load.streams.find((s) => s.route === 'POST /api/jobs/match');
  const matches = matchStream?.statuses['200'] ?? 0;
  const seconds = Math.max(...load.streams.map((s) => s.perSecond.length));
  const timeline = Array.from({ length: seconds }, (_, second) => ({
    second,
    requests: load.streams.reduce((sum, s) => sum + (s.perSecond[second] ?? 0), 0),
    matches: matchStream?.okPerSecond[second] ?? 0,
  }));
  // The process's CPU is the server's (when it runs here) plus the generator thread's; the
  // rest of the process idles while the thread runs. A --target's CPU is not ours to see.
  const serverCpuMs = run.isBoxInProcess
    ? Math.max(0, load.processCpuMs - load.generatorCpuMs)
    : null;
  const result: BenchResult = {
    benchmark: 'gridbox-bench',
    profile: run.name,
    generator: profile.generator,
    target: run.target,
    backlog_jobs: submitted,
    seed_s: round(seedS),
    warmup_s: profile.warmup_s,
    duration_s: round(load.durationS),
    connections: streams.reduce((sum, s) => sum + s.connections, 0),
    rate_per_s: profile.rate ?? null,
    requests,
    requests_per_s: round(requests / load.durationS),
    matches,
    matches_per_s: round(matches / load.durationS),
    error_rate: round(failed / Math.max(1, requests), 6),
    cpu_ms_per_request:
      serverCpuMs === null || requests === 0 ? null : round(serverCpuMs / requests, 4),
    cpu_ms_per_match:
      serverCpuMs === null || matches === 0 ? null : round(serverCpuMs / matches, 4),
    cpu: {
      process_ms: round(load.processCpuMs, 1),
      generator_ms: round(load.generatorCpuMs, 1),
      server_ms: serverCpuMs === null ? null : round(serverCpuMs, 1),
    },
    routes,
    ...(load.logins === null
      ? {}
      : {
          logins: {
            started: load.logins.started,
            completed: load.logins.completed,
            completed_per_s: round(load.logins.completed / load.durationS),
            failed: load.logins.failed,
            failures: load.logins.failures,
            authorization_pending: load.logins.authorizationPending,
            poll_interval_s: logins!.pollIntervalS,
            sign_in_after_s: logins!.signInAfterS,
          },
        }),
    timeline,
    thresholds: [],
    passed: true,
    ...(hot === undefined
      ? {}
      : {
          hot_site: {
            site: hot.site,
            running: hotRunning,
            // A --target applies its own configuration, whatever the profile says.
            running_limits: run.target === null ? hot.running_limits : null,
          },
        }),
  };
  result.thresholds = profile.thresholds.flatMap((threshold) => checkThreshold(threshold, result));
  result.passed = result.thresholds.every((outcome) => outcome.passed);
  return result;
}

/** What a pilot of `site` offers the matcher: every platform of the backlog, a long slot. */
export function pilotSlot(backlog: { platforms: string[] }, vo: string, site: string) {
  return { VO: vo, Site: site, Platform: backlog.platforms, CPUTime: 2_000_000 };
}

/**
 * The sites the pilots come from, pilot i from site i modulo their number: the sites with
 * the most work of the submitted queues first, or the hot site alone. The cross-check
 * (loadtests/cross-check.ts) sends the same slots.
 */
export function pilotSites(
  backlog: { sites: string[] },
  ownQueues: readonly { queue: BacklogQueue }[],
  hot: HotSite | undefined,
): string[] {
  if (hot !== undefined) return [hot.site];
  const work = new Map<string, number>();
  for (const { queue } of ownQueues)
    for (const site of queue.sites) work.set(site, (work.get(site) ?? 0) + queue.jobs);
  const sites = [...work.entries()].sort((a, b) => b[1] - a[1]).map(([site]) => site);
  return sites.length === 0 ? [...backlog.sites] : sites;
}

/**
 * Puts up to `hot.running` jobs of the backlog Running at the hot site as a real run does:
 * pilots of the site match them (the site's running limits already apply, as they would),
 * then the jobs are set Running through the status route. Returns how many are Running.
 */
async function runAtHotSite(
  client: DiracxClient,
  vo: string,
  hot: HotSite,
  slot: Parameters<DiracxClient['match']>[0],
): Promise<number> {
  if (hot.running === 0) return 0;
  const seeders = await registerPilots(client, vo, SEEDING_PILOTS, 'hot');
  const perPilot = Math.ceil(hot.running / seeders.length);
  const jobIds: number[] = [];
  await Promise.all(
    seeders.map(async ({ token }, p) => {
      const pilot = client.as(() => token);
      const share = Math.min(perPilot, hot.running - p * perPilot);
      for (let i = 0; i < share; i++) {
        const job = await pilot.match(slot);
        if (job === undefined) return; // nothing left for the site, limits applied
        jobIds.push(job.JobID);
      }
    }),
  );
  for (let first = 0; first < jobIds.length; first += JOBS_PER_STATUS_REQUEST) {
    const time = new Date().toISOString();
    const chunk = jobIds.slice(first, first + JOBS_PER_STATUS_REQUEST);
    await client.setJobStatuses(
      Object.fromEntries(chunk.map((id) => [id, { [time]: { Status: 'Running' } }])),
    );
  }
  return jobIds.length;
}

/** Registers `count` pilots as the administrator and trades each secret for a pilot token. */
async function registerPilots(
  client: DiracxClient,
  vo: string,
  count: number,
  kind: string,
): Promise<{ stamp: string; secret: string; token: string }[]> {
  const runTag = Date.now().toString(36);
  const pilots = [];
  for (let i = 0; i < count; i++) {
    const { pilot_stamp, pilot_secret } = await client.registerPilot({
      pilot_stamp: `${kind}-${runTag}-${i}`.slice(0, 32),
      vo,
    });
    const { access_token } = await client.pilotToken(pilot_stamp, pilot_secret);
    pilots.push({ stamp: pilot_stamp, secret: pilot_secret, token: access_token });
  }
  return pilots;
}

/** A job matched to this pilot (from the first site that has one), for its heartbeats. */
async function matchOne(
  pilot: DiracxClient,
  slot: (i: number) => Parameters<DiracxClient['match']>[0],
  first: number,
): Promise<number | undefined> {
  for (let attempt = 0; attempt < MAX_MATCH_ATTEMPTS_PER_PILOT; attempt++) {
    const job = await pilot.match(slot(first + attempt));
    if (job !== undefined) return job.JobID;
  }
  return undefined;
}

/** Checks one threshold; one without a route, on a latency, is checked for every route. */
function checkThreshold(threshold: Threshold, result: BenchResult): ThresholdOutcome[] {
  const outcome = (route: string | null, value: number): ThresholdOutcome => ({
    metric: threshold.metric,
    route,
    max: threshold.max ?? null,
    min: threshold.min ?? null,
    value,
    passed:
      (threshold.max === undefined || value <= threshold.max) &&
      (threshold.min === undefined || value >= threshold.min),
  });
  const metric = threshold.metric;
  if (metric === 'rps' || metric === 'matches_per_s' || metric === 'error_rate') {
    const route = threshold.route === undefined ? undefined : result.routes[threshold.route];
    const value =
      metric === 'rps'
        ? (route?.requests_per_s ?? result.requests_per_s)
        : metric === 'error_rate'
          ? (route?.error_rate ?? result.error_rate)
          : result.matches_per_s;
    return [outcome(threshold.route ?? null, value)];
  }
  const names = threshold.route === undefined ? Object.keys(result.routes) : [threshold.route];
  return names.map((name) => outcome(name, result.routes[name]?.[metric] ?? Infinity));
}

/** The nearest-rank percentile of sorted values; 0 when there are none. */
function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

function round(value: number, digits = 2): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
