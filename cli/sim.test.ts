import { describe, expect, it } from 'vitest';
import { GridboxFileCatalog } from '../client/index.ts';
import { FIXTURE_REF_DATE, generateFixtures } from '../fixtures/index.ts';
import {
  RealTimeClock,
  type SimClock,
  type SimSummary,
  VirtualClock,
  openStorageElements,
  runSimulation,
} from '../sim/index.ts';
import { adler32 } from '../sim/storage/index.ts';
import type { Io } from './io.ts';
import { main } from './main.ts';
import { embeddedTarget } from './sim-target.ts';

const fixtureSet = generateFixtures({ seed: 3, size: 'small' });

/** A whole run against a box of its own; returns the summary and the event lines. */
async function simulate(options: {
  seed: number;
  jobs: number;
  transport: 'inject' | 'http';
  clock: SimClock;
  storage: 'memory' | 'http';
  speedup?: number;
}) {
  const target = await embeddedTarget({
    fixtureSet,
    clock: options.clock,
    seed: options.seed,
    transport: options.transport,
  });
  const storage = await openStorageElements(fixtureSet.config, { mode: options.storage });
  const lines: string[] = [];
  try {
    const summary = await runSimulation({
      service: target.service,
      credentials: target.credentials,
      config: fixtureSet.config,
      owners: target.owners,
      storage: storage.elements,
      clock: options.clock,
      seed: options.seed,
      jobs: options.jobs,
      timing: { speedup: options.speedup ?? 1 },
      sink: (line) => lines.push(line),
    });
    return { summary, lines, target, storage };
  } finally {
    await storage.close();
    await target.close();
  }
}

const virtualRun = (seed: number, transport: 'inject' | 'http' = 'inject') =>
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
  });

  it('writes the same event log over HTTP as by injection', async () => {
    const injected = await virtualRun(11, 'inject');
    const overHttp = await virtualRun(11, 'http');
    expect(overHttp.summary.transport).toBe('http');
    expect(overHttp.lines).toEqual(injected.lines);
    expect(overHttp.summary.event_log_sha256).toBe(injected.summary.event_log_sha256);
  });
});

describe('gridbox sim over the wire', () => {
  it('runs 200 jobs to completion in real time against the box over HTTP, outputs in the catalog and on SEs', async () => {
    const clock = new RealTimeClock();
    const target = await embeddedTarget({ fixtureSet, clock, seed: 5, transport: 'http' });
    const storage = await openStorageElements(fixtureSet.config, { mode: 'http' });
    const lines: string[] = [];
    let summary: SimSummary;
    try {
      summary = await runSimulation({
        service: target.service,
        credentials: target.credentials,
        config: fixtureSet.config,
        owners: target.owners,
        storage: storage.elements,
        clock,
        seed: 5,
        jobs: 200,
        // An hour of the grid in 1.2 s: long enough for heartbeats to be ordered in time.
        timing: { speedup: 3000 },
        sink: (line) => lines.push(line),
      });
      expect(summary.transport).toBe('http');
      expect(summary.jobs.submitted).toBe(200);
      const { Done = 0, Failed = 0, ...others } = summary.jobs.by_status;
      expect(others).toEqual({});
      expect(Done + Failed).toBe(200);
      expect(Done).toBeGreaterThan(150);

      // Every job that ended Done registered its output, with a replica on an SE that holds
      // the bytes the catalog describes.
      const events = lines.map((line) => JSON.parse(line) as Record<string, string | number>);
      const done = new Set(events.filter((e) => e.kind === 'job.done').map((e) => e.job));
      const outputs = events.filter((e) => e.kind === 'catalog.register' && e.job !== undefined);
      expect(new Set(outputs.map((e) => e.job))).toEqual(done);
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
    } finally {
      await storage.close();
      await target.close();
    }
  }, 120_000);
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
    expect(summary.transport).toBe('inject');
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
