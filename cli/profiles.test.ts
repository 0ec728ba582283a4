import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { builtinRegistry } from '../services/index.ts';
import { openSql } from '../services/db/index.ts';
import { recordingIo } from './io.testkit.ts';
import { main } from './main.ts';
import type { ReadyLine } from './box.ts';

// `gridbox up --profile embedded|containers|external`: where the box's databases live.

const scratch = mkdtempSync(join(tmpdir(), 'gridbox-profiles-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const BIN = fileURLToPath(new URL('../bin/gridbox.js', import.meta.url));
const SQL_DBS = [...builtinRegistry.dbs.keys()];
const baseEnv = { GRIDBOX_CA_DIR: join(scratch, 'ca'), GRIDBOX_LOG_LEVEL: 'silent' };

async function up(args: string[], env: Record<string, string> = {}) {
  const t = recordingIo({ ...baseEnv, ...env });
  const code = await main(['up', '--port', '0', ...args], t.io);
  return { code, err: t.err() };
}

/** DiracX's variables with every SQL DB in one SQLite file. */
function sqliteDiracxEnv(): Record<string, string> {
  const file = join(scratch, `${crypto.randomUUID()}.db`);
  return Object.fromEntries(
    SQL_DBS.map((name) => [`DIRACX_DB_URL_${name.toUpperCase()}`, `sqlite+aiosqlite:///${file}`]),
  );
}

describe('gridbox up refuses a profile it cannot serve, in one sentence', () => {
  it.each([
    [
      'a --db-url with the containers profile',
      ['--profile', 'containers', '--db-url', 'sqlite:x.db'],
      {},
      'gridbox: --db-url is for the embedded profile; the containers profile starts its own SQL server.\n',
    ],
    [
      'the external profile without DiracX’s DB variables',
      ['--profile', 'external'],
      {},
      `gridbox: DIRACX_DB_URL_${SQL_DBS[0]!.toUpperCase()} is not set: give ${SQL_DBS[0]}'s database as mysql+aiomysql://user:password@host:3306/${SQL_DBS[0]}.\n`,
    ],
    [
      'the external profile without DiracX’s OpenSearch variable',
      ['--profile', 'external'],
      sqliteDiracxEnv(),
      'gridbox: DIRACX_OS_DB_JOBPARAMETERSDB is not set: give JobParametersDB\'s OpenSearch as DiracX does, e.g. {"hosts": "user:password@host:9200", "use_ssl": false}.\n',
    ],
    [
      'the external profile with a malformed OpenSearch variable',
      ['--profile', 'external'],
      { ...sqliteDiracxEnv(), DIRACX_OS_DB_JOBPARAMETERSDB: '{"hosts": ' },
      /^gridbox: DIRACX_OS_DB_JOBPARAMETERSDB .*\n$/,
    ],
  ])('%s', async (_name, args, env, message) => {
    const { code, err } = await up(args, env);
    expect(code).toBe(2);
    if (typeof message === 'string') expect(err).toBe(message);
    else expect(err).toMatch(message);
  });
});

const containers = inject('containers');

describe.skipIf(containers === undefined)('gridbox up on servers (needs TEST_CONTAINERS=1)', () => {
  it('refuses, in one sentence, a containers profile whose image cannot be had', async () => {
    const missing = 'gridbox-test/no-such-image:never';
    const { code, err } = await up([
      '--profile',
      'containers',
      '--mysql-image',
      missing,
      '--opensearch-image',
      missing,
    ]);
    expect(code).toBe(2);
    expect(err).toMatch(
      /^gridbox: An image of the containers profile cannot be pulled \(.+\); where no registry is reachable, run `gridbox images build` and pass --mysql-image local --opensearch-image local \(or set GRIDBOX_MYSQL_IMAGE=local and GRIDBOX_OPENSEARCH_IMAGE=local, which every command reads\)\.\n$/,
    );
  });
  it('serves from the databases and OpenSearch that DiracX’s variables name (external)', async () => {
    const prefix = `ext_${crypto.randomUUID().replaceAll('-', '').slice(0, 12)}_`;
    const env: Record<string, string> = {
      DIRACX_OS_DB_JOBPARAMETERSDB: JSON.stringify({
        hosts: containers!.openSearchUrl,
        use_ssl: false,
      }),
    };
    for (const name of SQL_DBS) {
      const url = new URL(containers!.mysqlUrl);
      url.pathname = `/${prefix}${name}`;
      env[`DIRACX_DB_URL_${name.toUpperCase()}`] = url
        .toString()
        .replace(/^mysql:/, 'mysql+aiomysql:');
    }
    const t = recordingIo({ ...baseEnv, ...env });
    const running = main(['up', '--port', '0', '--json', '--profile', 'external'], t.io);
    const ready = JSON.parse(
      await Promise.race([
        t.firstLine,
        running.then((code) => {
          throw new Error(`gridbox up ended with ${code}: ${t.err()}`);
        }),
      ]),
    ) as ReadyLine;
    try {
      expect(ready.profile).toBe('external');
      expect(ready.opensearch_url).toBe(containers!.openSearchUrl);
      expect((await fetch(`${ready.url}/api/health/ready`)).status).toBe(200);
      // Each DB in the database its variable names, as a DiracX on the same env file has them.
      const server = await openSql(containers!.mysqlUrl);
      try {
        const rows: { table_schema: string; table_name: string }[] = await server.kysely
          .selectFrom('information_schema.tables')
          .select(['table_schema', 'table_name'])
          .where('table_schema', 'like', `${prefix}%`)
          .execute();
        const tables = rows.map((row) => `${row.table_schema}.${row.table_name}`);
        expect(tables).toContain(`${prefix}JobDB.Jobs`);
        expect(tables).toContain(`${prefix}JobLoggingDB.LoggingInfo`);
        expect(tables).toContain(`${prefix}TaskQueueDB.tq_TaskQueues`);
      } finally {
        await server.close();
      }
    } finally {
      t.stop('SIGTERM');
      expect(await running).toBe(0);
    }
  }, 120_000);

  it('starts its own MariaDB and OpenSearch, tells DiracX’s variables, and removes them when stopped (containers)', async () => {
    const labelled = async () => {
      const { getContainerRuntimeClient } = await import('testcontainers');
      const all = await (await getContainerRuntimeClient()).container.list();
      return all.filter((c) => c.Labels['org.gridbox.server'] !== undefined).map((c) => c.Id);
    };
    const before = await labelled();
    const child = spawn(
      process.execPath,
      [BIN, 'up', '--json', '--port', '0', '--profile', 'containers'],
      {
        env: { ...process.env, ...baseEnv, GRIDBOX_LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes('\n')) resolve(out.slice(0, out.indexOf('\n')));
        });
        void exited.then((code) => reject(new Error(`gridbox up exited ${code}: ${stderr}`)));
      });
      const ready = JSON.parse(line) as ReadyLine;
      expect(ready.profile).toBe('containers');
      expect((await fetch(`${ready.url}/api/health/ready`)).status).toBe(200);
      expect(Object.keys(ready.diracx_env ?? {}).sort()).toEqual(
        [
          ...SQL_DBS.map((name) => `DIRACX_DB_URL_${name.toUpperCase()}`),
          'DIRACX_OS_DB_JOBPARAMETERSDB',
        ].sort(),
      );
      expect(ready.diracx_env!.DIRACX_DB_URL_JOBDB).toMatch(/^mysql\+aiomysql:\/\/root:.+\/JobDB$/);
      expect((await labelled()).filter((id) => !before.includes(id))).toHaveLength(2);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect((await labelled()).filter((id) => !before.includes(id))).toEqual([]);
  }, 400_000);
});
