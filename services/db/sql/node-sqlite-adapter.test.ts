import { execFileSync } from 'node:child_process';
import { DatabaseSync } from 'node:sqlite';
import { Kysely, SqliteDialect } from 'kysely';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { GROUP_COMMIT, NodeSqliteDatabase } from './node-sqlite-adapter.ts';
import { StatementTimings } from './statement-timings.ts';

const SETUP = `
  create table t (id integer primary key, name text, score real, big integer, raw blob);
  insert into t values (1, 'a', 1.5, 4503599627370496, x'00ff'), (2, null, null, null, null), (3, 'ü', -2, 0, x'');
`;

/** What node:sqlite itself answers, made plain for comparison. */
function nativeRows(sql: string, parameters: (string | number)[] = []): unknown[] {
  const db = new DatabaseSync(':memory:');
  db.exec(SETUP);
  const rows = db
    .prepare(sql)
    .all(...parameters)
    .map((row) => ({ ...row }));
  db.close();
  return rows;
}

describe('node:sqlite adapter rows', () => {
  let db: NodeSqliteDatabase;
  beforeEach(() => {
    db = new NodeSqliteDatabase(':memory:');
    db.exec(SETUP);
  });
  afterEach(() => db.close());

  it.each([
    ['select * from t order by id', []],
    ['select id, name as label from t where id > ? order by id desc', [1]],
    ['select count(*) as n, max(score) as top from t', []],
    ['select id from t where id = ?', [99]],
    // A later column of the same name wins, as in node:sqlite's own objects.
    ['select 1 as x, 2 as x, name as x from t where id = 1', []],
  ] as [string, (string | number)[]][])(
    'gives what node:sqlite gives for %s',
    (sql, parameters) => {
      const expected = nativeRows(sql, parameters);
      expect(db.prepare(sql).all(parameters)).toStrictEqual(expected);
      expect([...db.prepare(sql).iterate(parameters)]).toStrictEqual(expected);
    },
  );

  it('keeps a column named __proto__ as an own value, not as the row prototype', () => {
    const [row] = db.prepare('select 7 as "__proto__", 1 as id').all([]) as Record<
      string,
      unknown
    >[];
    expect(Object.getOwnPropertyDescriptor(row, '__proto__')?.value).toBe(7);
    expect(row!['id']).toBe(1);
  });

  it('runs writes and reports their changes', () => {
    expect(db.prepare('update t set score = ? where id < ?').run([0, 3])).toMatchObject({
      changes: 1 + 1,
    });
    expect(db.prepare('select score from t where id < 3').all([])).toEqual([
      { score: 0 },
      { score: 0 },
    ]);
  });

  it('makes rows young: reading many pages leaves the old generation as it was', () => {
    // node:sqlite's own row objects are allocated in the old generation, which only a full
    // collection frees: these 2 million rows grew it by 12 MB or more. Measured in a process
    // of its own, where nothing else allocates.
    const script = `
      import v8 from 'node:v8';
      import { NodeSqliteDatabase } from ${JSON.stringify(new URL('./node-sqlite-adapter.ts', import.meta.url).href)};
      const page = new NodeSqliteDatabase(':memory:').prepare(
        "with recursive n(i) as (select 1 union all select i + 1 from n where i < 100) " +
        "select i as id, 'Waiting' as status, 'LCG.CERN.cern' as site from n");
      const old = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'old_space').space_used_size;
      const before = old();
      let read = 0;
      for (let i = 0; i < 20000; i++) read += page.all([]).length;
      console.log(JSON.stringify({ read, grown: old() - before }));`;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    const { read, grown } = JSON.parse(out) as { read: number; grown: number };
    expect(read).toBe(100 * 20_000);
    expect(grown).toBeLessThan(2_000_000);
  });
});

/** A table `t` in a database that commits in groups of `size`, and Kysely on it. */
function groupedTable(size: number) {
  const database = new NodeSqliteDatabase(':memory:');
  database.exec('create table t (id integer primary key, v text)');
  database.groupCommits(size);
  const kysely = new Kysely<{ t: { id: number; v: string } }>({
    dialect: new SqliteDialect({ database }),
  });
  return { database, kysely };
}

describe('node:sqlite adapter timings', () => {
  it("times each statement by kind, a transaction's control, and the group's commits", async () => {
    const { database, kysely } = groupedTable(3);
    try {
      const timings = new StatementTimings();
      database.timeStatements(timings);
      await kysely
        .insertInto('t')
        .values([
          { id: 1, v: 'a' },
          { id: 2, v: 'b' },
        ])
        .execute();
      await kysely.insertInto('t').values({ id: 3, v: 'c' }).execute();
      // The transaction counts once towards the group, which it fills: the group commits.
      await kysely.transaction().execute(async (tx) => {
        await tx.updateTable('t').set({ v: 'z' }).where('id', 'in', [1, 2]).execute();
      });
      expect([...database.prepare('select id from t where v = ?').iterate(['z'])]).toEqual([
        { id: 1 },
        { id: 2 },
      ]);
      // A read stopped early is timed too, and leaves its statement usable.
      for (const row of database.prepare('select id from t where v = ?').iterate(['z'])) {
        expect(row).toEqual({ id: 1 });
        break;
      }
      expect(database.prepare('select id from t where v = ?').all(['c'])).toEqual([{ id: 3 }]);

      const kinds = timings.top(Infinity);
      expect(Object.fromEntries(kinds.map((kind) => [kind.sql, kind.calls]))).toEqual({
        'insert into "t" ("id", "v") values (…)': 2,
        begin: 1,
        'update "t" set "v" = ? where "id" in (…)': 1,
        commit: 1,
        [GROUP_COMMIT]: 1,
        'select id from t where v = ?': 3,
      });
      expect(timings.calls).toBe(9);
      for (const kind of kinds) expect(kind.ms).toBeGreaterThanOrEqual(0);
      expect(timings.ms).toBeCloseTo(
        kinds.reduce((sum, kind) => sum + kind.ms, 0),
        9,
      );
    } finally {
      await kysely.destroy();
    }
  });

  it("counts the group's commit inside a transaction's commit once, as the group's", async () => {
    const { database, kysely } = groupedTable(1);
    // Each reading of the clock moves it on by 1 ms: a region read at its start and its end
    // took 1 ms, and the commit, which holds the group's commit, 3.
    let nowMs = 0;
    const clock = vi.spyOn(performance, 'now').mockImplementation(() => ++nowMs);
    try {
      const timings = new StatementTimings();
      database.timeStatements(timings);
      await kysely.transaction().execute(async (tx) => {
        await tx.insertInto('t').values({ id: 1, v: 'a' }).execute();
      });
      clock.mockRestore();
      expect(timings.top(Infinity)).toEqual([
        { sql: 'commit', calls: 1, ms: 2 },
        { sql: 'begin', calls: 1, ms: 1 },
        { sql: GROUP_COMMIT, calls: 1, ms: 1 },
        { sql: 'insert into "t" ("id", "v") values (…)', calls: 1, ms: 1 },
      ]);
      expect(timings.ms).toBe(5);
      expect(database.prepare('select v from t').all([])).toEqual([{ v: 'a' }]);
    } finally {
      clock.mockRestore();
      await kysely.destroy();
    }
  });
});
