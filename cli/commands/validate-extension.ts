import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import packageJson from '../../package.json' with { type: 'json' };
import { type FixtureSet, generateFixtures, loadFixtureSet } from '../../fixtures/index.ts';
import { type RunReport, junitXml, writeReports } from '../../reports/index.ts';
import {
  SCENARIOS,
  type Scenario,
  type ScenarioTarget,
  runScenario,
} from '../../scenarios/index.ts';
import { type Registry, buildApp, builtinRegistry } from '../../services/index.ts';
import {
  UsageError,
  parseSetting,
  snapshotOf,
  staticConfigSource,
} from '../../services/core/index.ts';
import {
  type ConformanceOutcome,
  authorizationOutcome,
  conformanceJunitSuites,
  conformancePassed,
  dbConformanceOutcome,
  describeConformance,
} from '../extension-conformance.ts';
import { loadExtensions } from '../extensions.ts';
import type { Io } from '../io.ts';
import { remoteScenarioTarget, scenarioBox } from '../scenario-target.ts';
import { httpTransport } from '../../client/index.ts';

export interface ValidateFlags {
  target?: string;
  configFile?: string;
  seed?: string;
  only?: string;
  junit?: string;
  report?: string;
  json?: boolean;
}

const TOKEN_MINUTES = 24 * 60;
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

/** What an extension changes in the API gridbox serves, from the two OpenAPI documents. */
export interface ApiChanges {
  added: string[];
  removed: string[];
  changed: string[];
  /** Registry entries the extensions put in place of gridbox's, and the ones they add. */
  replaced: string[];
  addedParts: string[];
}

/** What failed in a run: each failed check, and each step that threw without a check. */
function failures(report: RunReport): string[] {
  return [
    ...report.assertions.filter((a) => !a.passed).map((a) => `${a.name}: ${a.message}`),
    ...report.steps
      .filter(
        (s) =>
          s.status === 'failed' && !report.assertions.some((a) => !a.passed && a.step === s.title),
      )
      .map((s) => `step "${s.title}" failed: ${s.message ?? ''}`),
  ];
}

interface ScenarioOutcome {
  name: string;
  origin: 'library' | 'extension';
  status: RunReport['status'];
  checks: number;
  failed: string[];
  /** Library scenarios: whether the event log is the one gridbox alone gives. */
  same_as_gridbox?: boolean;
  /** Against a --target: steps the server could not offer (identities, restart). */
  skipped_steps?: number;
}

/**
 * `gridbox validate-extension PATH…`: boots the box with the extensions, runs the scenario
 * library and the extensions' own scenarios against it in virtual time, compares each
 * library run's event log with gridbox alone, runs the authorization matrix on both boxes
 * and the DB conformance kit of each DB the extensions replace, and reports what the
 * extensions change in the API (routes added, removed or changed, parts replaced, policy
 * decisions). Exit 0 when every scenario and check passed, 1 otherwise; loading and
 * start-up problems are usage errors (2).
 */
export async function validateExtension(
  specs: readonly string[],
  flags: ValidateFlags,
  io: Io,
): Promise<number> {
  if (flags.target !== undefined) {
    if (specs.length > 0)
      throw new UsageError(
        'With --target the extension is the one installed in that server; name no extension folder',
      );
    return validateTarget(flags.target, flags, io);
  }
  if (specs.length === 0)
    throw new UsageError('Name an extension folder or package, or a --target');
  const loaded = await loadExtensions(specs);
  const seed = flags.seed === undefined ? 1 : parseSetting('seed', flags.seed, '--seed');
  const fixtureSet: FixtureSet =
    flags.configFile === undefined
      ? generateFixtures({ seed, size: 'small' })
      : await loadFixtureSet(flags.configFile);
  const only = onlyNames(flags);
  for (const name of only ?? [])
    if (!SCENARIOS.has(name) && !loaded.scenarios.has(name))
      throw new UsageError(`No scenario named "${name}" in the library or the extensions`);
  if (flags.junit !== undefined) await mkdir(dirname(resolve(flags.junit)), { recursive: true });

  const api = await apiChanges(loaded.registry, fixtureSet, loaded.extensions);
  io.stderr.write('gridbox validate-extension: authorization matrix, gridbox alone and extended\n');
  const authorization = await authorizationOutcome(loaded.registry, fixtureSet);
  io.stderr.write('gridbox validate-extension: DB conformance of the replaced DBs\n');
  const conformance: ConformanceOutcome = {
    authorization,
    db_conformance: await dbConformanceOutcome(loaded.registry),
  };
  const chosen = (name: string) => only === undefined || only.includes(name);
  const runs: (readonly [Scenario, 'library' | 'extension'])[] = [
    ...[...SCENARIOS.values()].filter((s) => chosen(s.name)).map((s) => [s, 'library'] as const),
    ...[...loaded.scenarios.values()]
      .filter((s) => chosen(s.name))
      .map((s) => [s, 'extension'] as const),
  ];
  const outcomes: ScenarioOutcome[] = [];
  const reports: RunReport[] = [];
  for (const [index, [scenario, origin]] of runs.entries()) {
    io.stderr.write(`gridbox validate-extension: [${index + 1}/${runs.length}] ${scenario.name}\n`);
    const report = await run(scenario, seed, fixtureSet, loaded.registry);
    reports.push(report);
    const baseline =
      origin === 'library' ? await run(scenario, seed, fixtureSet, builtinRegistry) : undefined;
    outcomes.push({
      name: scenario.name,
      origin,
      status: report.status,
      checks: report.assertions.length,
      failed: failures(report),
      ...(baseline === undefined
        ? {}
        : { same_as_gridbox: baseline.event_log.sha256 === report.event_log.sha256 }),
    });
    if (flags.report !== undefined)
      await writeReports(report, { dir: join(flags.report, scenario.name) });
  }

  return finish(
    loaded.extensions.map((e) => e.name),
    api,
    outcomes,
    reports,
    flags,
    io,
    conformance,
  );
}

