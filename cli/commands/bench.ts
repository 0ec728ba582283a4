import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import {
  type TokenResponse,
  browserLogin,
  pollDeviceToken,
  startDeviceFlow,
} from '../../client/index.ts';
import { lhcbBacklog } from '../../fixtures/index.ts';
import {
  type BenchResult,
  compareBench,
  formatComparison,
  writeBenchReports,
} from '../../reports/index.ts';
import { type Settings, UsageError, parseSettings } from '../../services/core/index.ts';
import { type BenchCredentials, runBench } from '../bench/run.ts';
import { defaultBenchReportDir } from '../defaults.ts';
import { type HotSite, loadProfile } from '../bench/profile.ts';
import { type StartedBox, startBox } from '../box.ts';
import type { Io } from '../io.ts';
import { createLogger } from '../logger.ts';
import { targetToken } from '../sim-target.ts';

export interface BenchFlags {
  target?: string;
  backlog?: string;
  duration?: string;
  rate?: string;
  report?: string;
  baseline?: string;
  json?: boolean;
  /** Where the run's own box keeps its databases (as `gridbox up --profile`). */
  profile?: string;
}

/**
 * `gridbox bench NAME`: a load profile against a box of its own (booted as `gridbox up`
 * boots one, on 127.0.0.1 port 0) or against the user's --target; one run per backlog size.
 * Returns 1 when a threshold is missed.
 */
export async function bench(name: string, flags: BenchFlags, io: Io): Promise<number> {
  const profile = await loadProfile(name);
  const sizes =
    flags.backlog === undefined ? [profile.backlog] : flags.backlog.split(',').map(backlogSize);
  if (flags.duration !== undefined) profile.duration_s = positive(flags.duration, '--duration');
  if (flags.rate !== undefined) profile.rate = positive(flags.rate, '--rate');
  const baseline = flags.baseline === undefined ? undefined : await readResult(flags.baseline);
  const progress = (line: string) => io.stderr.write(`bench: ${line}\n`);

  if (profile.hot_site !== undefined && flags.target === undefined) {
    const { fixtureSet } = lhcbBacklog({ seed: 1, totalJobs: 1 });
    const sites = Object.values(fixtureSet.config.Resources.Sites).flatMap((s) => Object.keys(s));
    if (!sites.includes(profile.hot_site.site))
      throw new UsageError(
        `The hot site ${profile.hot_site.site} is not a site of the lhcb-like fixtures (such as ${sites.slice(0, 3).join(', ')})`,
      );
  }
  if (profile.hot_site !== undefined && flags.target !== undefined)
    progress(
      `${name} against ${flags.target}: the running limits are the target's own configuration; for the check to be real, set Operations/<vo>/JobScheduling/RunningLimit/${profile.hot_site.site} there (the profile's: ${JSON.stringify(profile.hot_site.running_limits)}), and CheckJobLimits must not be false`,
    );
  const runs: BenchResult[] = [];
  for (const backlogJobs of sizes) {
    progress(`${name}, backlog of ${backlogJobs} jobs`);
    const target =
      flags.target === undefined
        ? await ownBox(io, progress, flags.profile, profile.hot_site)
        : undefined;
    try {
      const url = flags.target ?? target!.box.url;
      const credentials = target?.credentials ?? (await remoteCredentials(flags.target!, io.env));
      runs.push(
        await runBench({
          name,
          profile,
          url,
          target: flags.target ?? null,
          backlogJobs,
          credentials,
          isBoxInProcess: target !== undefined,
          progress,
        }).then((run) => ({ ...run, box_profile: target?.profile ?? null })),
      );
    } finally {
      await target?.close();
    }
  }
  const result: BenchResult = { ...runs.at(-1)!, passed: runs.every((run) => run.passed) };
  if (runs.length > 1)
    result.sweep = runs.map((run) => ({
      backlog_jobs: run.backlog_jobs,
      requests_per_s: run.requests_per_s,
      matches_per_s: run.matches_per_s,
      p99_ms: Math.max(...Object.values(run.routes).map((route) => route.p99_ms)),
      error_rate: run.error_rate,
      passed: run.passed,
    }));
  const comparison = baseline === undefined ? undefined : compareBench(baseline, result);
  const written = await writeBenchReports(
    result,
    flags.report ?? defaultBenchReportDir(basename(name, '.json')),
  );
  progress(`report: ${written.html}`);
  if (flags.json === true)
    io.stdout.write(
      `${JSON.stringify(comparison === undefined ? result : { ...result, comparison })}\n`,
    );
  else {
    if (comparison !== undefined) io.stdout.write(formatComparison(comparison));
    io.stdout.write(summary(result));
  }
  return result.passed ? 0 : 1;
}

