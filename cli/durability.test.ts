import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { generateFixtures } from '../fixtures/index.ts';
import { systemClock } from '../services/core/index.ts';
import {
  type JobDB,
  type JobLoggingDB,
  type TaskQueueDB,
  jobDb,
  jobLoggingDb,
  openDatabases,
  taskQueueDb,
} from '../services/db/index.ts';
import { sqlBackends } from '../services/db/sql-backends.testkit.ts';
import { generateKeystore, mintAccessToken } from '../services/logic/index.ts';

// kill -9 under mixed load (submissions, matches, status changes) on a real `gridbox up`
// process, then a restart on the same database: nothing acknowledged may be lost, nothing
// may be left stuck half-way. Bounded in operations and rounds; nothing asserts on timing.

const BIN = fileURLToPath(new URL('../bin/gridbox.js', import.meta.url));
const KILLS = 3;
/** Operations acknowledged in a round before the kill, and the most a worker attempts. */
const ACKS_PER_ROUND = 60;
const MAX_OPS_PER_WORKER = 2_000;
const READY_DEADLINE_MS = 60_000;

const { config } = generateFixtures({ seed: 1, size: 'small' });
const vo = Object.keys(config.Registry)[0]!;
const [site, otherSite] = Object.values(config.Resources.Sites).flatMap((s) => Object.keys(s)) as [
  string,
  string,
];
const scratch = mkdtempSync(join(tmpdir(), 'gridbox-durability-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

/** `gridbox up` as a real process, on `dbUrl` with the test's keystore. */
function startBox(dbUrl: string, keysPath: string) {
  const child = spawn(
    process.execPath,
    [BIN, 'up', '--json', '--port', '0', '--db-url', dbUrl, '--token-keystore', keysPath],
    {
      env: {
        ...process.env,
        GRIDBOX_LOG_LEVEL: 'error',
        GRIDBOX_CA_DIR: join(scratch, 'ca'),
        GRIDBOX_SANDBOX_STORE_DIR: 'memory',
      },
    },
  );
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const ready = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no ready line within ${READY_DEADLINE_MS} ms; stderr: ${stderr}`)),
      READY_DEADLINE_MS,
    );
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (!stdout.includes('\n')) return;
      clearTimeout(timer);
      resolve((JSON.parse(stdout.slice(0, stdout.indexOf('\n'))) as { url: string }).url);
    });
    child.on('exit', (code) => reject(new Error(`exited ${code} before ready; stderr: ${stderr}`)));
  });
  return { child, ready, exited, stderr: () => stderr };
}

/** What the box acknowledged, and every status change asked for, acknowledged or not. */
interface Ledger {
  jobs: Set<number>;
  /** Acknowledged status changes, each with the MinorStatus that marks its logging record. */
  statuses: { jobId: number; status: string; marker: string }[];
  /** Per job, every status asked for in order: the job must be at one of them, at or after the last acknowledged. */
  asked: Map<number, { status: string; acknowledged: boolean }[]>;
  /** Counts one acknowledgement towards the round's kill. */
  ack(): void;
}

type Post = (
  method: string,
  path: string,
  token: string,
  body: unknown,
) => Promise<{ status: number; json: unknown }>;

/** Mixed load until `stop()`; every loop is bounded. Errors after the kill end a worker. */
function mixedLoad(post: Post, tokens: { user: string; admin: string }, ledger: Ledger) {
  let stopped = false;
  let counter = 0;
  const changeStatus = async (jobId: number, status: string) => {
    const marker = `durability ${++counter}`;
    const steps = ledger.asked.get(jobId) ?? [];
    const step = { status, acknowledged: false };
    steps.push(step);
    ledger.asked.set(jobId, steps);
    const { status: code, json } = await post('PATCH', '/api/jobs/status', tokens.admin, {
      [jobId]: {
        [new Date().toISOString()]: { Status: status, MinorStatus: marker, Source: 'Test' },
      },
    });
    if (code === 200 && (json as { success: Record<string, unknown> }).success[jobId]) {
      step.acknowledged = true;
      ledger.statuses.push({ jobId, status, marker });
      ledger.ack();
    }
  };
  const submitter = async () => {
    for (let i = 0; i < MAX_OPS_PER_WORKER && !stopped; i++) {
      const { status, json } = await post('POST', '/api/jobs/jdl', tokens.user, [
        'Executable = "a"; JobName = "durable"',
        // Never matched (the matchers ask for another site): the submitter alone changes it.
        `Executable = "b"; JobName = "durable"; Site = "${otherSite}"`,
      ]);
      if (status !== 201) continue;
      const ids = (json as { JobID: number }[]).map((job) => job.JobID);
      for (const id of ids) ledger.jobs.add(id);
      ledger.ack();
      if (!stopped) await changeStatus(ids[1]!, 'Killed');
    }
  };
  const matcher = async () => {
    for (let i = 0; i < MAX_OPS_PER_WORKER && !stopped; i++) {
      const { status, json } = await post('POST', '/api/jobs/match', tokens.admin, {
        VO: vo,
        Site: site,
        CPUTime: 200_000,
      });
      if (status !== 200) continue;
      const jobId = (json as { JobID: number }).JobID;
      ledger.asked.set(jobId, [
        ...(ledger.asked.get(jobId) ?? []),
        { status: 'Matched', acknowledged: true },
      ]);
      ledger.ack();
      for (const next of ['Running', 'Done']) if (!stopped) await changeStatus(jobId, next);
    }
  };
  const workers = [submitter(), submitter(), matcher(), matcher()].map((w) =>
    w.catch(() => undefined),
  );
  return {
    finished: Promise.all(workers),
    stop: async () => {
      stopped = true;
      await Promise.all(workers);
    },
  };
}

/** The database as a restarted box left it, checked against what was acknowledged. */
async function checkDatabase(dbUrl: string, ledger: Ledger) {
  await using databases = await openDatabases(dbUrl, [jobDb, jobLoggingDb, taskQueueDb]);
  const jobs = databases.dbs.get('JobDB') as JobDB;
  const logging = databases.dbs.get('JobLoggingDB') as JobLoggingDB;
  const queues = databases.dbs.get('TaskQueueDB') as TaskQueueDB;
  const all = await jobs.search({
    parameters: ['JobID', 'Status'],
    filters: [],
    sorts: [],
    distinct: false,
    offset: 0,
    limit: 1_000_000,
  });
  const statusOf = new Map(all.rows.map((row) => [Number(row.JobID), String(row.Status)]));
  const problems: string[] = [];

  for (const jobId of ledger.jobs)
    if (!statusOf.has(jobId)) problems.push(`acknowledged job ${jobId} is gone`);
  for (const [jobId, status] of statusOf)
    if (['Submitting', 'Received', 'Checking'].includes(status))
      problems.push(`job ${jobId} is stuck in ${status}`);
  const waiting = [...statusOf].filter(([, status]) => status === 'Waiting').map(([id]) => id);
  const queued = await queues.queuedAmong(waiting);
  for (const jobId of waiting)
    if (!queued.has(jobId)) problems.push(`Waiting job ${jobId} has no task-queue row`);
  for (const jobId of await queues.queuedJobIds(0, 1_000_000))
    if (statusOf.get(jobId) !== 'Waiting')
      problems.push(`job ${jobId} (${statusOf.get(jobId)}) still has a task-queue row`);

  const histories = await logging.getHistories([...new Set(ledger.statuses.map((s) => s.jobId))]);
  for (const { jobId, status, marker } of ledger.statuses) {
    const recorded = (histories.get(jobId) ?? []).some((r) => r.MinorStatus === marker);
    if (!recorded) problems.push(`acknowledged ${status} of job ${jobId} (${marker}) not recorded`);
  }
  for (const [jobId, steps] of ledger.asked) {
    const lastAck = steps.findLastIndex((step) => step.acknowledged);
    const allowed = steps.slice(Math.max(lastAck, 0)).map((step) => step.status);
    const now = statusOf.get(jobId);
    if (lastAck >= 0 && !allowed.includes(now ?? 'gone'))
      problems.push(`job ${jobId} is ${now}, expected one of ${allowed.join(', ')}`);
  }
  return { problems, jobs: statusOf.size };
}

const backends = sqlBackends.filter(([name]) => name !== 'SQLite in memory');

describe.each(backends)('kill -9 under mixed load, on %s', (_name, freshDbUrl) => {
  it(`keeps everything acknowledged and leaves nothing half done across ${KILLS} kills`, async () => {
    const dbUrl = await freshDbUrl();
    // The test's own keystore, so it can mint the tokens the box accepts in every life.
    const keystore = await generateKeystore(systemClock);
    const keysPath = join(scratch, `${crypto.randomUUID()}.keys.json`);
    writeFileSync(keysPath, JSON.stringify(keystore), { mode: 0o600 });
    const mint = (username: string, group: string, properties: string[]) =>
      mintAccessToken(
        { keystore, clock: systemClock, config },
        { vo, username, group, properties },
        60,
      );
    const tokens = {
      user: await mint('durable-user', `${vo}_user`, ['NormalUser']),
      admin: await mint('durable-admin', `${vo}_user`, ['NormalUser', 'JobAdministrator']),
    };
    let acks = 0;
    let enough: () => void = () => undefined;
    const ledger: Ledger = {
      jobs: new Set(),
      statuses: [],
      asked: new Map(),
      ack: () => {
        if (++acks >= ACKS_PER_ROUND) enough();
      },
    };
    const dispatcher = new Agent({ connections: 8 });
    try {
      for (let life = 0; life <= KILLS; life++) {
        const box = startBox(dbUrl, keysPath);
        const url = await box.ready;
        // The box repaired the database before it said it was ready.
        const { problems, jobs } = await checkDatabase(dbUrl, ledger);
        expect(problems, `after kill ${life}`).toEqual([]);
        if (life === KILLS) {
          expect(jobs).toBeGreaterThanOrEqual(ledger.jobs.size);
          box.child.kill('SIGTERM');
          await box.exited;
          break;
        }
        const post: Post = async (method, path, token, body) => {
          const response = await undiciFetch(`${url}${path}`, {
            method,
            dispatcher,
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: JSON.stringify(body),
          });
          const text = await response.text();
          return { status: response.status, json: text === '' ? null : JSON.parse(text) };
        };
        acks = 0;
        const acknowledged = new Promise<void>((resolve) => (enough = resolve));
        const load = mixedLoad(post, tokens, ledger);
        // Kill once enough was acknowledged, while requests are in flight.
        await acknowledged;
        box.child.kill('SIGKILL');
        await box.exited;
        await load.stop();
      }
    } finally {
      await dispatcher.close();
    }
    expect(ledger.jobs.size).toBeGreaterThan(0);
    expect(ledger.statuses.some((s) => s.status === 'Done')).toBe(true);
  }, 300_000);
});