async function run(
  scenario: Scenario,
  seed: number,
  fixtureSet: ReturnType<typeof generateFixtures>,
  registry: Registry,
): Promise<RunReport> {
  const target = await scenarioBox({
    fixtureSet,
    seed,
    virtual: true,
    accessTokenMinutes: scenario.accessTokenMinutes ?? TOKEN_MINUTES,
    registry,
  });
  return runOn(scenario, seed, target);
}

async function openApiOf(registry: Registry, fixtureSet: ReturnType<typeof generateFixtures>) {
  const app = await buildApp({
    configSource: staticConfigSource(
      snapshotOf(fixtureSet.config, Date.parse(fixtureSet.meta.refDate)),
    ),
    registry,
  });
  try {
    return (await app.inject('/api/openapi.json')).json() as {
      paths: Record<string, Record<string, unknown>>;
    };
  } finally {
    await app.close();
  }
}

function operations(document: { paths: Record<string, Record<string, unknown>> }) {
  const found = new Map<string, string>();
  for (const [path, item] of Object.entries(document.paths))
    for (const method of METHODS)
      if (item[method] !== undefined)
        found.set(`${method.toUpperCase()} ${path}`, JSON.stringify(item[method]));
  return found;
}

async function apiChanges(
  registry: Registry,
  fixtureSet: ReturnType<typeof generateFixtures>,
  extensions: Awaited<ReturnType<typeof loadExtensions>>['extensions'],
): Promise<ApiChanges> {
  const before = operations(await openApiOf(builtinRegistry, fixtureSet));
  const after = operations(await openApiOf(registry, fixtureSet));
  const replaced: string[] = [];
  const addedParts: string[] = [];
  for (const extension of extensions)
    for (const [kind, entries] of Object.entries(extension.entries)) {
      const builtin =
        kind === 'dbs'
          ? new Set([...builtinRegistry.dbs.keys(), ...builtinRegistry.storeDbs.keys()])
          : kind === 'routers'
            ? new Set(builtinRegistry.routers.keys())
            : kind === 'policies'
              ? new Set(builtinRegistry.policies.keys())
              : new Set<string>();
      for (const entry of entries)
        (builtin.has(entry.name) ? replaced : addedParts).push(
          `${kind.replace(/s$/, '').replace(/ie$/, 'y')} ${entry.name} (${extension.name})`,
        );
    }
  return {
    ...diffOperations(before, after),
    replaced: replaced.sort(),
    addedParts: addedParts.sort(),
  };
}

