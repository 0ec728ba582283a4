// Matcher throughput and latency on the embedded backend: a backlog submitted through the
// API (in process), then pilots from every site asking over HTTP (autocannon).
// Usage: npm run bench:match [-- BACKLOG_JOBS]   (bounded: fixed backlog, 5 s of load)
import autocannon from 'autocannon';
import { generateFixtures } from '../fixtures/index.ts';
import { buildApp } from '../services/index.ts';
import { snapshotOf, staticConfigSource, systemClock } from '../services/core/index.ts';
import { generateKeystore, issueAccessToken } from '../services/logic/index.ts';

const BACKLOG = Number(process.argv[2] ?? 20_000);
const HTTP_SECONDS = 5;
const JOBS_PER_REQUEST = 20;

const { config } = generateFixtures({ seed: 1, size: 'small' });
const vo = Object.keys(config.Registry)[0]!;
const sites = Object.values(config.Resources.Sites).flatMap((s) => Object.keys(s));
const keystore = await generateKeystore(systemClock);
const app = await buildApp({
  configSource: staticConfigSource(snapshotOf(config, 0)),
  auth: { keystore },
});
const token = async (user: string, group: string, properties: string[]) =>
  (
    await issueAccessToken(
      { keystore, clock: systemClock, issuer: 'gridbox' },
      {
        sub: `${vo}:${user}`,
        vo,
        dirac_group: group,
        preferred_username: user,
        dirac_properties: properties,
      },
      600,
    )
  ).token;
const user = await token('bench', `${vo}_user`, ['NormalUser']);
const pilot = await token('pilot', `${vo}_pilot`, ['GenericPilot']);

// A backlog spread over task queues: sites, CPU times and priorities vary.
const started = performance.now();
for (let i = 0; i < BACKLOG / JOBS_PER_REQUEST; i++) {
  const jdls = Array.from({ length: JOBS_PER_REQUEST }, (_, j) => {
    const n = i * JOBS_PER_REQUEST + j;
    return `[ Executable = "run.sh"; CPUTime = ${[3600, 21600, 86400][n % 3]}; Priority = ${n % 5}; Site = {"${sites[n % sites.length]}", "${sites[(n + 1) % sites.length]}"} ]`;
  });
  const response = await app.inject({
    method: 'POST',
    url: '/api/jobs/jdl',
    headers: { authorization: `Bearer ${user}` },
    payload: jdls,
  });
  if (response.statusCode !== 201) throw new Error(`submission failed: ${response.body}`);
  if (i % 100 === 0) process.stderr.write(`\rbacklog: ${i * JOBS_PER_REQUEST}/${BACKLOG} jobs`);
}
process.stderr.write(
  `\rbacklog: ${BACKLOG} jobs in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
);

// In process: one pilot after another.
const inProcessRuns = 1000;
const inProcessStart = performance.now();
for (let i = 0; i < inProcessRuns; i++) {
  const response = await app.inject({
    method: 'POST',
    url: '/api/jobs/match',
    headers: { authorization: `Bearer ${pilot}` },
    payload: { VO: vo, Site: sites[i % sites.length], CPUTime: 200000 },
  });
  if (response.statusCode !== 200) throw new Error(`match failed: ${response.statusCode}`);
}
const inProcessPerS = inProcessRuns / ((performance.now() - inProcessStart) / 1000);

await app.listen({ host: '127.0.0.1', port: 0 });
const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}/api/jobs/match`;
let request = 0;
const result = await new Promise<autocannon.Result>((resolve, reject) => {
  autocannon(
    {
      url,
      method: 'POST',
      headers: { authorization: `Bearer ${pilot}`, 'content-type': 'application/json' },
      connections: 8,
      duration: HTTP_SECONDS,
      // Pilots from every site, in turn.
      setupClient: (client) => {
        client.setBody(
          JSON.stringify({ VO: vo, Site: sites[request++ % sites.length], CPUTime: 200000 }),
        );
      },
    },
    (error, res) => (error ? reject(error) : resolve(res)),
  );
});
await app.close();

process.stdout.write(
  `${JSON.stringify({
    benchmark: 'match',
    profile: 'embedded',
    backlog_jobs: BACKLOG,
    in_process_matches_per_s: Math.round(inProcessPerS),
    http_matches_per_s: Math.round(result.requests.average),
    http_latency_ms: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99 },
    http_non_2xx: result.non2xx,
  })}\n`,
);
