import { parseSettings, type SettingKey } from '../../services/core/index.ts';
import { boxFixtures } from '../box-fixtures.ts';
import { type ReadyLine, startBox } from '../box.ts';
import type { Io } from '../io.ts';
import { createLogger } from '../logger.ts';

export interface UpFlags extends Partial<Record<SettingKey, string | boolean>> {
  json?: boolean;
}

/**
 * `gridbox up`: start the box, print the ready line, serve until SIGINT/SIGTERM, then stop
 * everything that was started and return 0.
 */
export async function up({ json = false, ...settingFlags }: UpFlags, io: Io): Promise<number> {
  const startedMs = performance.now();
  const stopRequested = io.waitForStop();
  const settings = parseSettings({ flags: settingFlags, env: io.env });
  const logger = await createLogger(settings.logLevel, io);
  const { fixtureSet, modifiedMs } = await boxFixtures(settings);

  const box = await startBox({ settings, fixtureSet, modifiedMs, logger });
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
    `  database  ${ready.db_url}`,
    ...(ready.ca_bundle === null ? [] : [`  CA        ${ready.ca_bundle}`]),
    '',
    `${ready.users.length} users (username, password, VO, groups):`,
    ...users,
    '',
    'Press Ctrl-C to stop.',
    '',
  ].join('\n');
}
