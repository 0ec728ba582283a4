import { DatabaseUnavailableError } from '../../core/index.ts';
import type { Database } from '../../db/index.ts';

/** Pings every DB in turn; the first that does not answer is named in the error. */
export async function checkDatabases(dbs: Iterable<Database>): Promise<void> {
  for (const db of dbs) {
    try {
      await db.ping();
    } catch (error) {
      if (error instanceof DatabaseUnavailableError) throw error;
      throw new DatabaseUnavailableError(db.name);
    }
  }
}
