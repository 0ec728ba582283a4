import { type Kysely, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type StartedDatabases, openDatabases, taskQueueDb } from '../index.ts';
import { sqlBackends } from '../sql-backends.testkit.ts';
import type { TaskQueueDBTables } from '../task-queue/schema.ts';
import { inlineDatabaseOf, transaction } from './node-sqlite-adapter.ts';
import { MAX_COMPILED_SHAPES, PreparedQuery } from './prepared-query.ts';

describe.each(sqlBackends)('PreparedQuery on %s', (backend, url) => {
  let databases: StartedDatabases;
  let db: Kysely<TaskQueueDBTables>;
  let tqId: number;
  beforeEach(async () => {
    databases = await openDatabases(await url(), [taskQueueDb]);
    db = databases.sql.kysely as Kysely<TaskQueueDBTables>;
    await db
      .insertInto('tq_TaskQueues')
      .values({ Owner: 'a', OwnerGroup: 'g', VO: 'v', CPUTime: 1, Priority: 1 })
      .execute();
    ({ TQId: tqId } = await db
      .selectFrom('tq_TaskQueues')
      .select('TQId')
      .executeTakeFirstOrThrow());
    await db
      .insertInto('tq_Jobs')
      .values(
        [1, 2, 3, 4, 5].map((JobId) => ({ TQId: tqId, JobId, Priority: 1, RealPriority: JobId })),
      )
      .execute();
  });
  afterEach(() => databases.close());

  it('runs the query it compiled once with the values of each call', async () => {
    const jobsAbove = new PreparedQuery(db, (k, above: number, limit: number) =>
      k
        .selectFrom('tq_Jobs')
        .select('JobId')
        .where('JobId', '>', above)
        .where('Priority', '=', 1) // a constant stays as it was
        .orderBy('JobId')
        .limit(limit),
    );
    const ids = async (above: number, limit: number) =>
      (await jobsAbove.rows(db, above, limit)).map((row) => row.JobId);
    expect(await ids(0, 10)).toEqual([1, 2, 3, 4, 5]);
    expect(await ids(1, 1)).toEqual([2]);
    expect(await db.transaction().execute((tx) => jobsAbove.rows(tx, 4, 5))).toEqual([
      { JobId: 5 },
    ]);
    expect(jobsAbove.compiledShapes).toBe(1);
  });

  it('gives the rows of lists of every length, compiling once per length', async () => {
    const priorities = new PreparedQuery(db, (k, jobIds: readonly number[]) =>
      k
        .selectFrom('tq_Jobs')
        .select(['JobId', 'RealPriority'])
        .where('JobId', 'in', jobIds)
        .orderBy('JobId'),
    );
    const cases: [readonly number[], number[]][] = [
      [[3], [3]],
      [
        [5, 1],
        [1, 5],
      ],
      [
        [2, 9, 4],
        [2, 4],
      ],
      [[7], []],
      [
        [4, 3],
        [3, 4],
      ],
      [
        [1, 2, 3, 4, 5, 6],
        [1, 2, 3, 4, 5],
      ],
    ];
    for (const [jobIds, expected] of cases)
      expect((await priorities.rows(db, jobIds)).map((row) => Number(row.RealPriority))).toEqual(
        expected,
      );
    // One statement text per length, the same on every call with that length.
    expect(priorities.compiledShapes).toBe(4);
    expect(priorities.sqlFor([8, 9])).toBe(priorities.sqlFor([1, 2]));
    expect(priorities.sqlFor([8, 9])).not.toBe(priorities.sqlFor([1, 2, 3]));
    expect(priorities.compiledShapes).toBe(4);
  });

  it('inserts rows given as lists or records, and sets the fields of a record', async () => {
    const insert = new PreparedQuery(
      db,
      (k, tq: number, jobIds: readonly number[], realPriorities: readonly number[]) =>
        k.insertInto('tq_Jobs').values(
          jobIds.map((JobId, i) => ({
            TQId: tq,
            JobId,
            Priority: 2,
            RealPriority: realPriorities[i]!,
          })),
        ),
    );
    await insert.execute(db, tqId, [10], [0.5]);
    const insertRows = new PreparedQuery(
      db,
      (
        k,
        rows: readonly { TQId: number; JobId: number; Priority: number; RealPriority: number }[],
      ) => k.insertInto('tq_Jobs').values(rows),
    );
    const row = (JobId: number, RealPriority: number) => ({
      TQId: tqId,
      JobId,
      Priority: 2,
      RealPriority,
    });
    await insertRows.execute(db, [row(11, 1.5), row(12, 2.5)]);
    await insertRows.execute(db, [row(13, 3.5), row(14, 4.5)]);
    expect(insertRows.compiledShapes).toBe(1);
    const update = new PreparedQuery(
      db,
      (k, jobId: number, fields: { Priority?: number; RealPriority?: number }) =>
        k.updateTable('tq_Jobs').set(fields).where('JobId', '=', jobId),
    );
    expect((await update.execute(db, 11, { Priority: 7 })).numAffectedRows).toBe(1n);
    // A field holding undefined is left out, as Kysely leaves it out.
    await update.execute(db, 12, { Priority: 8, RealPriority: undefined });
    await update.execute(db, 10, { RealPriority: 9 });
    expect(update.compiledShapes).toBe(2);
    const rows = await db
      .selectFrom('tq_Jobs')
      .select(['JobId', 'Priority', 'RealPriority'])
      .where('JobId', '>=', 10)
      .where('JobId', '<=', 12)
      .orderBy('JobId')
      .execute();
    expect(rows.map((r) => [r.JobId, Number(r.Priority), Number(r.RealPriority)])).toEqual([
      [10, 2, 9],
      [11, 7, 1.5],
      [12, 8, 2.5],
    ]);
  });

  it('keeps at most MAX_COMPILED_SHAPES compilations, the most recently used', async () => {
    const count = new PreparedQuery(db, (k, jobIds: readonly number[]) =>
      k.selectFrom('tq_Jobs').select('JobId').where('JobId', 'in', jobIds),
    );
    const lengths = Array.from({ length: MAX_COMPILED_SHAPES + 5 }, (_, i) => i + 1);
    for (const n of lengths) {
      const jobIds = Array.from({ length: n }, (_, i) => i + 1);
      expect(await count.rows(db, jobIds)).toHaveLength(Math.min(n, 5));
    }
    expect(count.compiledShapes).toBe(MAX_COMPILED_SHAPES);
  });

  it('refuses an expression where a value goes, rather than build it into the statement', async () => {
    const update = new PreparedQuery(db, (k, fields: { Priority?: number }) =>
      k.updateTable('tq_Jobs').set(fields).where('JobId', '=', 1),
    );
    const expression = sql<number>`Priority + 1` as unknown as number;
    await expect(update.execute(db, { Priority: expression })).rejects.toThrow(
      /binds values only, not the object in Priority/,
    );
  });

  it('refuses a query that leaves an argument out', async () => {
    const query = new PreparedQuery(db, (k, tq: number, _unused: number) =>
      k.selectFrom('tq_Jobs').select('JobId').where('TQId', '=', tq),
    );
    await expect(query.execute(db, tqId, 1)).rejects.toThrow(/argument 1 is not a parameter/);
  });

  it('keeps a statement of another caller out of an open transaction', async () => {
    const insert = new PreparedQuery(db, (k, jobId: number) =>
      k.insertInto('tq_Jobs').values({ TQId: tqId, JobId: jobId, Priority: 1, RealPriority: 1 }),
    );
    let outside: Promise<unknown> | undefined;
    await expect(
      db.transaction().execute(async (tx) => {
        await insert.execute(tx, 6);
        // Issued while the transaction is open, by someone who is not in it.
        outside = insert.execute(db, 7);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect((await outside!) as object).toMatchObject({ numAffectedRows: 1n });
    const ids = await db.selectFrom('tq_Jobs').select('JobId').orderBy('JobId').execute();
    expect(ids.map((row) => row.JobId)).toEqual([1, 2, 3, 4, 5, 7]);
  });

  it('runs the statements of a transaction it opened in it, and keeps the others out', async () => {
    const insert = new PreparedQuery(db, (k, jobId: number) =>
      k.insertInto('tq_Jobs').values({ TQId: tqId, JobId: jobId, Priority: 1, RealPriority: 1 }),
    );
    const jobIds = new PreparedQuery(db, (k, tq: number) =>
      k.selectFrom('tq_Jobs').select('JobId').where('TQId', '=', tq).orderBy('JobId'),
    );
    const embedded = backend.startsWith('SQLite');
    let outside: Promise<unknown> | undefined;
    let seen: number[] = [];
    let held: Kysely<TaskQueueDBTables> | undefined;
    await expect(
      transaction(db, async (tx) => {
        held = tx;
        // On SQLite the transaction holds the connection: its statements need not queue.
        expect(inlineDatabaseOf(tx) !== undefined).toBe(embedded);
        expect(inlineDatabaseOf(db)).toBeUndefined();
        await insert.execute(tx, 6);
        outside = insert.execute(db, 7);
        await insert.execute(tx, 8);
        seen = (await jobIds.rows(tx, tqId)).map((row) => row.JobId);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(seen).toEqual([1, 2, 3, 4, 5, 6, 8]);
    expect((await outside!) as object).toMatchObject({ numAffectedRows: 1n });
    expect((await jobIds.rows(db, tqId)).map((row) => row.JobId)).toEqual([1, 2, 3, 4, 5, 7]);
    // Once it ended, its Kysely no longer reaches the connection directly.
    expect(inlineDatabaseOf(held!)).toBeUndefined();
    await transaction(db, async (tx) => {
      await insert.execute(tx, 9);
    });
    expect((await jobIds.rows(db, tqId)).map((row) => row.JobId)).toEqual([1, 2, 3, 4, 5, 7, 9]);
  });
});