/** `gridbox bench compare A.json B.json`: ratios B/A, offline. */
export async function benchCompare(
  a: string,
  b: string,
  flags: { json?: boolean },
  io: Io,
): Promise<number> {
  const comparison = compareBench(await readResult(a), await readResult(b));
  io.stdout.write(
    flags.json === true ? `${JSON.stringify(comparison)}\n` : formatComparison(comparison),
  );
  return 0;
}

async function readResult(path: string): Promise<BenchResult> {
  let data: unknown;
  try {
    data = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`Cannot read the bench result ${path}: ${(error as Error).message}`);
  }
  const result = data as Partial<BenchResult>;
  if (result.benchmark !== 'gridbox-bench' || typeof result.routes !== 'object')
    throw new UsageError(`${path} is not the JSON of a gridbox bench run`);
  return result as BenchResult;
}

function backlogSize(text: string): number {
  if (!/^\d+$/.test(text.trim()))
    throw new UsageError(
      `Invalid value "${text}" for --backlog: expected a number of jobs, or several separated by commas`,
    );
  return Number(text.trim());
}

function positive(text: string, flag: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0 || value > 3600 * 24)
    throw new UsageError(`Invalid value "${text}" for ${flag}: expected a positive number`);
  return value;
}

/**
 * A box of the run's own, started as `gridbox up` starts one (the lhcb-like fixtures, an
 * in-memory database, loopback port 0, a CA in a temporary folder), and its users' tokens
 * from the real device-flow login with their passwords. A hot site's running limits go
 * into the VO's Operations, where DIRAC's Limiter reads them.
 */
async function ownBox(
  io: Io,
  progress: (line: string) => void,
  boxProfile: string | undefined,
  hotSite: HotSite | undefined,
): Promise<{
  box: StartedBox;
  profile: Settings['profile'];
  credentials: BenchCredentials;
  close(): Promise<void>;
}> {
  const { fixtureSet } = lhcbBacklog({ seed: 1, totalJobs: 1 });
  const admin = fixtureSet.users.find((user) => user.groups.includes('lhcb_admin'));
  if (admin === undefined) throw new Error('the lhcb-like fixtures have no administrator');
  if (hotSite !== undefined) {
    const operations = fixtureSet.config.Operations.lhcb;
    if (operations === undefined) throw new Error('the lhcb-like fixtures have no lhcb Operations');
    operations.JobScheduling = {
      ...operations.JobScheduling,
      RunningLimit: { [hotSite.site]: hotSite.running_limits },
    };
  }
  const caDir = await mkdtemp(join(tmpdir(), 'gridbox-bench-'));
  // The user's GRIDBOX_* settings apply (images, timeouts, a database URL), but the box
  // always listens on loopback at ports of its own.
  const settings = parseSettings({
    flags: {
      host: '127.0.0.1',
      port: '0',
      idpPort: '0',
      caDir,
      logLevel: 'error',
      ...(boxProfile === undefined ? {} : { profile: boxProfile }),
    },
    env: io.env,
  });
  progress('starting the box');
  let box: StartedBox;
  try {
    box = await startBox({
      settings,
      fixtureSet,
      modifiedMs: Date.parse(fixtureSet.meta.refDate),
      logger: await createLogger(settings.logLevel, io),
      env: io.env,
      onPhase: progress,
    });
  } catch (error) {
    await rm(caDir, { recursive: true, force: true });
    throw error;
  }
  const tokens = new Map<string, Promise<string>>();
  const login = (username: string, group: string) => {
    const key = `${username}/${group}`;
    let token = tokens.get(key);
    if (token === undefined) {
      token = deviceLogin(box, username, group).then((tokens) => tokens.access_token);
      tokens.set(key, token);
    }
    return token;
  };
  return {
    box,
    profile: settings.profile,
    credentials: {
      vo: 'lhcb',
      user: login,
      admin: () => login(admin.username, 'lhcb_admin'),
      refreshToken: async (username, group) =>
        (await deviceLogin(box, username, group)).refresh_token,
      signIn: (username, group) => {
        const user = box.readyLine.users.find((u) => u.username === username);
        if (user === undefined) throw new Error(`no user ${username} in the box`);
        return { username, password: user.password, scope: `vo:${user.vo} group:${group}` };
      },
    },
    close: async () => {
      await box.close();
      await rm(caDir, { recursive: true, force: true });
    },
  };
}

