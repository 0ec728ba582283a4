import type { Kysely } from 'kysely';
import { type JobDBTables, SqlJobDB } from '../../../services/db/index.ts';

/** The table the example adds to JobDB: free-form tags on a job (gubbins adds `GubbinsInfo`). */
export interface JobTagsTable {
  JobTags: { JobID: number; Tag: string };
}

/**
 * gridbox's JobDB with job tags. Registered under the name `JobDB`, it serves the built-in
 * routes too, so it keeps every method of SqlJobDB (by subclassing) and only adds.
 */
export class ExampleJobDB extends SqlJobDB {
  get #tags(): Kysely<JobDBTables & JobTagsTable> {
    return this.conn.kysely as Kysely<JobDBTables & JobTagsTable>;
  }

  /** Replaces the tags of a job; the order given is kept, duplicates dropped. */
  async setTags(jobId: number, tags: readonly string[]): Promise<void> {
    await this.#tags.transaction().execute(async (tx) => {
      await tx.deleteFrom('JobTags').where('JobID', '=', jobId).execute();
      const unique = [...new Set(tags)];
      if (unique.length > 0)
        await tx
          .insertInto('JobTags')
          .values(unique.map((Tag) => ({ JobID: jobId, Tag })))
          .execute();
    });
  }

  /** The tags of a job, sorted; none for a job never tagged. */
  async tagsOf(jobId: number): Promise<string[]> {
    const rows = await this.#tags
      .selectFrom('JobTags')
      .select('Tag')
      .where('JobID', '=', jobId)
      .orderBy('Tag')
      .execute();
    return rows.map((row) => row.Tag);
  }
}
