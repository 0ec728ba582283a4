import { createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import packageJson from '../../package.json' with { type: 'json' };
import { namedFixtureSet } from '../../fixtures/index.ts';
import { type RunReport, type WrittenReports, writeReports } from '../../reports/index.ts';
import { SCENARIOS, type Scenario, type StepProgress, runScenario } from '../../scenarios/index.ts';
import { UsageError, parseSetting } from '../../services/core/index.ts';
import { loadExtensions } from '../extensions.ts';
import type { Io } from '../io.ts';
import { remoteScenarioTarget, scenarioBox } from '../scenario-target.ts';

export interface ScenarioRunFlags {
  target?: string;
  /** Extensions loaded into the run's own box; their scenarios are found by name. */
  extension?: string[];
  seed?: string;
  fixtures?: string;
  virtual?: boolean;
  junit?: string;
  report?: string;
  events?: string;
  json?: boolean;
}

/** A day-long token: a scenario's users keep theirs unless the scenario says otherwise. */
const DEFAULT_TOKEN_MINUTES = 24 * 60;

/** `gridbox scenario list`: the library, one scenario a line (or JSON). */
export async function scenarioList(flags: { json?: boolean }, io: Io): Promise<number> {
  const rows = [...SCENARIOS.values()].map((s) => ({
    name: s.name,
    steps: s.steps.length,
    description: s.description,
  }));
  if (flags.json === true) {
    io.stdout.write(`${JSON.stringify(rows)}\n`);
    return 0;
  }
  const width = Math.max(...rows.map((r) => r.name.length));
  io.stdout.write(rows.map((r) => `${r.name.padEnd(width)}  ${r.description}\n`).join(''));
  return 0;
}

/**
 * `gridbox scenario run NAME`: drives a box of its own (real time over loopback HTTP, or
 * virtual time in process with --virtual) or a --target server through the scenario's
 * steps, writes the reports asked for, and exits 0 when every check held, 1 otherwise.
 */
export async function scenarioRun(name: string, flags: ScenarioRunFlags, io: Io): Promise<number> {
  const extensions = await loadExtensions(flags.extension ?? []);
  const scenario = extensions.scenarios.get(name) ?? (await findScenario(name));
  if (flags.virtual === true && flags.target !== undefined)
    throw new UsageError(
      '--virtual runs its own box in process; it cannot drive a --target server',
    );
  const seed = flags.seed === undefined ? 1 : parseSetting('seed', flags.seed, '--seed');
  const size =
    flags.fixtures === undefined ? 'small' : parseSetting('fixtures', flags.fixtures, '--fixtures');
  for (const [flag, file] of [
    ['--junit', flags.junit],
    ['--events', flags.events],
  ] as const)
    if (file !== undefined) await existingFolder(dirname(resolve(file)), flag);

  const fixtureSet = namedFixtureSet(size, { seed, extensionSets: extensions.fixtureSets });
  const target =
    flags.target === undefined
      ? await scenarioBox({
          fixtureSet,
          seed,
          virtual: flags.virtual === true,
          accessTokenMinutes: scenario.accessTokenMinutes ?? DEFAULT_TOKEN_MINUTES,
          registry: extensions.registry,
        })
      : await remoteScenarioTarget(flags.target, fixtureSet, io.env);
  const events = flags.events === undefined ? undefined : createWriteStream(flags.events);
  const display = progressDisplay(io, scenario.name);
  let report: RunReport;
  try {
    report = await runScenario(scenario, {
      target,
      seed,
      fixtures: size,
      version: packageJson.version,
      startedAt: new Date().toISOString(),
      progress: display.step,
      tick: display.tick,
      ...(events === undefined ? {} : { sink: (line: string) => events.write(`${line}\n`) }),
    });
  } finally {
    display.done();
    await new Promise<void>((done) => (events === undefined ? done() : events.end(done)));
    await target.close();
  }
  const written = await writeReports(report, {
    ...(flags.report === undefined ? {} : { dir: flags.report }),
    ...(flags.junit === undefined ? {} : { junit: flags.junit }),
  });
  io.stdout.write(
    flags.json === true
      ? `${JSON.stringify(summary(report, written))}\n`
      : describe(report, written),
  );
  return report.status === 'passed' ? 0 : 1;
}

/** A scenario of the library by name, or the default export of a module (a path). */
async function findScenario(name: string): Promise<Scenario> {
  if (!/[/\\]|\.[cm]?[jt]s$/.test(name)) {
    const scenario = SCENARIOS.get(name);
    if (scenario === undefined)
      throw new UsageError(
        `No scenario named "${name}"; the library has ${[...SCENARIOS.keys()].join(', ')}`,
      );
    return scenario;
  }
  const path = resolve(name);
  if ((await stat(path).catch(() => undefined))?.isFile() !== true)
    throw new UsageError(`No scenario file ${path}`);
  let module: { default?: unknown; scenario?: unknown };
  try {
    module = (await import(pathToFileURL(path).href)) as typeof module;
  } catch (error) {
    throw new UsageError(`Cannot load the scenario file ${path}: ${(error as Error).message}`);
  }
  const scenario = (module.default ?? module.scenario) as Partial<Scenario> | undefined;
  const valid =
    typeof scenario?.name === 'string' &&
    Array.isArray(scenario.steps) &&
    scenario.steps.every(
      (step) => typeof step?.run === 'function' && typeof step.title === 'string',
    );
  if (!valid)
    throw new UsageError(
      `${path} does not export a scenario (a default export with a name and steps made by scenarios/steps)`,
    );
  return { description: '', ...scenario } as Scenario;
}

async function existingFolder(path: string, flag: string): Promise<void> {
  const found = await stat(path).catch(() => undefined);
  if (found?.isDirectory() !== true)
    throw new UsageError(`The folder of ${flag}, ${path}, does not exist`);
}

function summary(report: RunReport, written: WrittenReports) {
  return {
    name: report.name,
    status: report.status,
    seed: report.inputs.seed,
    target: report.inputs.target,
    checks: report.assertions.length,
    failed: report.assertions.filter((a) => !a.passed).map((a) => `${a.name}: ${a.message}`),
    steps_failed: report.steps.filter((s) => s.status === 'failed').map((s) => s.title),
    steps_skipped: report.steps.filter((s) => s.status === 'skipped').length,
    event_log_sha256: report.event_log.sha256,
    wall_s: report.wall_s,
    model_s: report.model_s,
    reports: written,
  };
}

export function describe(report: RunReport, written: WrittenReports): string {
  const lines = [
    `${report.name}: ${report.status.toUpperCase()} — ${report.assertions.filter((a) => a.passed).length}/${report.assertions.length} checks held`,
    ...report.assertions.map((a) => `  ${a.passed ? 'ok  ' : 'FAIL'} ${a.name} — ${a.message}`),
    ...report.steps
      .filter((s) => s.status !== 'passed')
      .map(
        (s) => `  step ${s.status}: ${s.title}${s.message === undefined ? '' : ` — ${s.message}`}`,
      ),
    `  seed ${report.inputs.seed}, ${report.inputs.clock} clock, ${(report.model_s / 3600).toFixed(1)} h simulated in ${report.wall_s} s, event log ${report.event_log.sha256}`,
    ...Object.entries(written).map(([kind, path]) => `  ${kind} report: ${path}`),
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * Progress on stderr: on a terminal, one line redrawn with the step and the jobs ended; in
 * CI, one plain line per step as it ends.
 */
export function progressDisplay(io: Io, name: string) {
  const tty = io.stderr.isTTY === true;
  let current = '';
  let lastDraw = 0;
  const draw = (text: string) => {
    if (tty) io.stderr.write(`\r\x1b[2K${text.slice(0, 160)}`);
  };
  return {
    step: (p: StepProgress) => {
      const head = `gridbox scenario ${name}: [${p.index + 1}/${p.total}]`;
      if (p.state === 'started') {
        current = `${head} ${p.title}`;
        draw(current);
        return;
      }
      const line = `${head} ${p.state === 'passed' ? 'ok' : p.state} — ${p.title}${p.message === undefined ? '' : `: ${p.message}`}`;
      if (tty) {
        if (p.state !== 'passed') io.stderr.write(`\r\x1b[2K${line}\n`);
      } else io.stderr.write(`${line}\n`);
    },
    tick: (jobs: { ended: number; total: number }, modelS: number) => {
      if (!tty) return;
      const now = performance.now();
      if (now - lastDraw < 100) return;
      lastDraw = now;
      draw(
        `${current} — ${jobs.ended}/${jobs.total} jobs ended, ${(modelS / 3600).toFixed(1)} h simulated`,
      );
    },
    done: () => {
      if (tty) io.stderr.write('\r\x1b[2K');
    },
  };
}