/** `gridbox token`'s flow: the device flow, its sign-in form filled in with the password. */
async function deviceLogin(
  box: StartedBox,
  username: string,
  group: string,
): Promise<TokenResponse> {
  const user = box.readyLine.users.find((u) => u.username === username);
  if (user === undefined) throw new Error(`no user ${username} in the box`);
  const endpoint = { url: box.url };
  const flow = await startDeviceFlow(endpoint, `vo:${user.vo} group:${group}`);
  await browserLogin(flow.verification_uri_complete, {
    username,
    password: user.password,
    isDone: (url) => url.pathname.endsWith('/api/auth/device/complete/finished'),
  });
  const tokens = await pollDeviceToken(endpoint, flow.device_code);
  if (tokens === 'pending') throw new Error(`the sign-in of ${username} did not complete`);
  return tokens;
}

/** Against --target, one token (DIRACX_TOKEN or the credentials file) does everything. */
async function remoteCredentials(
  url: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<BenchCredentials> {
  const token = await targetToken(url, env);
  let vo: unknown;
  try {
    vo = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')).vo;
  } catch {
    vo = undefined;
  }
  if (typeof vo !== 'string')
    throw new UsageError('The token is not a DiracX access token (no vo claim)');
  return { vo, user: async () => token, admin: async () => token };
}

function summary(result: BenchResult): string {
  const lines = [
    `${result.profile}: ${result.requests_per_s} requests/s, ${result.matches_per_s} matches/s, error rate ${result.error_rate}` +
      (result.cpu_ms_per_request === null
        ? ''
        : `, ${result.cpu_ms_per_request} ms of server CPU per request`),
    ...(result.cpu === undefined
      ? []
      : [
          `  CPU: process ${result.cpu.process_ms} ms = server ${result.cpu.server_ms === null ? 'unknown (--target)' : `${result.cpu.server_ms} ms`} + load generator thread ${result.cpu.generator_ms} ms`,
        ]),
    `  backlog ${result.backlog_jobs} jobs (submitted in ${result.seed_s} s), ${result.duration_s} s measured, ${result.connections} connections${result.rate_per_s === null ? '' : ` at ${result.rate_per_s} requests/s`}`,
    ...(result.logins === undefined
      ? []
      : [
          `  dirac login: ${result.logins.completed} completed (${result.logins.completed_per_s}/s) of ${result.logins.started} started, ${result.logins.failed} failed, ${result.logins.authorization_pending} polls answered authorization_pending (expected, not errors)`,
        ]),
    ...Object.entries(result.routes).map(
      ([route, r]) =>
        `  ${route}: ${r.requests_per_s}/s  p50 ${r.p50_ms} ms  p95 ${r.p95_ms} ms  p99 ${r.p99_ms} ms  max ${r.max_ms} ms  errors ${r.errors}${r.authorization_pending === undefined ? '' : `  authorization_pending ${r.authorization_pending}`}`,
    ),
    ...(result.sweep ?? []).map(
      (point) =>
        `  backlog ${point.backlog_jobs}: ${point.requests_per_s} requests/s, ${point.matches_per_s} matches/s, p99 ${point.p99_ms} ms${point.passed ? '' : ' (a threshold missed)'}`,
    ),
    ...result.thresholds.map(
      (t) =>
        `  ${t.passed ? 'pass' : 'FAIL'} ${t.metric}${t.route === null ? '' : ` ${t.route}`} = ${t.value}${t.max === null ? '' : ` (max ${t.max})`}${t.min === null ? '' : ` (min ${t.min})`}`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}
