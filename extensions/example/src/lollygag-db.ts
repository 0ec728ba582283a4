import type { Generated } from 'kysely';
import { SqlDatabase } from '../../../services/db/index.ts';

export interface LollygagDBTables {
  Owners: { OwnerID: Generated<number>; Name: string; VO: string };
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
