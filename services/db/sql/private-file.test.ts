import { readdirSync, readlinkSync } from 'node:fs';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openSql } from './connection.ts';
import {
  type DirectoryProbe,
  SHARED_MEMORY_DIRECTORY,
  SHARED_MEMORY_MIN_FREE_BYTES,
  privateFileDirectory,
} from './private-file.ts';

const TMPFS = 0x01021994;
const EXT4 = 0xef53;

function probe(overrides: Partial<DirectoryProbe>): DirectoryProbe {
  return {
    named: undefined,
    statfs: () => ({ type: TMPFS, bavail: (2 * SHARED_MEMORY_MIN_FREE_BYTES) / 4096, bsize: 4096 }),
    tmpdir: () => '/var/tmp-of-test',
    ...overrides,
  };
}

/** What this process's descriptors point at (a descriptor's number is reused once closed). */
function openFiles(): string[] {
  return readdirSync('/proc/self/fd').map((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      return ''; // the listing's own descriptor, closed since
    }
  });
}

describe('the directory of the private file behind sqlite::memory:', () => {
  it('is the shared-memory file system when it has room', () => {
    expect(privateFileDirectory(probe({}))).toBe(SHARED_MEMORY_DIRECTORY);
  });

  it.each([
    [
      'a tmpfs too small for a large run (a container’s 64 MiB)',
      probe({
        statfs: () => ({ type: TMPFS, bavail: 16_384, bsize: 4096 }),
      }),
    ],
    [
      'a disk mounted there',
      probe({
        statfs: () => ({ type: EXT4, bavail: 10 * SHARED_MEMORY_MIN_FREE_BYTES, bsize: 1 }),
      }),
    ],
    [
      'no such file system (macOS, Windows)',
      probe({
        statfs: () => {
          throw Object.assign(new Error('ENOENT: no such file or directory'), { code: 'ENOENT' });
        },
      }),
    ],
    ['a TMPDIR the user named', probe({ named: '/scratch/me' })],
  ])('is the temporary directory with %s', (_case, machine) => {
    expect(privateFileDirectory(machine)).toBe('/var/tmp-of-test');
  });

  it.runIf(process.platform === 'linux')(
    'holds the open database as a deleted file in the chosen directory',
    async () => {
      const directory = privateFileDirectory();
      const before = new Set(openFiles());
      const connection = await openSql('sqlite::memory:');
      const opened = openFiles().filter((file) => !before.has(file));
      await connection.close();
      expect(opened).toContainEqual(
        expect.stringMatching(
          new RegExp(
            `^${directory.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/gridbox-[0-9a-f-]+\\.db \\(deleted\\)$`,
          ),
        ),
      );
    },
  );
});

describe('a full file system under the private file', () => {
  it('fails every statement with an error that says where the file is and what to do', async () => {
    const connection = await openSql('sqlite::memory:');
    try {
      const db = connection.kysely;
      await sql`create table t (data blob not null)`.execute(db);
      // A file system with 16 pages of room, as SQLite sees it: a write beyond fails as a
      // full disk does (SQLITE_FULL), and takes the uncommitted group with it.
      await sql`PRAGMA max_page_count = 16`.execute(db);
      await sql`insert into t values (zeroblob(1000))`.execute(db);
      const advice =
        `The embedded database lost its uncommitted changes: database or disk is full. ` +
        `The private database's file is in ${privateFileDirectory()}, whose file system is full: ` +
        'set TMPDIR to a directory with more room.';
      await expect(sql`insert into t values (zeroblob(100000))`.execute(db)).rejects.toThrow(
        advice,
      );
      expect(connection.lost?.()?.message).toBe(advice);
      await expect(sql`select count(*) from t`.execute(db)).rejects.toThrow(advice);
    } finally {
      await connection.close();
    }
  });

  it('is not blamed for other errors', async () => {
    const connection = await openSql('sqlite::memory:');
    try {
      await expect(sql`select * from no_such_table`.execute(connection.kysely)).rejects.toThrow(
        'no such table: no_such_table',
      );
      expect(connection.lost?.()).toBeUndefined();
    } finally {
      await connection.close();
    }
  });
});
