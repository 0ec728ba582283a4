import { createHash, randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import packageJson from '../../package.json' with { type: 'json' };
import { type RunReport, writeReports } from '../../reports/index.ts';
import {
  SCENARIOS,
  type Scenario,
  type ScenarioTarget,
  runScenario,
} from '../../scenarios/index.ts';
import { type SettingKey, UsageError, parseSettings } from '../../services/core/index.ts';
import { boxFixtures } from '../box-fixtures.ts';
import { loadExtensions } from '../extensions.ts';
import { type StartedBox, startBox } from '../box.ts';
import type { Io } from '../io.ts';
import { createLogger } from '../logger.ts';
import { startedBoxScenarioTarget } from '../scenario-target.ts';
import { describe, progressDisplay } from './scenario.ts';
import { DEFAULT_DEMO_REPORT_DIR } from '../defaults.ts';

export interface DemoFlags extends Partial<Record<SettingKey, string | boolean>> {
  once?: boolean;
  report?: string;
}

const DEFAULT_URL = 'http://127.0.0.1:8000';

/**
 * `gridbox demo` (what `npm start` runs):
 * 1. start the box exactly as `gridbox up` does, with a legacy-exchange key made for this
 *    run (never printed) so that the scenario can log the fixture users in;
 * 2. run the `smoke` scenario against it over HTTP, with the progress display;
 * 3. write the JSON and HTML reports and print the outcome;
 * 4. with --once, stop and return 0 if smoke passed, 1 if not; otherwise print the box's
 *    URLs and how to log in, and serve until SIGINT/SIGTERM, then stop and return 0.
 */
export async function demo(
  { once = false, report = DEFAULT_DEMO_REPORT_DIR, ...settingFlags }: DemoFlags,
  io: Io,
): Promise<number> {
  const stopRequested = io.waitForStop();
  let stopSignal: string | undefined;
  void stopRequested.then((signal) => (stopSignal = signal));
  const apiKey = randomBytes(32).toString('base64url');
  const settings = {
    ...parseSettings({
      // The box's request logs would bury the progress display; a flag or variable still wins.
      flags: {
        logLevel: io.env.GRIDBOX_LOG_LEVEL === undefined ? 'warn' : undefined,
        ...settingFlags,
      },
      env: io.env,
    }),
    legacyExchangeHashedApiKey: createHash('sha256')
      .update(Buffer.from(apiKey, 'base64url'))
      .digest('hex'),
  };
  if (settings.tls)
    throw new UsageError(
      'gridbox demo serves plain HTTP; for HTTPS start the box with gridbox up --tls',
    );
  const logger = await createLogger(settings.logLevel, io);
  const extensions = await loadExtensions(settings.extension);
  const { fixtureSet, modifiedMs } = await boxFixtures(settings, extensions.fixtureSets);
  const box = await startBox({ settings, extensions, fixtureSet, modifiedMs, logger });
  try {
    const smoke = SCENARIOS.get('smoke');
    if (smoke === undefined) throw new Error('the scenario library has no smoke scenario');
    io.stderr.write(`gridbox is up at ${box.url}; running the smoke scenario against it…\n`);
    const target = await startedBoxScenarioTarget(box.url, fixtureSet, apiKey);
    const display = progressDisplay(io, smoke.name);
    let result: RunReport;
    try {
      result = await runSmoke(smoke, target, settings, display);
    } finally {
      display.done();
      await target.close();
    }
    const written = await writeReports(result, { dir: resolve(report) });
    io.stdout.write(describe(result, written));
    const passed = result.status === 'passed';
    if (once) return passed ? 0 : 1;
    if (stopSignal !== undefined) return 0;
    io.stdout.write(servingText(box, settings.seed, written.html));
    await stopRequested;
    return 0;
  } finally {
    await box.close();
  }
}

function runSmoke(
  smoke: Scenario,
  target: ScenarioTarget,
  settings: { seed: number; fixtures: string; configFile: string },
  display: ReturnType<typeof progressDisplay>,
): Promise<RunReport> {
  return runScenario(smoke, {
    target,
    seed: settings.seed,
    fixtures: settings.configFile || settings.fixtures,
    version: packageJson.version,
    startedAt: new Date().toISOString(),
    progress: display.step,
    tick: display.tick,
  });
}

/** The box's addresses and how a person logs in, after the report. */
function servingText(box: StartedBox, seed: number, html: string | undefined): string {
  const ready = box.readyLine;
  const user = ready.users[0];
  const extra = [
    ...(box.url === DEFAULT_URL ? [] : [`--url ${box.url}`]),
    ...(seed === 1 ? [] : [`--seed ${seed}`]),
  ].join(' ');
  const flags = extra === '' ? '' : ` ${extra}`;
  return [
    '',
    ...(html === undefined ? [] : [`Open the report: ${html}`, '']),
    'The box keeps serving for exploration (Ctrl-C stops it):',
    `  API            ${box.url}`,
    `  API docs       ${ready.docs_url}`,
    `  OpenAPI        ${ready.openapi_url}`,
    `  OpenID config  ${box.url}/.well-known/openid-configuration`,
    `  OpenID issuer  ${ready.idp_url} (the box's identity provider, where users sign in)`,
    '',
    ...(user === undefined
      ? []
      : [
          `Log in as a fixture user, e.g. ${user.username} (password ${user.password}, VO ${user.vo}, groups ${user.groups.join(',')}):`,
          `  npx gridbox token --user ${user.username}${flags}   # prints an access token`,
          `  npx gridbox login --vo ${user.vo}${extra.includes('--url') ? ` --url ${box.url}` : ''}   # the device flow: sign in at the IdP with that password`,
          `  every user and password: npx gridbox fixtures generate${seed === 1 ? '' : ` --seed ${seed}`}`,
        ]),
    '',
  ].join('\n');
}
