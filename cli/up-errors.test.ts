import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateFixtures } from '../fixtures/index.ts';
import type { Io } from './io.ts';
import { main } from './main.ts';
import { mysqlServerUrl } from '../services/db/sql-backends.testkit.ts';
import { freePort } from '../services/core/free-port.testkit.ts';

// `gridbox up` on a database it cannot use says why in one sentence, exit 2, instead of
// "unexpected error: migration … failed".

const scratch = mkdtempSync(join(tmpdir(), 'gridbox-up-errors-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function recordingIo() {
  let err = '';
  const io: Io = {
    stdout: { write: () => true },
    stderr: { write: (text: string) => (err += text) },
    stdoutIsTTY: false,
    env: { GRIDBOX_CA_DIR: join(scratch, 'ca'), GRIDBOX_LOG_LEVEL: 'silent' },
    waitForStop: () => new Promise(() => undefined),
  };
  return { io, err: () => err };
}

async function upOn(dbUrl: string) {
  const t = recordingIo();
  const code = await main(['up', '--port', '0', '--db-url', dbUrl], t.io);
  return { code, err: t.err() };
}

describe('gridbox up on a MySQL it cannot use', () => {
  it('names a refused connection', async () => {
    const port = await freePort();
    expect(await upOn(`mysql://gridbox:gridbox@127.0.0.1:${port}/gridbox`)).toEqual({
      code: 2,
      err: `gridbox: Cannot connect to MySQL at 127.0.0.1:${port}: connection refused (is it running?).\n`,
    });
  });

  const server = mysqlServerUrl;
  it.skipIf(server === undefined).each([
    [
      'a wrong password',
      (url: URL) => (url.password = 'not-the-password'),
      (url: URL) =>
        `gridbox: MySQL at ${url.host} refused user ${url.username}: wrong password, or no access from here.\n`,
    ],
    [
      'a missing database',
      (url: URL) => (url.pathname = '/gridbox_no_such_database'),
      (url: URL) =>
        `gridbox: MySQL at ${url.host} has no database gridbox_no_such_database: create it first.\n`,
    ],
  ])('names %s', async (_, spoil, expected) => {
    const url = new URL(server!);
    spoil(url);
    expect(await upOn(url.toString())).toEqual({ code: 2, err: expected(url) });
  });
});

describe('usage errors are one sentence, not the help text', () => {
  const seed1User = generateFixtures({ seed: 1, size: 'small' }).users[0]!.username;
  it.each([
    [
      ['up', '--db-url', 'postgres://x'],
      'gridbox: Invalid value "postgres://x" for --db-url: expected sqlite::memory:, sqlite:PATH or mysql://user:pass@host:port/db.\n',
    ],
    [
      ['up', '--legacy-exchange-hashed-api-key', 'abc'],
      'gridbox: Invalid value "abc" for --legacy-exchange-hashed-api-key: expected 64 lowercase hex digits (a SHA-256) or nothing.\n',
    ],
    // 0 is refused, so the range must not start at it.
    [
      ['ca', 'proxy', '--user', seed1User, '--lifetime-hours', '0'],
      'gridbox: Invalid value "0" for --lifetime-hours: expected hours above 0 and at most 8760.\n',
    ],
  ])('%j', async (argv, message) => {
    const t = recordingIo();
    expect(await main(argv, t.io)).toBe(2);
    expect(t.err()).toBe(message);
  });
});
