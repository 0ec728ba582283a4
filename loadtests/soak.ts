// A bounded mixed soak on loopback: a real `gridbox up` on a SQLite file, driven by
// submitters (until a cap of jobs), matchers that run each job they get (Running, heartbeats,
// Done, then reschedule it so the queues never run dry), and searchers; for the last 40 % of
// the run only the searchers go on. Meanwhile the box's RSS is sampled and /api/health/live
// probed from a thread of its own, to see that memory stays flat once the data stops growing
// and that probes never wait behind a slow request (latencies are printed per route too).
// Usage: node loadtests/soak.ts [--duration S]   (default 180 s; every loop ends by then)
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { Agent, fetch } from 'undici';
import { generateFixtures } from '../fixtures/index.ts';
import { systemClock } from '../services/core/index.ts';
import { generateKeystore, mintAccessToken } from '../services/logic/index.ts';

const { values } = parseArgs({ options: { duration: { type: 'string', default: '180' } } });
const DURATION_S = Number(values.duration);
if (!Number.isInteger(DURATION_S) || DURATION_S < 1) throw new Error('--duration takes seconds');
const JOB_CAP = 5_000;
const JOBS_PER_SUBMISSION = 5;
const RSS_EVERY_MS = 5_000;
const PROBE_EVERY_MS = 250;
const MAX_ITERATIONS = 10_000_000;

const scratch = mkdtempSync(join(tmpdir(), 'gridbox-soak-'));
const db = join(scratch, 'soak.db');
const { config } = generateFixtures({ seed: 1, size: 'small' });
const vo = Object.keys(config.Registry)[0]!;
const site = Object.values(config.Resources.Sites).flatMap((s) => Object.keys(s))[0]!;

// The keystore the box finds beside its database file, so this script can mint its tokens.
const keystore = await generateKeystore(systemClock);
writeFileSync(`${db}.keys.json`, JSON.stringify(keystore), { mode: 0o600 });
const mint = (username: string, properties: string[]) =>
  mintAccessToken(
    { keystore, clock: systemClock, config },
    { vo, username, group: `${vo}_user`, properties },
    DURATION_S / 60 + 10,
  );
const userToken = await mint('soak-user', ['NormalUser']);
const adminToken = await mint('soak-admin', ['NormalUser', 'JobAdministrator']);

// 1. The box, as a real process.
const box = spawn(
  process.execPath,
  [
    new URL('../bin/gridbox.js', import.meta.url).pathname,
    'up',
    '--json',
    '--port',
    '0',
    '--db-url',
    `sqlite:${db}`,
    '--log-level',
    'warn',
  ],
  {
    env: { ...process.env, GRIDBOX_CA_DIR: join(scratch, 'ca') },
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
const exited = new Promise<number | null>((resolve) => box.on('exit', resolve));
const url = await new Promise<string>((resolve, reject) => {
  let out = '';
  box.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    if (out.includes('\n'))
      resolve((JSON.parse(out.slice(0, out.indexOf('\n'))) as { url: string }).url);
  });
  box.on('exit', (code) => reject(new Error(`gridbox up exited ${code} before it was ready`)));
});

// 2. The load, until the deadline.
const dispatcher = new Agent({ connections: 16 });
const startedMs = performance.now();
const deadline = startedMs + DURATION_S * 1000;
const running = () => performance.now() < deadline;
// Writes stop after 60 % of the run: in the last part only reads go on, so the data no
// longer grows and memory should stay flat.
const writesUntilMs = startedMs + DURATION_S * 600;
const writing = () => performance.now() < writesUntilMs;
/** Server round trips by route, in ms, to show which requests (if any) are slow. */
const latencyByRoute = new Map<string, number[]>();
const byStatus = new Map<string, number>();
let requests = 0;
let submitted = 0;

