import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import packageJson from '../../package.json' with { type: 'json' };
import { FIXTURE_REF_DATE, loadFixtureSet, namedFixtureSet } from '../../fixtures/index.ts';
import { type SimReport, writeSimReport } from '../../reports/index.ts';
import { UsageError, parseSetting } from '../../services/core/index.ts';
import {
  DIRAC_TIMING,
  timingFromOptions,
  RealTimeClock,
  type SimClock,
  type ProcessMemory,
  SimSampler,
  type SimSummary,
  VirtualClock,
  openStorageElements,
  runSimulation,
} from '../../sim/index.ts';
import { loadExtensions } from '../extensions.ts';
import type { Io } from '../io.ts';
import { simProgress } from '../sim-progress.ts';
import { embeddedTarget, remoteTarget } from '../sim-target.ts';

export interface SimFlags {
  target?: string;
  caBundle?: string;
  configFile?: string;
  sites?: string;
  slotsPerQueue?: string;
  diracOption?: string[];
  jobs?: string;
  workload?: 'uniform' | 'lhcb-like';
  seed?: string;
  fixtures?: string;
  virtual?: boolean;
  json?: boolean;
  transport?: string;
  storage?: string;
  speedup?: string;
  events?: string;
  maxHours?: string;
  payloadFailure?: string;
  nodeCrash?: string;
  extension?: string[];
  progress?: boolean;
  report?: string;
}

/** Over the wire in real time, an hour of modelled grid activity takes 3.6 s. */
const WIRE_SPEEDUP = 1000;

function positiveInteger(text: string | undefined, flag: string, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new UsageError(`Invalid value "${text}" for ${flag}: expected a positive integer`);
  return value;
}

function slotRange(text: string | undefined): { min: number; max: number } | undefined {
  if (text === undefined) return undefined;
  const match = /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(text);
  const [min, max] = match === null ? [NaN, NaN] : [Number(match[1]), Number(match[2])];
  if (!(min >= 1 && max >= min))
    throw new UsageError(
      `Invalid value "${text}" for --slots-per-queue: expected MIN-MAX, two positive integers, MIN at most MAX`,
    );
  return { min, max };
}

function probability(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !(value >= 0 && value <= 1))
    throw new UsageError(`Invalid value "${text}" for ${flag}: expected a probability from 0 to 1`);
  return value;
}

/**
 * A large run holds a gigabyte or more of state that lives for minutes (the jobs running at
 * once, their pilots, tokens and JDLs) among garbage that lives for microseconds, and V8's
 * heuristics are made for the opposite. Its full collections left the old generation's
 * pages a third full (after one at 100,000 jobs: 362 MB in use in 1,011 MB of pages),
 * and the heap may grow to twice what was live or more before the next. Compacting at every
 * full collection, and collecting again once half as much again as was live is allocated,
 * took the largest RSS of 100,000 jobs over 200 sites from 1.92 to 1.62 GB, with the same
 * event log and no more CPU time: the collections are more frequent, the heap denser.
 * The flags are read at each collection, so setting them once the process runs is enough.
 */
function fitHeapToLiveState(): void {
  setFlagsFromString('--compact-on-every-full-gc');
  setFlagsFromString('--heap-growing-percent=50');
}

/**
 * `gridbox sim`: a workload on a simulated grid. Without --target it brings its own box:
 * in virtual time (--virtual) calling the app's routes directly (or by injection, or over
 * HTTP, with --transport), otherwise in real time over loopback HTTP. With --target it
 * drives that server over HTTP in real time.
 */