/** One JUnit document with each scenario's test suite, then the conformance checks'. */
function combinedJunit(
  reports: readonly RunReport[],
  conformance: ConformanceOutcome | undefined,
): string {
  const suites = reports.map((report) => {
    const xml = junitXml(report);
    const start = xml.indexOf('<testsuite ');
    const end = xml.lastIndexOf('</testsuites>');
    return xml.slice(start, end).trimEnd();
  });
  if (conformance !== undefined) suites.push(conformanceJunitSuites(conformance));
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="gridbox validate-extension">\n${suites.join('\n')}\n</testsuites>\n`;
}

function describe(
  summary: {
    extensions: string[];
    status: string;
    api: ApiChanges;
    scenarios: ScenarioOutcome[];
  },
  conformance: ConformanceOutcome | undefined,
): string {
  const list = (title: string, items: string[]) =>
    items.length === 0 ? [] : [`  ${title}:`, ...items.map((item) => `    ${item}`)];
  const lines = [
    `${summary.extensions.join(', ')}: ${summary.status.toUpperCase()}`,
    ...list('parts put in place of gridbox’s', summary.api.replaced),
    ...list('parts added', summary.api.addedParts),
    ...list('routes added', summary.api.added),
    ...list('routes removed', summary.api.removed),
    ...list('routes whose OpenAPI description changed', summary.api.changed),
    ...(conformance === undefined ? [] : describeConformance(conformance)),
    '  scenarios:',
    ...summary.scenarios.map(
      (s) =>
        `    ${s.status === 'passed' ? 'ok  ' : 'FAIL'} ${s.name} (${s.origin}, ${s.checks} checks${
          s.same_as_gridbox === undefined
            ? ''
            : s.same_as_gridbox
              ? ', same event log as gridbox alone'
              : ', behaviour differs from gridbox alone'
        }${s.skipped_steps ? `, ${s.skipped_steps} steps skipped` : ''})${s.failed.map((f) => `\n         ${f}`).join('')}`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}

/**
 * A DiracX with its (Python) extension installed, at a URL: the library's scenarios run
 * against it in real time with one administrator token (DIRACX_TOKEN or DiracX's credentials
 * file), gridbox providing fixtures, the simulated grid and the report. Steps needing several
 * identities or a restart are skipped (so `multi-vo-isolation`, `token-expiry` and
 * `service-restart` check only part of their story). The API's differences are the server's
 * OpenAPI document against gridbox's own.
 */
async function validateTarget(url: string, flags: ValidateFlags, io: Io): Promise<number> {
  const seed = flags.seed === undefined ? 1 : parseSetting('seed', flags.seed, '--seed');
  const fixtureSet = generateFixtures({ seed, size: 'small' });
  const only = onlyNames(flags);
  for (const name of only ?? [])
    if (!SCENARIOS.has(name)) throw new UsageError(`No scenario named "${name}" in the library`);
  if (flags.junit !== undefined) await mkdir(dirname(resolve(flags.junit)), { recursive: true });

  const response = await httpTransport(url)
    .request({ method: 'GET', path: '/api/openapi.json' })
    .catch((error: unknown) => {
      throw new UsageError(`Cannot reach ${url}: ${(error as Error).message}`);
    });
  if (response.status !== 200)
    throw new UsageError(`${url}/api/openapi.json answered ${response.status}: is it a DiracX?`);
  const theirs = operations(JSON.parse(response.body.toString('utf8')));
  const ours = operations(await openApiOf(builtinRegistry, fixtureSet));
  // Described otherwise is expected of another implementation: only presence is compared.
  const { added, removed } = diffOperations(ours, theirs);
  const api: ApiChanges = { added, removed, changed: [], replaced: [], addedParts: [] };

  const runs = [...SCENARIOS.values()].filter((s) => only === undefined || only.includes(s.name));
  const outcomes: ScenarioOutcome[] = [];
  const reports: RunReport[] = [];
  for (const [index, scenario] of runs.entries()) {
    io.stderr.write(`gridbox validate-extension: [${index + 1}/${runs.length}] ${scenario.name}\n`);
    const report = await runOn(scenario, seed, await remoteScenarioTarget(url, fixtureSet, io.env));
    reports.push(report);
    outcomes.push({
      name: scenario.name,
      origin: 'library',
      status: report.status,
      checks: report.assertions.length,
      failed: failures(report),
      skipped_steps: report.steps.filter((s) => s.status === 'skipped').length,
    });
    if (flags.report !== undefined)
      await writeReports(report, { dir: join(flags.report, scenario.name) });
  }
  return finish([url], api, outcomes, reports, flags, io);
}

/** The outcome of a validation: written where asked, printed, and its exit code. */
async function finish(
  extensions: string[],
  api: ApiChanges,
  outcomes: ScenarioOutcome[],
  reports: RunReport[],
  flags: ValidateFlags,
  io: Io,
  conformance?: ConformanceOutcome,
): Promise<number> {
  const passed =
    outcomes.every((o) => o.status === 'passed') &&
    (conformance === undefined || conformancePassed(conformance));
  const summary = {
    extensions,
    status: passed ? 'passed' : 'failed',
    api,
    ...conformance,
    scenarios: outcomes,
  };
  if (flags.report !== undefined) {
    await mkdir(flags.report, { recursive: true });
    await writeFile(join(flags.report, 'validation.json'), `${JSON.stringify(summary, null, 2)}\n`);
  }
  if (flags.junit !== undefined) await writeFile(flags.junit, combinedJunit(reports, conformance));
  io.stdout.write(
    flags.json === true ? `${JSON.stringify(summary)}\n` : describe(summary, conformance),
  );
  return passed ? 0 : 1;
}

/** The scenario names of --only, or undefined for all. */
function onlyNames(flags: ValidateFlags): string[] | undefined {
  return flags.only
    ?.split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
}

/** Runs a scenario against a target and closes the target. */
async function runOn(scenario: Scenario, seed: number, target: ScenarioTarget): Promise<RunReport> {
  try {
    return await runScenario(scenario, {
      target,
      seed,
      fixtures: 'small',
      version: packageJson.version,
      startedAt: new Date().toISOString(),
    });
  } finally {
    await target.close();
  }
}

/** Operations of `after` that `before` lacks, the reverse, and those described otherwise. */
function diffOperations(before: Map<string, string>, after: Map<string, string>) {
  const sorted = (items: Iterable<string>) => [...items].sort();
  return {
    added: sorted([...after.keys()].filter((op) => !before.has(op))),
    removed: sorted([...before.keys()].filter((op) => !after.has(op))),
    changed: sorted(
      [...after.keys()].filter((op) => before.has(op) && before.get(op) !== after.get(op)),
    ),
  };
}
