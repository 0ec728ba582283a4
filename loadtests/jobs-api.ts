// Bulk submission throughput and search latency of the jobs API on the embedded backend,
// in-process (inject) and over HTTP (autocannon), against a backlog of jobs.
// Usage: npm run bench:jobs [-- BACKLOG_JOBS]   (bounded: fixed request counts and durations)
import autocannon from 'autocannon';
import { generateFixtures } from '../fixtures/index.ts';
import { buildApp } from '../services/index.ts';
import { snapshotOf, staticConfigSource, systemClock } from '../services/core/index.ts';
import { generateKeystore, mintAccessToken } from '../services/logic/index.ts';

const BACKLOG = Number(process.argv[2] ?? 20_000);
const JOBS_PER_REQUEST = 20;
const HTTP_SECONDS = 5;

const { config } = generateFixtures({ seed: 1, size: 'small' });
const vo = Object.keys(config.Registry)[0]!;
const keystore = await generateKeystore(systemClock);
const app = await buildApp({
  configSource: staticConfigSource(snapshotOf(config, 0)),
  auth: { keystore },
});
const token = await mintAccessToken(
  { keystore, clock: systemClock, config },
  { vo, username: 'bench', group: `${vo}_user`, properties: ['NormalUser'] },
  600,
);
const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
const sites = Object.values(config.Resources.Sites).flatMap((s) => Object.keys(s));
const bulk = (i: number) =>
  JSON.stringify(
    Array.from(
      { length: JOBS_PER_REQUEST },
      (_, j) =>
        `[ Executable = "run.sh"; JobName = "bench-${i}-${j}"; CPUTime = ${3600 * (1 + (j % 4))}; Site = "${sites[(i + j) % sites.length]}" ]`,
    ),
  );

// 1. In-process: submit the backlog through inject, timing it.
const started = performance.now();
for (let i = 0; i < BACKLOG / JOBS_PER_REQUEST; i++) {
  const response = await app.inject({
    method: 'POST',
    url: '/api/jobs/jdl',
    headers,
    payload: bulk(i),
  });
  if (response.statusCode !== 201)
    throw new Error(`submission failed: ${response.statusCode} ${response.body}`);
  if (i % 100 === 0) process.stderr.write(`\rbacklog: ${i * JOBS_PER_REQUEST}/${BACKLOG} jobs`);
}
const inProcessJobsPerS = BACKLOG / ((performance.now() - started) / 1000);
process.stderr.write(
  `\rbacklog: ${BACKLOG} jobs in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
);

// 2. Over HTTP, with the backlog in place.
await app.listen({ host: '127.0.0.1', port: 0 });
const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
const run = (opts: autocannon.Options) =>
  new Promise<autocannon.Result>((resolve, reject) => {
    autocannon(opts, (error, result) => (error ? reject(error) : resolve(result)));
  });
const submission = await run({
  url: `${url}/api/jobs/jdl`,
  method: 'POST',
  headers,
  body: bulk(0),
  connections: 4,
  duration: HTTP_SECONDS,
});
const search = await run({
  url: `${url}/api/jobs/search?per_page=100`,
  method: 'POST',
  headers,
  body: JSON.stringify({
    parameters: ['JobID', 'Status', 'Site'],
    search: [{ parameter: 'Site', operator: 'eq', value: sites[0] }],
    sort: [{ parameter: 'JobID', direction: 'desc' }],
  }),
  connections: 4,
  duration: HTTP_SECONDS,
});
await app.close();

const result = {
  benchmark: 'jobs-api',
  profile: 'embedded',
  backlog_jobs: BACKLOG,
  submission_in_process_jobs_per_s: Math.round(inProcessJobsPerS),
  submission_http_jobs_per_s: Math.round(submission.requests.average * JOBS_PER_REQUEST),
  submission_http_non_2xx: submission.non2xx,
  search_http_requests_per_s: Math.round(search.requests.average),
  search_http_latency_ms: {
    p50: search.latency.p50,
    p90: search.latency.p90,
    p99: search.latency.p99,
  },
  search_http_non_2xx: search.non2xx,
};
process.stdout.write(`${JSON.stringify(result)}\n`);
