import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type StartedDatabases, openDatabases, taskQueueDb } from '../index.ts';
import type { TaskQueueDBTables } from './schema.ts';
import { PreparedQuery } from './prepared.ts';
import type { Kysely } from 'kysely';

let databases: StartedDatabases;
let db: Kysely<TaskQueueDBTables>;
beforeEach(async () => {
  databases = await openDatabases('sqlite::memory:', [taskQueueDb]);
  db = databases.sql.kysely as Kysely<TaskQueueDBTables>;
  const [{ TQId }] = [
    await db
      .insertInto('tq_TaskQueues')
      .values({ Owner: 'a', OwnerGroup: 'g', VO: 'v', CPUTime: 1, Priority: 1 })
      .returning('TQId')
      .executeTakeFirstOrThrow(),
  ];
  await db
    .insertInto('tq_Jobs')
    .values([1, 2, 3].map((JobId) => ({ TQId, JobId, Priority: 1, RealPriority: JobId })))
    .execute();
});
afterEach(() => databases.close());

describe('PreparedQuery', () => {
  it('runs the query it compiled once with the values of each call', async () => {
    const jobsAbove = new PreparedQuery(db, 2, (k, above: number, limit: number) =>
      k
        .selectFrom('tq_Jobs')
        .select('JobId')
        .where('JobId', '>', above)
        .where('Priority', '=', 1) // a constant stays as it was
        .orderBy('JobId')
        .limit(limit),
    );
    const ids = async (above: number, limit: number) =>
      (await jobsAbove.execute(db, above, limit)).rows.map((row) => row.JobId);
    expect(await ids(0, 10)).toEqual([1, 2, 3]);
    expect(await ids(1, 1)).toEqual([2]);
    expect(await db.transaction().execute((tx) => jobsAbove.execute(tx, 2, 5))).toMatchObject({
      rows: [{ JobId: 3 }],
    });
  });

  it('refuses a query that leaves an argument out', () => {
    expect(
      () =>
        new PreparedQuery<TaskQueueDBTables, { JobId: number }, [number, number]>(
          db,
          2,
          (k, tqId) => k.selectFrom('tq_Jobs').select('JobId').where('TQId', '=', tqId),
        ),
    ).toThrow(/argument 1 is not used/);
  });
});