export async function sim(flags: SimFlags, io: Io): Promise<number> {
  const seed = flags.seed === undefined ? 1 : parseSetting('seed', flags.seed, '--seed');
  const size =
    flags.fixtures === undefined ? 'small' : parseSetting('fixtures', flags.fixtures, '--fixtures');
  if (flags.target !== undefined && (flags.extension ?? []).length > 0)
    throw new UsageError(
      "--extension loads into a box of its own; with --target the extensions are the server's",
    );
  const extensions = await loadExtensions(flags.extension ?? []);
  const jobs = positiveInteger(flags.jobs, '--jobs', 200);
  const sites = flags.sites === undefined ? undefined : positiveInteger(flags.sites, '--sites', 1);
  const slotsPerQueue = slotRange(flags.slotsPerQueue);
  const diracTiming = {};
  for (const setting of flags.diracOption ?? [])
    try {
      Object.assign(diracTiming, timingFromOptions([setting]));
    } catch (error) {
      throw new UsageError(
        `Invalid value "${setting}" for --dirac-option: ${(error as Error).message}`,
      );
    }
  const virtual = flags.virtual === true;
  if (virtual && flags.target !== undefined)
    throw new UsageError('--virtual runs its own box; it cannot drive a --target server');
  const transport = flags.transport ?? (virtual ? 'direct' : 'http');
  if (transport !== 'direct' && transport !== 'inject' && transport !== 'http')
    throw new UsageError(
      `Invalid value "${transport}" for --transport: expected direct, inject or http`,
    );
  if (transport !== 'http' && flags.target !== undefined)
    throw new UsageError(`--transport ${transport} needs the box in this process, not a --target`);
  const storageMode = flags.storage ?? (virtual ? 'memory' : 'http');
  if (storageMode !== 'memory' && storageMode !== 'http')
    throw new UsageError(`Invalid value "${storageMode}" for --storage: expected memory or http`);
  const speedup = positiveInteger(flags.speedup, '--speedup', virtual ? 1 : WIRE_SPEEDUP);
  const maxHours = positiveInteger(flags.maxHours, '--max-hours', 24 * 30);
  const payloadFailure = probability(flags.payloadFailure, '--payload-failure');
  const nodeCrash = probability(flags.nodeCrash, '--node-crash');

  if (flags.target !== undefined)
    for (const [flag, value] of [
      ['--config-file', flags.configFile],
      ['--fixtures', flags.fixtures],
      ['--sites', flags.sites],
      ['--slots-per-queue', flags.slotsPerQueue],
    ] as const)
      if (value !== undefined)
        throw new UsageError(
          `${flag} shapes a box of its own; with --target the grid is the target's configuration`,
        );
  if (
    flags.configFile !== undefined &&
    (flags.fixtures !== undefined || sites !== undefined || slotsPerQueue !== undefined)
  )
    throw new UsageError(
      '--config-file is the whole grid; it cannot be combined with --fixtures, --sites or --slots-per-queue',
    );
  if (flags.events !== undefined) {
    const folder = dirname(resolve(flags.events));
    if ((await stat(folder).catch(() => undefined))?.isDirectory() !== true)
      throw new UsageError(`The folder of --events, ${folder}, does not exist`);
  }
  if (flags.report !== undefined) await reportFolder(flags.report);
  fitHeapToLiveState();
  const fixtureSet =
    flags.configFile === undefined
      ? namedFixtureSet(size, {
          seed,
          sites,
          slotsPerQueue,
          extensionSets: extensions.fixtureSets,
        })
      : await loadFixtureSet(flags.configFile);
  const clock: SimClock = virtual
    ? new VirtualClock(Date.parse(FIXTURE_REF_DATE))
    : new RealTimeClock();
  const target =
    flags.target === undefined
      ? await embeddedTarget({
          fixtureSet,
          clock,
          seed,
          transport,
          registry: extensions.registry,
        })
      : await remoteTarget(flags.target, io.env, flags.caBundle);
  const storage = await openStorageElements(target.config, { mode: storageMode });
  const events = flags.events === undefined ? undefined : createWriteStream(flags.events);
  const progress = simProgress(io, { bar: flags.progress === true || io.stderr.isTTY === true });
  const sampler =
    flags.report === undefined
      ? undefined
      : new SimSampler({
          ...(target.dbBytes === undefined ? {} : { dbBytes: target.dbBytes }),
          ...(target.timeStatements === undefined ? {} : { dbTime: target.timeStatements() }),
          memory: processMemory,
        });
  const sinks = [
    ...(events === undefined ? [] : [(line: string) => events.write(`${line}\n`)]),
    ...(sampler === undefined ? [] : [(line: string) => sampler.event(line)]),
  ];
  const startedAt = new Date().toISOString();
  let summary: SimSummary;
  let report: SimReport | undefined;
  try {
    summary = await runSimulation({
      service:
        sampler === undefined
          ? target.service
          : target.service.via(sampler.instrument(target.service.transport)),
      credentials: target.credentials,
      config: target.config,
      owners: target.owners,
      ...(target.runTag === undefined ? {} : { runTag: target.runTag }),
      // A box of its own serves this run alone, unless an extension's code runs in it.
      ownsServices: flags.target === undefined && extensions.extensions.length === 0,
      storage: storage.elements,
      clock,
      seed,
      jobs,
      ...(flags.workload === undefined ? {} : { workload: flags.workload }),
      timing: { ...DIRAC_TIMING, ...diracTiming, speedup },
      maxModelS: maxHours * 3600,
      faults: {
        ...(payloadFailure === undefined ? {} : { payloadFailure }),
        ...(nodeCrash === undefined ? {} : { nodeCrash }),
      },
      ...(sinks.length === 0
        ? {}
        : { sink: (line: string) => sinks.forEach((sink) => sink(line)) }),
      ...(sampler === undefined ? {} : { observer: sampler }),
      progress: progress.update,
    }).catch((error: unknown) => {
      throw target.failure?.() ?? error;
    });
    if (sampler !== undefined)
      report = {
        kind: 'sim',
        started_at: startedAt,
        inputs: {
          seed,
          jobs,
          fixtures: flags.target !== undefined ? null : (flags.configFile ?? size),
          target: flags.target ?? null,
          clock: clock.kind,
          transport: summary.transport,
          speedup,
          gridbox_version: packageJson.version,
        },
        interval_s: sampler.everyS,
        summary,
        ...(await sampler.finish()),
      };
  } finally {
    progress.stop();
    await new Promise<void>((resolve) => (events === undefined ? resolve() : events.end(resolve)));
    await storage.close();
    await target.close();
  }
  if (report !== undefined) {
    const written = await writeSimReport(report, flags.report!);
    io.stderr.write(`gridbox sim: report in ${written.html}\n`);
  }
  io.stdout.write(flags.json === true ? `${JSON.stringify(summary)}\n` : describe(summary));
  return summary.jobs.by_status.unfinished === undefined ? 0 : 1;
}

