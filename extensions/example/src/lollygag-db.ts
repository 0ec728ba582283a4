import type { Generated } from 'kysely';
import { SqlDatabase } from '../../../services/db/index.ts';

export interface LollygagDBTables {
  Owners: { OwnerID: Generated<number>; Name: string; VO: string };
  EndedJobs: { JobID: number; VO: string; Owner: string; Status: string };
}

/** A job that reached a final status, as the example's status observer records it. */
export interface EndedJob {
  JobID: number;
  VO: string;
  Owner: string;
  Status: string;
}

/** A DB of its own, under a new name (gubbins' `LollygagDB`): owners recorded per VO. */
export class LollygagDB extends SqlDatabase<LollygagDBTables> {
  /** Records an owner in `vo`; returns its id (the existing one if it was recorded already). */
  async insertOwner(vo: string, name: string): Promise<number> {
    return this.db.transaction().execute(async (tx) => {
      const existing = await tx
        .selectFrom('Owners')
        .select('OwnerID')
        .where('VO', '=', vo)
        .where('Name', '=', name)
        .executeTakeFirst();
      if (existing !== undefined) return existing.OwnerID;
      const result = await tx
        .insertInto('Owners')
        .values({ Name: name, VO: vo })
        .executeTakeFirst();
      return Number(result.insertId);
    });
  }

  /**
   * Records jobs that ended, in one transaction; a job that ends again (rescheduled, then
   * ended) keeps its last final status.
   */
  async recordEnded(jobs: readonly EndedJob[]): Promise<void> {
    if (jobs.length === 0) return;
    await this.db.transaction().execute(async (tx) => {
      await tx
        .deleteFrom('EndedJobs')
        .where(
          'JobID',
          'in',
          jobs.map((job) => job.JobID),
        )
        .execute();
      const last = new Map(jobs.map((job) => [job.JobID, job]));
      await tx
        .insertInto('EndedJobs')
        .values([...last.values()])
        .execute();
    });
  }

  /** The ended jobs of `vo`, by JobID. */
  async endedJobs(vo: string): Promise<EndedJob[]> {
    return this.db
      .selectFrom('EndedJobs')
      .selectAll()
      .where('VO', '=', vo)
      .orderBy('JobID')
      .execute();
  }

  /** The owners of `vo`, sorted by name. */
  async owners(vo: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('Owners')
      .select('Name')
      .where('VO', '=', vo)
      .orderBy('Name')
      .execute();
    return rows.map((row) => row.Name);
  }
}

// Module augmentation: `app.dbs.get('LollygagDB')` is typed as this class in every router.
declare module '../../../services/db/index.ts' {
  interface DbInterfaces {
    LollygagDB: LollygagDB;
  }
}
