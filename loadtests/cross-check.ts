// Checks `gridbox bench matching --target` against an independent load generator, wrk
// (Debian's `wrk` package), on the same box: the figures the bench prints should agree with
// what wrk measures within 15 %. A measurement, not a test: it prints, it asserts nothing.
//
//   npm run bench:cross-check [-- --duration 20] [-- --backlog 100000] [-- --rounds 4]
//     [-- --wrk-mode per-connection|round-robin] [-- --wrk-threads 2 (round-robin)] [-- --json]
//
// 1. `gridbox up` on the lhcb-like fixtures (a process of its own, loopback, port 0);
// 2. its administrator logs in as a user does (`gridbox token`, the device flow);
// 3. `gridbox bench matching --target URL --duration D --json`: seeds the backlog, warms up,
//    measures;
// 4. on the same box, eight pilots registered and given tokens as the bench's are, and wrk
//    sends the bench's match requests (the same slot bodies; by default connection i is
//    pilot i, as in the bench), a 2 s warm-up discarded, then D seconds measured, closed
//    loop like the bench's matching profile;
// 5. then --rounds pairs more on the seeded box, in alternating order, each bench run
//    seeding 4,000 jobs per measured second (enough for both) and wrk sending that run's
//    slots: on a shared machine one pair says little, the median ratio of several more;
// 6. both figures side by side, the ratios wrk/bench, and the CPU time the box (from
//    /proc, per second) and each generator spent.
// Linux only (/proc); needs `wrk` on PATH.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DiracxClient, httpTransport } from '../client/index.ts';
import { lhcbBacklog, serializeFixtureSet } from '../fixtures/index.ts';
import type { BenchResult } from '../reports/index.ts';
import { pilotSites, pilotSlot } from '../cli/bench/run.ts';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '20' },
    backlog: { type: 'string', default: '100000' },
    'wrk-threads': { type: 'string', default: '2' },
    rounds: { type: 'string', default: '4' },
    'wrk-mode': { type: 'string', default: 'per-connection' },
    json: { type: 'boolean', default: false },
  },
});
const DURATION_S = Number(values.duration);
const BACKLOG = Number(values.backlog);
const WRK_THREADS = Number(values['wrk-threads']);
/**
 * `per-connection`: wrk runs one thread per connection and connection i always sends pilot
 * i's slot, as the bench does; `round-robin`: every connection sends every pilot's slot in
 * turn, so each pilot's site has the same share of the requests whatever its latency.
 */
const MODE = values['wrk-mode'];
if (MODE !== 'per-connection' && MODE !== 'round-robin')
  throw new Error(`--wrk-mode is per-connection or round-robin, not ${MODE}`);
/** Pairs after the first. */
const ROUNDS = Number(values.rounds);
/**
 * Jobs each of those pairs seeds: enough for both generators to match at up to 3,000/s for
 * the whole duration, with what a pair leaves for the next one when wrk goes first (it
 * sends its slots before the bench seeds). Sized for 2,000/s, the pairs ran dry once the
 * box matched 2,700/s, and compared empty answers.
 */
const ROUND_BACKLOG = 12_000 * DURATION_S;
/** The matching profile's pilots (connections) and warm-up. */
const PILOTS = 8;
const WARMUP_S = 2;
const TOLERANCE = 0.15;
const BIN = fileURLToPath(new URL('../bin/gridbox.js', import.meta.url));
const TICKS_PER_S = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
const READY_DEADLINE_MS = 120_000;

const dir = mkdtempSync(join(tmpdir(), 'gridbox-cross-check-'));
const progress = (line: string) => process.stderr.write(`cross-check: ${line}\n`);

/** CPU seconds (user + system) of a process so far, children that were waited for included. */
function cpuS(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S;
}

/** `gridbox up --json`'s ready line, parsed, once the box serves. */
function startBox(configFile: string): Promise<{ child: ChildProcess; line: string }> {
  const child = spawn(
    process.execPath,
    [BIN, 'up', '--json', '--port', '0', '--config-file', configFile, '--log-level', 'error'],
    {
      env: { ...process.env, GRIDBOX_CA_DIR: join(dir, 'ca') },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(
      () => reject(new Error('the box never printed its ready line')),
      READY_DEADLINE_MS,
    );
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const newline = out.indexOf('\n');
      if (newline >= 0) {
        clearTimeout(timer);
        resolve({ child, line: out.slice(0, newline) });
      }
    });
    child.once('exit', (code) => reject(new Error(`the box exited with ${code}`)));
  });
}

/**
 * Runs a command to its end; its stdout, and the CPU seconds it took (bash's `times`).
 * Exit 0 or 1 (the bench's "a threshold was missed") are a result, others an error.
 */
