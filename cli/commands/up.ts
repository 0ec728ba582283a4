import { FIXTURE_SIZE_NAMES } from '../../fixtures/index.ts';
import { parseSettings, type SettingKey } from '../../services/core/index.ts';
import { boxFixtures } from '../box-fixtures.ts';
import { type ReadyLine, startBox } from '../box.ts';
import type { Io } from '../io.ts';
import { loadExtensions } from '../extensions.ts';
import { createLogger } from '../logger.ts';
import type { StartupProgress } from '../startup-progress.ts';

export interface UpFlags extends Partial<Record<SettingKey, string | boolean>> {
  json?: boolean;
}

/**
 * `gridbox up`: start the box, print the ready line, serve until SIGINT/SIGTERM, then stop
 * everything that was started and return 0.
 */
export async function up(
  { json = false, ...settingFlags }: UpFlags,
  io: Io,
  progress?: StartupProgress,
): Promise<number> {
  const startedMs = performance.now();
  const stopRequested = io.waitForStop();
  const settings = parseSettings({ flags: settingFlags, env: io.env });
  const logger = await createLogger(settings.logLevel, io);
  progress?.phase(
    settings.configFile === '' ? 'generating the fixtures' : `reading ${settings.configFile}`,
  );
  // Before the fixtures: an extension may provide the set --fixtures names.
  const extensions = await loadExtensions(settings.extension);
  const { fixtureSet, modifiedMs } = await boxFixtures(settings, extensions.fixtureSets);

  const box = await startBox({
    settings,
    extensions,
    fixtureSet,
    modifiedMs,
    logger,
    env: io.env,
    ...(progress === undefined ? {} : { onPhase: progress.phase }),
  });
  progress?.done();
  logger.info(
    { url: box.url, bootMs: Math.round(performance.now() - startedMs) },
    'gridbox is ready',
  );
  io.stdout.write(
    json || !io.stdoutIsTTY ? `${JSON.stringify(box.readyLine)}\n` : humanReadyText(box.readyLine),
  );

  const signal = await stopRequested;
  logger.info({ signal }, 'stopping');
  await box.close();
  return 0;
}

function humanReadyText(ready: ReadyLine): string {
  const width = Math.max(...ready.users.map((u) => u.username.length), 'user'.length);
  const users = ready.users.map(
    (u) => `  ${u.username.padEnd(width)}  ${u.password}  ${u.vo}  ${u.groups.join(',')}`,
  );
  return [
    `gridbox is up at ${ready.url}`,
    `  API docs  ${ready.docs_url}`,
    `  OpenAPI   ${ready.openapi_url}`,
    `  IdP       ${ready.idp_url}`,
    `  database  ${ready.db_url}${ready.profile === 'embedded' ? '' : ` (${ready.profile} profile)`}`,
    ...(ready.opensearch_url === null ? [] : [`  OpenSearch ${ready.opensearch_url}`]),
    ...(ready.diracx_env === undefined
      ? []
      : ['  A DiracX on the same databases: the `diracx_env` variables of `gridbox up --json`']),
    ...(ready.ca_bundle === null ? [] : [`  CA        ${ready.ca_bundle}`]),
    '',
    `${ready.users.length} users (username, password, VO, groups):`,
    ...users,
    '',
    'A token for one of them (printed, and stored for DiracX clients):',
    `  ${tokenCommand(ready)}`,
    '  or, with the ready line saved by `gridbox up --json > box.json`:',
    `  gridbox token --box box.json --user ${ready.users[0]?.username ?? 'NAME'}`,
    '',
    'Press Ctrl-C to stop.',
    '',
  ].join('\n');
}

/** The `gridbox token` command that finds this box's users: the same seed, size or file. */
function tokenCommand(ready: ReadyLine): string {
  const args = [
    'gridbox token',
    `--url ${ready.url}`,
    `--user ${ready.users[0]?.username ?? 'NAME'}`,
  ];
  const defaults = parseSettings({ flags: {}, env: {} });
  if ((FIXTURE_SIZE_NAMES as readonly string[]).includes(ready.fixtures)) {
    if (ready.seed !== defaults.seed) args.push(`--seed ${ready.seed}`);
    if (ready.fixtures !== defaults.fixtures) args.push(`--fixtures ${ready.fixtures}`);
  } else if (ready.fixtures.includes('/') || /\.(ya?ml|json)$/i.test(ready.fixtures))
    args.push(`--config-file ${ready.fixtures}`);
  // An extension's fixture set: only the saved ready line (`--box`, below) finds its users.
  else return `gridbox token --box box.json --user ${ready.users[0]?.username ?? 'NAME'}`;
  if (ready.ca_bundle !== null) args.push(`--ca-bundle ${ready.ca_bundle}`);
  return args.join(' ');
}
