import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, inject } from 'vitest';
import { openSql } from './index.ts';

// Test support, imported by the DB conformance suites only.

const scratch = mkdtempSync(join(tmpdir(), 'gridbox-db-'));
const mysqlDatabases: string[] = [];
/**
 * The MySQL/MariaDB server of the run, as a root-capable URL: a developer's (TEST_MYSQL_URL), or
 * the test run's container (TEST_CONTAINERS=1); undefined without either.
 */
export const mysqlServerUrl = process.env.TEST_MYSQL_URL ?? inject('containers')?.mysqlUrl;
const mysqlUrl = mysqlServerUrl;

/**
 * Every backend the conformance suite runs on, each giving a fresh, empty database per call.
 * MySQL/MariaDB runs where a server is provided: TEST_MYSQL_URL, or the containers of the
 * test run's global setup (tests/containers.global-setup.ts).
 */
export const sqlBackends: [string, () => Promise<string>][] = [
  ['SQLite in memory', () => Promise.resolve('sqlite::memory:')],
  [
    'SQLite in a file',
    () => Promise.resolve(`sqlite:${join(scratch, `${crypto.randomUUID()}.db`)}`),
  ],
];
if (mysqlUrl !== undefined) sqlBackends.push(['MySQL/MariaDB', () => freshMysqlDatabase(mysqlUrl)]);

/** A new, empty database on the server at `serverUrl`, dropped when the file's tests end. */
export async function freshMysqlDatabase(serverUrl: string): Promise<string> {
  const name = `gridbox_test_${crypto.randomUUID().replaceAll('-', '')}`;
  const admin = await openSql(serverUrl);
  await sql`create database ${sql.id(name)}`.execute(admin.kysely);
  await admin.close();
  mysqlDatabases.push(name);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
afterAll(async () => {
  if (mysqlUrl === undefined) return;
  const admin = await openSql(mysqlUrl);
  for (const name of mysqlDatabases.splice(0))
    await sql`drop database ${sql.id(name)}`.execute(admin.kysely);
  await admin.close();
});

afterAll(() => rmSync(scratch, { recursive: true, force: true }));