/**
 * The --report folder is created (as the reports of scenarios and bench are) but its parent
 * must exist, and it must not be a file: said before the run rather than after it.
 */
async function reportFolder(dir: string): Promise<void> {
  const path = resolve(dir);
  const found = await stat(path).catch(() => undefined);
  if (found !== undefined && !found.isDirectory())
    throw new UsageError(`--report ${dir} is a file; it must be a folder`);
  if (
    found === undefined &&
    (await stat(dirname(path)).catch(() => undefined))?.isDirectory() !== true
  )
    throw new UsageError(`The folder of --report, ${dirname(path)}, does not exist`);
}

function describe(summary: SimSummary): string {
  const rows = [
    ['jobs', `${summary.jobs.submitted} submitted`],
    ...Object.entries(summary.jobs.by_status).map(([status, n]) => [`  ${status}`, String(n)]),
    ['pilots', String(summary.pilots)],
    ['transfers', `${summary.transfers.count} (${summary.transfers.bytes} bytes)`],
    ['events', String(summary.events.total)],
    ['event log sha256', summary.event_log_sha256],
    [
      'simulated time',
      `${(summary.model_s / 3600).toFixed(1)} h (${summary.clock} clock, ${summary.transport})`,
    ],
    ['wall time', `${summary.wall_s} s (${summary.events_per_s} events/s)`],
  ];
  const width = Math.max(...rows.map(([k]) => k!.length));
  return `${rows.map(([k, v]) => `${k!.padEnd(width)}  ${v}`).join('\n')}\n`;
}

/** The process's memory for the report: with a box of its own, the box's as well. */
function processMemory(): ProcessMemory {
  const { rss, heapUsed } = process.memoryUsage();
  return { rssBytes: rss, heapUsedBytes: heapUsed };
}