async function call(method: string, path: string, token: string, body?: unknown, ok = [200]) {
  requests++;
  const route = `${method} ${path.split('?')[0]}`;
  const t0 = performance.now();
  let status: string;
  let json: unknown = null;
  try {
    const response = await fetch(`${url}${path}`, {
      method,
      dispatcher,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    const samples = latencyByRoute.get(route) ?? [];
    samples.push(performance.now() - t0);
    latencyByRoute.set(route, samples);
    status = String(response.status);
    if (text !== '') json = JSON.parse(text);
    if (ok.includes(response.status)) return { status: response.status, json };
  } catch (error) {
    status = `network: ${(error as Error).message}`;
  }
  byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
  return { status: -1, json };
}

const now = () => new Date().toISOString();

async function submitter() {
  for (let i = 0; i < MAX_ITERATIONS && running(); i++) {
    if (submitted >= JOB_CAP || !writing()) {
      return searcher();
    }
    const jdls = Array.from(
      { length: JOBS_PER_SUBMISSION },
      (_, j) =>
        `Executable = "soak.sh"; JobName = "soak-${i}-${j}"; CPUTime = ${3600 * (1 + (j % 3))}`,
    );
    submitted += JOBS_PER_SUBMISSION;
    await call('POST', '/api/jobs/jdl', userToken, jdls, [201]);
  }
}

async function matcher() {
  for (let i = 0; i < MAX_ITERATIONS && running(); i++) {
    if (!writing()) return searcher();
    const matched = await call(
      'POST',
      '/api/jobs/match',
      adminToken,
      { VO: vo, Site: site, CPUTime: 200_000 },
      [200, 204],
    );
    if (matched.status !== 200) continue;
    const jobId = (matched.json as { JobID: number }).JobID;
    const status = (Status: string) => ({ [jobId]: { [now()]: { Status, Source: 'Soak' } } });
    await call('PATCH', '/api/jobs/status', adminToken, status('Running'));
    for (let beat = 0; beat < 3 && running(); beat++) {
      await call('PATCH', '/api/jobs/heartbeat', adminToken, {
        [jobId]: { LoadAverage: 1.5, MemoryUsed: 1024 * beat, CPUConsumed: 10 * beat },
      });
    }
    await call('PATCH', '/api/jobs/status', adminToken, status('Done'));
    // Back to the queues, so matching never runs dry once submissions stop.
    await call('POST', '/api/jobs/reschedule?reset_jobs=true', adminToken, { job_ids: [jobId] });
  }
}

async function searcher() {
  for (let i = 0; i < MAX_ITERATIONS && running(); i++) {
    await call(
      'POST',
      '/api/jobs/search?page=1&per_page=100',
      userToken,
      {
        parameters: ['JobID', 'Status', 'MinorStatus', 'JobName'],
        search: [{ parameter: 'Status', operator: 'in', values: ['Waiting', 'Running', 'Done'] }],
        sort: [{ parameter: 'JobID', direction: 'desc' }],
      },
      [200, 206],
    );
    await call('POST', '/api/jobs/summary', userToken, { grouping: ['Status'] });
  }
}

// 3. The observers: RSS of the box, latency of the liveness probe.
const rssMiB: { atS: number; mib: number }[] = [];
function sampleRss() {
  const status = readFileSync(`/proc/${box.pid}/status`, 'utf8');
  const kib = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1]);
  rssMiB.push({
    atS: Math.round((performance.now() - startedMs) / 1000),
    mib: Math.round(kib / 1024),
  });
}
async function sampler() {
  for (let i = 0; i < MAX_ITERATIONS && running(); i++) {
    sampleRss();
    await new Promise((resolve) => setTimeout(resolve, RSS_EVERY_MS));
  }
  sampleRss();
}
const readOnlyFromS = Math.ceil(DURATION_S * 0.6) + 5;
// The probe runs on a thread of its own: on this process's event loop, busy with the load,
// it would time this script's own queueing rather than the box's.
const PROBER = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  const samples = [];
  const statuses = {};
  while (performance.timeOrigin + performance.now() < workerData.deadline && samples.length < 1e6) {
    const t0 = performance.now();
    const response = await fetch(workerData.url + '/api/health/live');
    await response.arrayBuffer();
    samples.push(performance.now() - t0);
    statuses[response.status] = (statuses[response.status] ?? 0) + 1;
    await new Promise((resolve) => setTimeout(resolve, workerData.everyMs));
  }
  parentPort.postMessage({ samples, statuses });
})();
`;
async function prober(): Promise<number[]> {
  const worker = new Worker(PROBER, {
    eval: true,
    workerData: { url, everyMs: PROBE_EVERY_MS, deadline: performance.timeOrigin + deadline },
  });
  const [result] = (await once(worker, 'message')) as [
    { samples: number[]; statuses: Record<string, number> },
  ];
  await worker.terminate();
  for (const [status, n] of Object.entries(result.statuses))
    if (status !== '200') byStatus.set(`probe ${status}`, n);
  return result.samples;
}

const [probeMs] = await Promise.all([
  prober(),
  submitter(),
  submitter(),
  matcher(),
  matcher(),
  matcher(),
  searcher(),
  searcher(),
  sampler(),
]);
box.kill('SIGTERM');
const exitCode = await exited;
await dispatcher.close();
rmSync(scratch, { recursive: true, force: true });

// 4. The figures.
const sorted = [...probeMs].sort((a, b) => a - b);
const pct = (p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const rss = rssMiB.map((s) => s.mib);
const errors = [...byStatus].reduce((sum, [, n]) => sum + n, 0);
console.log(`soak: ${DURATION_S} s on ${url} (SQLite file), box exit code ${exitCode}`);
console.log(
  `requests: ${requests} (${Math.round(requests / DURATION_S)}/s), jobs submitted: ${submitted}`,
);
console.log(
  `errors: ${errors}${errors === 0 ? '' : ' — ' + [...byStatus].map(([s, n]) => `${s}: ${n}`).join(', ')}`,
);
console.log(
  `RSS MiB: first ${rss[0]}, last ${rss.at(-1)}, max ${Math.max(...rss)}; over time: ${rssMiB.map((s) => `${s.atS}s=${s.mib}`).join(' ')}`,
);
const flat = rssMiB.filter((sample) => sample.atS >= readOnlyFromS).map((sample) => sample.mib);
console.log(
  `RSS MiB while only reads run (from ${readOnlyFromS} s): first ${flat[0]}, last ${flat.at(-1)}, max ${Math.max(...flat)}`,
);
for (const [route, samples] of [...latencyByRoute].sort()) {
  const ordered = samples.sort((a, b) => a - b);
  const at = (p: number) => ordered[Math.min(ordered.length - 1, Math.floor(p * ordered.length))]!;
  console.log(
    `${route}: ${ordered.length} requests, p50 ${at(0.5).toFixed(1)} ms, p99 ${at(0.99).toFixed(1)} ms, max ${ordered.at(-1)!.toFixed(1)} ms`,
  );
}
console.log(
  `health probes: ${probeMs.length}, p50 ${pct(50).toFixed(1)} ms, p99 ${pct(99).toFixed(1)} ms, max ${sorted.at(-1)!.toFixed(1)} ms`,
);
