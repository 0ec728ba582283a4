// Matcher throughput and latency on the embedded backend, against a backlog shaped like a
// large DIRAC installation's (the lhcb-like fixture set: ~500 task queues over 60 sites,
// 67 platforms, 11 job types), submitted through the API in process; then pilots from every
// site ask, in process and over HTTP (autocannon, on a thread of its own).
// Usage: npm run bench:match [-- BACKLOG_JOBS [DB_URL]]   (bounded: fixed backlog, 10 s of load)
// DB_URL (`mysql://…`, `sqlite:PATH`) replaces the embedded default; it should be empty.
import { backlogJdl, lhcbBacklog } from '../fixtures/index.ts';
import { buildApp } from '../services/index.ts';
import { snapshotOf, staticConfigSource, systemClock } from '../services/core/index.ts';
import { generateKeystore, mintAccessToken } from '../services/logic/index.ts';
import { loadFromThread } from './load-thread.ts';

const BACKLOG = Number(process.argv[2] ?? 100_000);
const DB_URL = process.argv[3];
const HTTP_SECONDS = 10;
const JOBS_PER_REQUEST = 20;
const IN_PROCESS_MATCHES = 2000;

const backlog = lhcbBacklog({ seed: 1, totalJobs: BACKLOG });
const { config, users } = backlog.fixtureSet;
const keystore = await generateKeystore(systemClock);
const app = await buildApp({
  configSource: staticConfigSource(snapshotOf(config, 0)),
  auth: { keystore },
  ...(DB_URL === undefined ? {} : { dbUrl: DB_URL }),
});
const token = (username: string, group: string, properties: string[]) =>
  mintAccessToken(
    { keystore, clock: systemClock, config },
    { vo: 'lhcb', username, group, properties },
    600,
  );

// 1. The backlog, through the submission API.
const started = performance.now();
let submitted = 0;
for (const queue of backlog.queues) {
  const owner = users.find((u) => u.username === queue.owner)!;
  const bearer = await token(owner.username, queue.group, ['NormalUser']);
  for (let first = 0; first < queue.jobs; first += JOBS_PER_REQUEST) {
    const jdls = Array.from({ length: Math.min(JOBS_PER_REQUEST, queue.jobs - first) }, (_, i) =>
      backlogJdl(queue, first + i),
    );
    const response = await app.inject({
      method: 'POST',
      url: '/api/jobs/jdl',
      headers: { authorization: `Bearer ${bearer}` },
      payload: jdls,
    });
    if (response.statusCode !== 201) throw new Error(`submission failed: ${response.body}`);
    submitted += jdls.length;
  }
  process.stderr.write(`\rbacklog: ${submitted} jobs`);
}
const submitS = (performance.now() - started) / 1000;
const queues = await app.inject({ method: 'GET', url: '/api/health/ready' });
process.stderr.write(
  `\rbacklog: ${submitted} jobs in ${backlog.queues.length} queues, ${submitS.toFixed(0)} s (${queues.statusCode})\n`,
);

const pilot = await token('pilot', 'lhcb_pilot', ['GenericPilot']);
const slot = (i: number) => ({
  VO: 'lhcb',
  Site: backlog.sites[i % backlog.sites.length],
  Platform: backlog.platforms,
  CPUTime: 2_000_000,
});

// 2. In process, one pilot after another.
let matched = 0;
const inProcessStart = performance.now();
for (let i = 0; i < IN_PROCESS_MATCHES; i++) {
  const response = await app.inject({
    method: 'POST',
    url: '/api/jobs/match',
    headers: { authorization: `Bearer ${pilot}` },
    payload: slot(i),
  });
  if (response.statusCode === 200) matched++;
}
const inProcessPerS = IN_PROCESS_MATCHES / ((performance.now() - inProcessStart) / 1000);

// 3. Over HTTP, 8 pilots at a time, each from a different site, from a thread of their own.
await app.listen({ host: '127.0.0.1', port: 0 });
const result = await loadFromThread({
  url: `http://127.0.0.1:${(app.server.address() as { port: number }).port}/api/jobs/match`,
  method: 'POST',
  headers: { authorization: `Bearer ${pilot}`, 'content-type': 'application/json' },
  durationS: HTTP_SECONDS,
  bodies: Array.from({ length: 8 }, (_, i) => JSON.stringify(slot(i))),
});
await app.close();

process.stdout.write(
  `${JSON.stringify({
    benchmark: 'match',
    profile: DB_URL === undefined ? 'embedded' : DB_URL.split(':')[0],
    fixture: 'lhcb-like',
    backlog_jobs: submitted,
    task_queues: backlog.queues.length,
    submission_s: Math.round(submitS),
    in_process_matches_per_s: Math.round(inProcessPerS),
    in_process_matched: matched,
    http_matches_per_s: Math.round((result.statuses['200'] ?? 0) / result.durationS),
    http_requests_per_s: Math.round(result.requestsPerS),
    http_latency_ms: result.latencyMs,
    http_responses: { ...result.statuses, errors: result.errors, timeouts: result.timeouts },
  })}\n`,
);
