import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GridboxFileCatalog } from '../client/index.ts';
import { FIXTURE_REF_DATE } from '../fixtures/index.ts';
import { DIRAC_OPTIONS, RealTimeClock, type SimSummary, VirtualClock } from '../sim/index.ts';
import { adler32 } from '../sim/storage/index.ts';
import type { Io } from './io.ts';
import { main } from './main.ts';
import { type Target, fixtureSet, simulate } from './sim-run.testkit.ts';
import type { SimTransport } from './sim-target.ts';

const scratch = mkdtempSync(join(tmpdir(), 'gridbox-sim-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

type SimEvent = Record<string, string | number>;

/**
 * What holds of any finished run, however fast or slow the machine ran it: every job ended
 * Done or Failed, each was matched once, and each that ended Done has its output in the
 * catalog, with a replica on an SE over HTTP that holds the bytes the catalog describes.
 * Returns how many ended Done.
 */
async function expectConsistentRun(run: {
  summary: SimSummary;
  lines: string[];
  target: Target;
  jobs: number;
}): Promise<number> {
  const { summary, lines, target } = run;
  expect(summary.transport).toBe('http');
  expect(summary.jobs.submitted).toBe(run.jobs);
  const { Done = 0, Failed = 0, ...others } = summary.jobs.by_status;
  expect(others).toEqual({});
  expect(Done + Failed).toBe(run.jobs);

  const events = lines.map((line) => JSON.parse(line) as SimEvent);
  const matched = events.filter((e) => e.kind === 'job.matched').map((e) => e.job);
  expect(matched).toHaveLength(run.jobs);
  expect(new Set(matched).size).toBe(run.jobs);

  // A job the StalledJobAgent failed (its heartbeats late) may still finish and report Done
  // from its wrapper: the run counts it Failed, its first end, but it has its output too.
  const done = new Set(events.filter((e) => e.kind === 'job.done').map((e) => e.job));
  expect(done.size).toBeGreaterThanOrEqual(Done);
  const outputs = events.filter((e) => e.kind === 'catalog.register' && e.job !== undefined);
  const registered = new Set(outputs.map((e) => e.job));
  for (const job of done) expect(registered).toContain(job);
  const byVo = new Map<string, string[]>();
  for (const e of outputs) {
    const lfn = String(e.lfn);
    const vo = lfn.split('/')[1]!;
    byVo.set(vo, [...(byVo.get(vo) ?? []), lfn]);
  }
  for (const [vo, lfns] of byVo) {
    const owner = target.owners.find((o) => o.vo === vo)!;
    const catalog = new GridboxFileCatalog(
      target.service.as(target.credentials.user(owner.vo, owner.username, owner.group)),
    );
    const replicas = await catalog.getReplicas(lfns);
    const metadata = await catalog.getFileMetadata(lfns);
    expect(replicas.Failed).toEqual({});
    for (const lfn of lfns) {
      const [se, pfn] = Object.entries(replicas.Successful[lfn]!)[0]!;
      expect(fixtureSet.config.Resources.StorageElements[se]).toBeDefined();
      expect(pfn).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
      const response = await fetch(pfn, { headers: { 'x-gridbox-vo': vo } });
      expect(response.status).toBe(200);
      const bytes = new Uint8Array(await response.arrayBuffer());
      expect(adler32(bytes)).toBe(metadata.Successful[lfn]!.Checksum);
      expect(bytes.byteLength).toBe(metadata.Successful[lfn]!.Size);
    }
  }
  return Done;
}

const virtualRun = (seed: number, transport: SimTransport = 'inject') =>
  simulate({
    seed,
    jobs: 30,
    transport,
    clock: new VirtualClock(Date.parse(FIXTURE_REF_DATE)),
    storage: 'memory',
  });

describe('gridbox sim in virtual time', () => {
  it('replays the same run from the same seed, and another from another seed', async () => {
    const first = await virtualRun(7);
    const again = await virtualRun(7);
    expect(first.summary.jobs.submitted).toBe(30);
    expect(first.summary.jobs.by_status.unfinished).toBeUndefined();
    // Pilots follow the jobs that could run: about one per job here, where slots abound.
    expect(first.summary.pilots).toBeGreaterThanOrEqual(30);
    expect(first.summary.pilots).toBeLessThan(45);
    for (const kind of ['pilot.submitted', 'job.matched', 'job.running', 'transfer.write'])
      expect(first.summary.events.by_kind[kind]).toBeGreaterThan(0);
    expect(again.summary.event_log_sha256).toBe(first.summary.event_log_sha256);
    expect(again.lines).toEqual(first.lines);
    const other = await virtualRun(8);
    expect(other.summary.event_log_sha256).not.toBe(first.summary.event_log_sha256);
  }, 300_000);

  it('writes the same event log over HTTP, by injection and directly', async () => {
    const injected = await virtualRun(11, 'inject');
    for (const transport of ['http', 'direct'] as const) {
      const other = await virtualRun(11, transport);
      expect(other.summary.transport).toBe(transport);
      expect(other.lines).toEqual(injected.lines);
      expect(other.summary.event_log_sha256).toBe(injected.summary.event_log_sha256);
    }
    // Three whole runs: about 10 s on a quiet machine, several times that on a loaded one.
  }, 300_000);

  it('does not send idle pilots to the matcher of a box it owns, and logs the same run', async () => {
    const runWith = async (ownsServices: boolean) => {
      const requests = new Map<string, number>();
      const run = await simulate({
        seed: 12,
        jobs: 30,
        transport: 'direct',
        clock: new VirtualClock(Date.parse(FIXTURE_REF_DATE)),
        storage: 'memory',
        ownsServices,
        requests,
      });
      return { ...run, matches: requests.get('POST /api/jobs/match') ?? 0 };
    };
    const asking = await runWith(false);
    const owning = await runWith(true);
    expect(owning.lines).toEqual(asking.lines);
    const noMatch = asking.summary.events.by_kind['pilot.no-match'] ?? 0;
    expect(noMatch).toBeGreaterThan(30);
    // Every empty answer was asked for; with the box owned, hardly any are.
    expect(asking.matches).toBeGreaterThanOrEqual(30 + noMatch);
    expect(owning.matches).toBeLessThan(30 + noMatch / 2);
  }, 300_000);
});

describe('gridbox sim over the wire', () => {
  it('runs 100 jobs over HTTP in virtual time, outputs in the catalog and on SEs over HTTP', async () => {
    let done = 0;
    await simulate({
      seed: 5,
      jobs: 100,
      transport: 'http',
      clock: new VirtualClock(Date.parse(FIXTURE_REF_DATE)),
      storage: 'http',
      inspect: async (run) => {
        done = await expectConsistentRun({ ...run, jobs: 100 });
      },
    });
    // In virtual time the machine's speed changes nothing: only the injected faults fail
    // jobs (2 % of payloads, 0.5 % of nodes, SEs that do not answer).
    expect(done).toBeGreaterThan(90);
  }, 300_000);

  // In real time a slow machine delays heartbeats past the StalledJobAgent's windows and
  // runs slots out of time, and those jobs fail: how many end Done depends on the machine,
  // so only what holds at any speed is checked. The deadline is for a heavily loaded one.
  it('runs 200 jobs to their end in real time against the box over HTTP, consistently', async () => {
    await simulate({
      seed: 5,
      jobs: 200,
      transport: 'http',
      clock: new RealTimeClock(),
      storage: 'http',
      // An hour of the grid in 1.2 s: long enough for heartbeats to be ordered in time.
      timing: { speedup: 3000 },
      inspect: async (run) => {
        await expectConsistentRun({ ...run, jobs: 200 });
      },
    });
  }, 300_000);
});

describe('gridbox sim on the command line', () => {
  const run = async (argv: string[]) => {
    let out = '';
    let err = '';
    const io: Io = {
      stdout: { write: (text: string) => (out += text) },
      stderr: { write: (text: string) => (err += text), isTTY: false },
      stdoutIsTTY: false,
      env: {},
      waitForStop: () => new Promise(() => undefined),
    };
    const code = await main(argv, io);
    return { code, out, err };
  };

  it('shows jobs done, rate and ETA on stderr with --progress, and leaves stdout alone', async () => {
    const argv = ['sim', '--virtual', '--jobs', '12', '--seed', '4', '--json'];
    const plain = await run(argv);
    const shown = await run([...argv, '--progress']);
    expect(shown.code).toBe(0);
    // Wall-clock figures differ from run to run; everything else is the same summary.
    const timeless = (out: string) => {
      const { wall_s: _wall, events_per_s: _rate, ...rest } = JSON.parse(out) as SimSummary;
      return rest;
    };
    expect(shown.out.trim().split('\n')).toHaveLength(1);
    expect(timeless(shown.out)).toEqual(timeless(plain.out));
    expect(shown.err).toMatch(
      /^gridbox sim: 12\/12 jobs submitted \(100%\), [\d.]+ jobs\/s, ETA \S+$/m,
    );
    expect(shown.err).toMatch(
      /^gridbox sim: 12\/12 jobs ended \(100%\), [\d.]+ jobs\/s, ETA \S+$/m,
    );
    expect(plain.err).not.toContain('jobs/s');
  });

  it('runs job after job in a pilot while slots are few, and one job each without filling mode', async () => {
    // Two slots per queue for 40 jobs: pilots outnumbered by the work take job after job.
    const argv = ['sim', '--virtual', '--jobs', '40', '--seed', '5', '--slots-per-queue', '2-2'];
    const eventsOf = async (extra: string[]) => {
      const events = join(scratch, `events-${extra.length}.jsonl`);
      const { code } = await run([...argv, '--events', events, ...extra]);
      expect(code).toBe(0);
      return readFileSync(events, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as SimEvent)
        .filter((e) => e.kind === 'pilot.end');
    };
    const filling = await eventsOf([]);
    expect(Math.max(...filling.map((e) => Number(e.jobs)))).toBeGreaterThan(1);
    const single = await eventsOf(['--dirac-option', 'JobAgent/FillingModeFlag=false']);
    expect(Math.max(...single.map((e) => Number(e.jobs)))).toBe(1);
    expect(single.length).toBeGreaterThan(filling.length);
  }, 180_000);

  it('runs the lhcb-like workload to its end', async () => {
    const argv = ['sim', '--virtual', '--jobs', '60', '--workload', 'lhcb-like', '--json'];
    const { code, out } = await run([...argv, '--max-hours', '48']);
    expect(code).toBe(0);
    const summary = JSON.parse(out) as SimSummary;
    expect(summary.jobs.submitted).toBe(60);
    expect(summary.jobs.by_status.unfinished).toBeUndefined();
    expect(summary.events.by_kind['job.matched']).toBeGreaterThanOrEqual(60);
  }, 180_000);

  it('fails every payload when told to, and says so in the summary', async () => {
    const argv = ['sim', '--virtual', '--jobs', '8', '--json', '--payload-failure', '1'];
    const { code, out } = await run(argv);
    expect(code).toBe(0);
    const summary = JSON.parse(out) as SimSummary;
    expect(summary.jobs.by_status).toEqual({ Failed: 8 });
    expect(summary.events.by_kind['fault.payload']).toBe(8);
  });

  it('prints one JSON summary with --json', async () => {
    const { code, out } = await run(['sim', '--virtual', '--jobs', '12', '--seed', '4', '--json']);
    expect(code).toBe(0);
    const summary = JSON.parse(out) as SimSummary;
    expect(summary.jobs.submitted).toBe(12);
    expect(summary.clock).toBe('virtual');
    expect(summary.transport).toBe('direct');
    expect(summary.event_log_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(summary.events.total).toBeGreaterThan(12 * 4);
  });

  it.each([
    [['sim', '--jobs', '0'], 'Invalid value "0" for --jobs: expected a positive integer.'],
    [
      ['sim', '--node-crash', '1.5'],
      'Invalid value "1.5" for --node-crash: expected a probability from 0 to 1.',
    ],
    [['sim', '--sites', 'many'], 'Invalid value "many" for --sites: expected a positive integer.'],
    [
      ['sim', '--slots-per-queue', '9-3'],
      'Invalid value "9-3" for --slots-per-queue: expected MIN-MAX, two positive integers, MIN at most MAX.',
    ],
    [
      ['sim', '--dirac-option', 'JobAgent/PollingTime=-5'],
      'Invalid value "JobAgent/PollingTime=-5" for --dirac-option: JobAgent/PollingTime is an integer of at least 1.',
    ],
    [
      ['sim', '--dirac-option', 'SiteDirector/Nap=5'],
      `Invalid value "SiteDirector/Nap=5" for --dirac-option: expected Agent/Option=value with one of ${Object.keys(DIRAC_OPTIONS).join(', ')}.`,
    ],
    [
      ['sim', '--target', 'http://127.0.0.1:1', '--slots-per-queue', '1-2'],
      "--slots-per-queue shapes a box of its own; with --target the grid is the target's configuration.",
    ],
    [
      ['sim', '--target', 'ftp://x'],
      'Invalid value "ftp://x" for --target: expected an http(s) URL.',
    ],
    [
      ['sim', '--virtual', '--target', 'http://127.0.0.1:1'],
      '--virtual runs its own box; it cannot drive a --target server.',
    ],
  ])('refuses %j with one sentence and exit code 2', async (argv, message) => {
    const { code, err, out } = await run(argv);
    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toBe(`gridbox: ${message}\n`);
  });
});
