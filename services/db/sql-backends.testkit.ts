import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll } from 'vitest';
import { openSql } from './index.ts';

// Test support, imported by the DB conformance suites only.

const scratch = mkdtempSync(join(tmpdir(), 'gridbox-db-'));
const mysqlDatabases: string[] = [];
const mysqlUrl = process.env.TEST_MYSQL_URL;

/**
 * Every backend the conformance suite runs on, each giving a fresh, empty database per call.
 * MySQL/MariaDB runs where a server is provided (.ci/run starts one).
 */
export const sqlBackends: [string, () => Promise<string>][] = [
  ['SQLite in memory', () => Promise.resolve('sqlite::memory:')],
  [
    'SQLite in a file',
    () => Promise.resolve(`sqlite:${join(scratch, `${crypto.randomUUID()}.db`)}`),
  ],
];
if (mysqlUrl !== undefined) sqlBackends.push(['MySQL/MariaDB', () => freshMysqlDatabase(mysqlUrl)]);

async function freshMysqlDatabase(serverUrl: string): Promise<string> {
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
