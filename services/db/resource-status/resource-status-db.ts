import { type Database, SqlDatabase } from '../database.ts';
import { fromSqlDateTime, toSqlDateTime } from '../sql/datetime.ts';
import { PreparedQuery } from '../sql/prepared-query.ts';
import { transaction } from '../sql/node-sqlite-adapter.ts';
import type { ResourceStatusDBTables } from './schema.ts';

export interface SiteStatusRow {
  name: string;
  vo: string;
  status: string;
  reason: string;
}

/** Which sites may get jobs (DIRAC's site mask, through the RSS). */
export interface ResourceStatusDB extends Database {
  /** Sets a site's status for a VO ('all' for every VO), replacing what was there. */
  setSiteStatus(row: SiteStatusRow, timeMs: number): Promise<void>;
  /**
   * Site statuses that apply to `vo`: rows for 'all', overlaid by rows for the VO, each with
   * when it took effect.
   */
  siteStatuses(vo: string): Promise<Map<string, SiteStatusRow & { effectiveMs: number }>>;
  /**
   * A number that changes whenever this DB object sets a status (not when another replica
   * does): caches of `siteStatuses` are valid while it stays the same.
   */
  changeCount(): number;
}

export class SqlResourceStatusDB
  extends SqlDatabase<ResourceStatusDBTables>
  implements ResourceStatusDB
{
  #changes = 0;
  /** Every match reads the site mask; compiled once (PreparedQuery). */
  readonly #siteStatuses = new PreparedQuery(this.db, (db, vo: string) =>
    db
      .selectFrom('SiteStatus')
      .selectAll()
      .where('StatusType', '=', 'all')
      .where('VO', 'in', ['all', vo]),
  );

  changeCount(): number {
    return this.#changes;
  }

  async setSiteStatus(row: SiteStatusRow, timeMs: number) {
    const now = toSqlDateTime(timeMs);
    await transaction(this.db, async (tx) => {
      await tx
        .deleteFrom('SiteStatus')
        .where('Name', '=', row.name)
        .where('StatusType', '=', 'all')
        .where('VO', '=', row.vo)
        .execute();
      await tx
        .insertInto('SiteStatus')
        .values({
          Name: row.name,
          StatusType: 'all',
          VO: row.vo,
          Status: row.status,
          Reason: row.reason,
          DateEffective: now,
          TokenExpiration: '9999-12-31 23:59:59',
          ElementType: 'Site',
          LastCheckTime: now,
          TokenOwner: 'gridbox',
        })
        .execute();
    });
    this.#changes++;
  }

  async siteStatuses(vo: string) {
    const rows = await this.#siteStatuses.rows(this.db, vo);
    const statuses = new Map<string, SiteStatusRow & { effectiveMs: number }>();
    for (const row of rows.sort((a, b) => (a.VO === 'all' ? -1 : 0) - (b.VO === 'all' ? -1 : 0))) {
      statuses.set(row.Name, {
        name: row.Name,
        vo: row.VO,
        status: row.Status,
        reason: row.Reason,
        effectiveMs: fromSqlDateTime(row.DateEffective),
      });
    }
    return statuses;
  }
}