async function runMeasured(
  command: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ out: string; cpuS: number }> {
  const outFile = join(dir, 'out.txt');
  const child = spawn(
    'bash',
    ['-c', '"$@" > "$OUT"; echo $? > "$OUT.code"; times', 'bash', command, ...args],
    { env: { ...process.env, ...env, OUT: outFile }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let times = '';
  child.stdout!.on('data', (chunk: Buffer) => (times += chunk.toString()));
  await new Promise((resolve) => child.once('exit', resolve));
  const seconds = (times.trim().split('\n')[1] ?? '')
    .split(' ')
    .map((t) => /^(\d+)m([\d.]+)s$/.exec(t))
    .map((m) => (m === null ? NaN : Number(m[1]) * 60 + Number(m[2])));
  // The bench exits 1 when a threshold of its profile is missed: its figures still stand.
  const code = Number(readFileSync(`${outFile}.code`, 'utf8'));
  if (code > 1) throw new Error(`${command} ${args.join(' ')} exited with ${code}`);
  return { out: readFileSync(outFile, 'utf8'), cpuS: seconds.reduce((a, b) => a + b, 0) };
}

/** The box's CPU seconds in each wall-clock second while `during` runs. */
async function boxCpuPerSecond<T>(
  pid: number,
  during: Promise<T>,
): Promise<{ value: T; perSecond: number[] }> {
  const perSecond: number[] = [];
  let last = cpuS(pid);
  const timer = setInterval(() => {
    const now = cpuS(pid);
    perSecond.push(round(now - last, 2));
    last = now;
  }, 1000);
  try {
    return { value: await during, perSecond };
  } finally {
    clearInterval(timer);
  }
}

/**
 * wrk's script: request i of a thread goes out with the pilot token and slot of i modulo the
 * pilots (so each pilot's requests are spread over the connections), and done() prints one
 * JSON line: counts by status, and latency percentiles from wrk's own histogram (µs).
 */
function wrkScript(url: string, pilots: { token: string; body: string }[]): string {
  const lua = (text: string) => JSON.stringify(text); // a JSON string is a valid Lua string here
  return `
local pilots = {
${pilots.map((p) => `  { token = ${lua(p.token)}, body = ${lua(p.body)} },`).join('\n')}
}
local threads = {}
-- Globals, which thread:get() reads from each thread's own Lua state.
counter = 0
statuses = {}
-- per connection: thread i (one connection each) is pilot i, as the bench's connection i;
-- round robin: request k of a thread is pilot k modulo the pilots.
mode = ${lua(MODE)}
pilot = 0
function setup(thread)
  table.insert(threads, thread)
  thread:set("pilot", #threads)
end
function init(args)
  counter = 0
  statuses = {}
end
function request()
  counter = counter + 1
  local p = pilots[(mode == "per-connection" and ((pilot - 1) % #pilots) or (counter % #pilots)) + 1]
  return wrk.format("POST", ${lua(new URL('/api/jobs/match', url).pathname)}, {
    ["Authorization"] = "Bearer " .. p.token,
    ["Content-Type"] = "application/json",
  }, p.body)
end
function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
function done(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(threads) do
    local s = thread:get("statuses")
    for code, n in pairs(s) do counts[tostring(code)] = (counts[tostring(code)] or 0) + n end
  end
  local parts = {}
  for code, n in pairs(counts) do table.insert(parts, string.format('"%s":%d', code, n)) end
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"errors":%d,"statuses":{%s},"p50_us":%d,"p95_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%f}\\n',
    summary.requests, summary.duration,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    table.concat(parts, ","),
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max, latency.mean))
end
`;
}

interface WrkResult {
  requests: number;
  duration_us: number;
  errors: number;
  statuses: Record<string, number>;
  p50_us: number;
  p95_us: number;
  p99_us: number;
  max_us: number;
  mean_us: number;
}

async function runWrk(script: string, url: string, durationS: number) {
  const run = await runMeasured('wrk', [
    `-t${MODE === 'per-connection' ? PILOTS : WRK_THREADS}`,
    `-c${PILOTS}`,
    `-d${durationS}s`,
    '-s',
    script,
    new URL('/api/jobs/match', url).href,
  ]);
  const line = run.out.trim().split('\n').at(-1)!;
  return { result: JSON.parse(line) as WrkResult, cpuS: run.cpuS, text: run.out };
}

const round = (value: number, digits = 3) => Math.round(value * 10 ** digits) / 10 ** digits;

/** One figure of both generators, and how far apart they are. */
function compare(bench: BenchResult, wrk: WrkResult) {
  const benchMatch = bench.routes['POST /api/jobs/match']!;
  const wrkS = wrk.duration_us / 1e6;
  const figures = {
    requests_per_s: [bench.requests_per_s, wrk.requests / wrkS],
    matches_per_s: [bench.matches_per_s, (wrk.statuses['200'] ?? 0) / wrkS],
    p50_ms: [benchMatch.p50_ms, wrk.p50_us / 1000],
    p95_ms: [benchMatch.p95_ms, wrk.p95_us / 1000],
    p99_ms: [benchMatch.p99_ms, wrk.p99_us / 1000],
  } as const;
  return Object.fromEntries(
    Object.entries(figures).map(([name, [b, x]]) => {
      const ratio = b === 0 ? null : round(x / b);
      return [
        name,
        {
          bench: round(b),
          wrk: round(x),
          ratio_wrk_over_bench: ratio,
          within_15_percent: ratio !== null && Math.abs(ratio - 1) <= TOLERANCE,
        },
      ];
    }),
  ) as Record<keyof typeof figures, Comparison>;
}

interface Comparison {
  bench: number;
  wrk: number;
  ratio_wrk_over_bench: number | null;
  within_15_percent: boolean;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

async function main() {
  const { fixtureSet } = lhcbBacklog({ seed: 1, totalJobs: 1 });
  const configFile = join(dir, 'lhcb.json');
  writeFileSync(configFile, serializeFixtureSet(fixtureSet, 'json'));
  const admin = fixtureSet.users.find((user) => user.groups.includes('lhcb_admin'))!;

  // 1. The box.
  progress('starting the box');
  const { child: box, line } = await startBox(configFile);
  const pid = box.pid!;
  try {
    const url = (JSON.parse(line) as { url: string }).url;
    const boxFile = join(dir, 'box.json');
    writeFileSync(boxFile, `${line}\n`);

    // 2. The administrator's token, as a user gets one.
    const token = execFileSync(
      process.execPath,
      [BIN, 'token', '--box', boxFile, '--user', admin.username, '--group', 'lhcb_admin'],
      {
        encoding: 'utf8',
        env: { ...process.env, DIRACX_CREDENTIALS_PATH: join(dir, 'creds.json') },
      },
    ).trim();
    const client = new DiracxClient(httpTransport(url), async () => token);

    // 3. The bench, against the box as a target.
    const runBenchCli = async (backlogJobs: number, durationS: number) => {
      progress(
        `gridbox bench matching --target ${url} --backlog ${backlogJobs} --duration ${durationS}`,
      );
      const boxCpuBefore = cpuS(pid);
      const { value: run, perSecond } = await boxCpuPerSecond(
        pid,
        runMeasured(
          process.execPath,
          [
            BIN,
            'bench',
            'matching',
            '--target',
            url,
            '--backlog',
            String(backlogJobs),
            '--duration',
            String(durationS),
            '--json',
          ],
          { DIRACX_TOKEN: token },
        ),
      );
      const result = JSON.parse(run.out) as BenchResult;
      return {
        result,
        summary: {
          backlog_jobs: result.backlog_jobs,
          requests: result.requests,
          duration_s: result.duration_s,
          statuses: result.routes['POST /api/jobs/match']!.statuses,
          error_rate: result.error_rate,
          generator_cpu_s: round((result.cpu?.generator_ms ?? NaN) / 1000),
          process_cpu_s_whole_run: round(run.cpuS),
          box_cpu_s_whole_run: round(cpuS(pid) - boxCpuBefore),
          // The measured run is the last duration_s seconds of this series, or nearly.
          box_cpu_s_per_second: perSecond,
          requests_per_second: result.timeline.map((point) => point.requests),
        },
      };
    };

    // 4. wrk, with pilots of its own sending the slots of the bench run with that backlog.
    const runWrkOn = async (backlogJobs: number, durationS: number) => {
      const backlog = lhcbBacklog({ seed: 1, totalJobs: Math.max(1, backlogJobs) });
      const ownQueues = [];
      for (let submitted = 0, q = 0; q < backlog.queues.length && submitted < backlogJobs; q++) {
        const queue = backlog.queues[q]!;
        const jobs = Math.min(20, queue.jobs, backlogJobs - submitted);
        ownQueues.push({ queue: { ...queue, jobs } });
        submitted += Math.min(queue.jobs, backlogJobs - submitted);
      }
      const sites = pilotSites(backlog, ownQueues, undefined);
      const pilots = [];
      for (let i = 0; i < PILOTS; i++) {
        const { pilot_stamp, pilot_secret } = await client.registerPilot({
          pilot_stamp: `xcheck-${Date.now().toString(36)}-${i}`,
          vo: 'lhcb',
        });
        const { access_token } = await client.pilotToken(pilot_stamp, pilot_secret);
        pilots.push({
          token: access_token,
          body: JSON.stringify(pilotSlot(backlog, 'lhcb', sites[i % sites.length]!)),
        });
      }
      const script = join(dir, 'match.lua');
      writeFileSync(script, wrkScript(url, pilots));
      progress(
        `wrk warm-up ${WARMUP_S} s, then wrk -t${MODE === 'per-connection' ? PILOTS : WRK_THREADS} -c${PILOTS} -d${durationS}s`,
      );
      await runWrk(script, url, WARMUP_S);
      const boxCpuBefore = cpuS(pid);
      const { value: wrk, perSecond } = await boxCpuPerSecond(pid, runWrk(script, url, durationS));
      const boxCpu = cpuS(pid) - boxCpuBefore;
      return {
        result: wrk.result,
        summary: {
          requests: wrk.result.requests,
          duration_s: round(wrk.result.duration_us / 1e6),
          statuses: wrk.result.statuses,
          errors: wrk.result.errors,
          threads: MODE === 'per-connection' ? PILOTS : WRK_THREADS,
          mode: MODE,
          process_cpu_s: round(wrk.cpuS),
          box_cpu_s: round(boxCpu),
          box_cpu_ms_per_request: round((boxCpu * 1000) / wrk.result.requests, 4),
          box_cpu_s_per_second: perSecond,
        },
      };
    };

    // 5. As the harness runs it: the bench seeding the full backlog, then wrk.
    const bench = await runBenchCli(BACKLOG, DURATION_S);
    const wrk = await runWrkOn(BACKLOG, DURATION_S);
    const first = {
      comparison: compare(bench.result, wrk.result),
      bench: bench.summary,
      wrk: wrk.summary,
    };
    // 6. Pairs on the now seeded box, in alternating order, so that the machine's other load
    // falls on both alike: the bench seeds a backlog for both, wrk sends that run's slots.
    const rounds: { comparison: ReturnType<typeof compare>; bench: unknown; wrk: unknown }[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const pair =
        r % 2 === 0
          ? {
              bench: await runBenchCli(ROUND_BACKLOG, DURATION_S),
              wrk: await runWrkOn(ROUND_BACKLOG, DURATION_S),
            }
          : await (async () => {
              const w = await runWrkOn(ROUND_BACKLOG, DURATION_S);
              return { wrk: w, bench: await runBenchCli(ROUND_BACKLOG, DURATION_S) };
            })();
      rounds.push({
        comparison: compare(pair.bench.result, pair.wrk.result),
        bench: pair.bench.summary,
        wrk: pair.wrk.summary,
      });
    }
    const figureNames = Object.keys(first.comparison) as (keyof typeof first.comparison)[];
    const medianRatios = Object.fromEntries(
      figureNames.map((name) => [
        name,
        rounds.length === 0
          ? null
          : round(median(rounds.map((r) => r.comparison[name].ratio_wrk_over_bench ?? NaN))),
      ]),
    );
    // A 204 is a match with nothing to hand out: the slots' sites ran dry, not comparable.
    const dry = (pair: { bench: unknown; wrk: unknown }) =>
      [pair.bench, pair.wrk].some((side) =>
        Object.keys((side as { statuses: Record<string, number> }).statuses).some(
          (code) => code !== '200',
        ),
      )
        ? ['  (answers other than 200: the slots ran dry or failed; not a comparison of matching)']
        : [];
    const report = {
      duration_s: DURATION_S,
      first,
      rounds,
      median_ratio_over_rounds: medianRatios,
    };
    if (values.json) process.stdout.write(`${JSON.stringify(report)}\n`);
    else {
      const table = (comparison: Record<string, Comparison>) =>
        Object.entries(comparison)
          .map(
            ([name, c]) =>
              `  ${name.padEnd(15)} bench ${String(c.bench).padStart(10)}  wrk ${String(c.wrk).padStart(10)}  wrk/bench ${c.ratio_wrk_over_bench}${c.within_15_percent ? '' : '  (more than 15 % apart)'}`,
          )
          .join('\n');
      process.stdout.write(
        [
          `backlog ${BACKLOG}, bench first:`,
          table(first.comparison),
          ...dry(first),
          ...rounds.flatMap((r, i) => [
            `round ${i + 1} (backlog ${ROUND_BACKLOG}, ${i % 2 === 0 ? 'bench' : 'wrk'} first):`,
            table(r.comparison),
            ...dry(r),
          ]),
          ...(rounds.length === 0
            ? []
            : [`median wrk/bench over the rounds: ${JSON.stringify(medianRatios)}`]),
          JSON.stringify(report),
          '',
        ].join('\n'),
      );
    }
  } finally {
    box.kill('SIGTERM');
    await new Promise((resolve) => box.once('exit', resolve));
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
