import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { type Generated, Kysely, SqliteDialect } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NodeSqliteDatabase } from './node-sqlite-adapter.ts';

interface Tables {
  t: { id: Generated<number>; name: string };
}

// A file another connection can read, unlike the private file the app groups commits on:
// the reader shows what has reached the file.
describe('grouped commits', () => {
  let dir: string;
  let db: NodeSqliteDatabase;
  let kysely: Kysely<Tables>;
  let reader: DatabaseSync;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gridbox-grouped-'));
    db = new NodeSqliteDatabase(join(dir, 'db.sqlite'));
    db.exec('create table t (id integer primary key, name text not null unique)');
    db.groupCommits(3);
    kysely = new Kysely<Tables>({ dialect: new SqliteDialect({ database: db }) });
    reader = new DatabaseSync(join(dir, 'db.sqlite'), { readOnly: true });
  });
  afterEach(async () => {
    reader.close();
    await kysely.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  const seen = () =>
    reader
      .prepare('select name from t order by id')
      .all()
      .map((r) => r.name);
  const names = async () =>
    (await kysely.selectFrom('t').select('name').orderBy('id').execute()).map((r) => r.name);
  const insert = (name: string) => kysely.insertInto('t').values({ name }).execute();

  it('writes the file once a group of statements and transactions is full', async () => {
    await insert('a');
    await kysely
      .transaction()
      .execute((trx) => trx.insertInto('t').values({ name: 'b' }).execute());
    expect(seen()).toEqual([]);
    expect(await names()).toEqual(['a', 'b']); // the app sees its changes at once
    expect(seen()).toEqual(['a', 'b']); // the select was the third
    await insert('c');
    await insert('d');
    expect(seen()).toEqual(['a', 'b']);
    await insert('e');
    expect(seen()).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it("rolls back a failed transaction's own statements and nothing before it", async () => {
    await insert('a');
    await expect(
      kysely.transaction().execute(async (trx) => {
        await trx.insertInto('t').values({ name: 'b' }).execute();
        expect(db.inTransaction).toBe(true);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(db.inTransaction).toBe(false);
    const trx = await kysely.startTransaction().execute();
    await trx.insertInto('t').values({ name: 'c' }).execute();
    // Kysely's own savepoints still nest inside the app's transaction.
    const inner = await trx.savepoint('inner').execute();
    await inner.insertInto('t').values({ name: 'd' }).execute();
    await (await inner.rollbackToSavepoint('inner').execute()).commit().execute();
    expect(await names()).toEqual(['a', 'c']);
    await db.close();
    kysely = new Kysely<Tables>({
      dialect: new SqliteDialect({ database: new NodeSqliteDatabase(join(dir, 'db.sqlite')) }),
    });
    expect(seen()).toEqual(['a', 'c']); // closing commits what the group held
  });

  it('undoes only the failed statement outside a transaction', async () => {
    await insert('a');
    await expect(insert('a')).rejects.toThrow(/UNIQUE/);
    await insert('b');
    expect(await names()).toEqual(['a', 'b']);
  });

  it('refuses every statement once an error rolled back the whole group', async () => {
    db.exec(
      `create trigger no_x before insert on t when new.name = 'x'
       begin select raise(rollback, 'x is not allowed'); end`,
    );
    await insert('a');
    await expect(insert('x')).rejects.toThrow('x is not allowed');
    // 'a' went with the group: going on would build on a change that is gone.
    await expect(names()).rejects.toThrow(
      'The embedded database lost its uncommitted changes: x is not allowed',
    );
    await expect(insert('b')).rejects.toThrow('lost its uncommitted changes');
    expect((db.lost?.cause as Error).message).toBe('x is not allowed');
  });
});
