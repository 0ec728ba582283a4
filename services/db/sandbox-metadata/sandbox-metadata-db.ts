import { type Database, SqlDatabase } from '../database.ts';
import { toSqlDateTime } from '../sql/datetime.ts';
import { PreparedQuery } from '../sql/prepared-query.ts';
import { transaction } from '../sql/node-sqlite-adapter.ts';
import type { SandboxMetadataDBTables } from './schema.ts';

export interface SandboxOwner {
  owner: string;
  ownerGroup: string;
  vo: string;
}

export type SandboxType = 'Input' | 'Output';

/** Which sandboxes exist, who owns them, and which jobs they belong to. */
export interface SandboxMetadataDB extends Database {
  /** Records a sandbox (and its owner, once); a sandbox already recorded just gets touched. */
  registerSandbox(
    owner: SandboxOwner,
    seName: string,
    pfn: string,
    bytes: number,
    timeMs: number,
  ): Promise<void>;
  /** The sandbox's owner and whether it is assigned, or undefined for an unknown sandbox. */
  getSandbox(
    seName: string,
    pfn: string,
  ): Promise<(SandboxOwner & { assigned: boolean }) | undefined>;
  touch(seName: string, pfn: string, timeMs: number): Promise<void>;
  /** Links a sandbox to a job; 'missing' or 'assigned' when it cannot. */
  assign(
    jobId: number,
    seName: string,
    pfn: string,
    type: SandboxType,
  ): Promise<'ok' | 'missing' | 'assigned'>;
  /**
   * Every sandbox of each type linked to the job, oldest first, as the stored PFN (no
   * `SB:<SE>|` prefix), as DiracX lists them; an empty list when there is none.
   */
  getJobSandboxes(jobId: number): Promise<Record<SandboxType, string[]>>;
  /** Removes the links of these jobs (the sandboxes stay, unassigned, for cleaning). */
  unassignJobs(jobIds: readonly number[]): Promise<void>;
}

export class SqlSandboxMetadataDB
  extends SqlDatabase<SandboxMetadataDBTables>
  implements SandboxMetadataDB
{
  // Every sandbox download runs these; compiled once (PreparedQuery).
  readonly #sandbox = new PreparedQuery(this.db, (db, seName: string, pfn: string) =>
    db
      .selectFrom('sb_SandBoxes')
      .innerJoin('sb_Owners', 'sb_Owners.OwnerID', 'sb_SandBoxes.OwnerId')
      .select(['Owner', 'OwnerGroup', 'VO', 'Assigned'])
      .where('SEName', '=', seName)
      .where('SEPFN', '=', pfn),
  );
  readonly #touch = new PreparedQuery(this.db, (db, seName: string, pfn: string, time: string) =>
    db
      .updateTable('sb_SandBoxes')
      .set({ LastAccessTime: time })
      .where('SEName', '=', seName)
      .where('SEPFN', '=', pfn),
  );

  async registerSandbox(
    owner: SandboxOwner,
    seName: string,
    pfn: string,
    bytes: number,
    timeMs: number,
  ) {
    const now = toSqlDateTime(timeMs);
    await transaction(this.db, async (tx) => {
      let row = await tx
        .selectFrom('sb_Owners')
        .select('OwnerID')
        .where('Owner', '=', owner.owner)
        .where('OwnerGroup', '=', owner.ownerGroup)
        .where('VO', '=', owner.vo)
        .executeTakeFirst();
      if (row === undefined) {
        const inserted = await tx
          .insertInto('sb_Owners')
          .values({ Owner: owner.owner, OwnerGroup: owner.ownerGroup, VO: owner.vo })
          .executeTakeFirstOrThrow();
        row = { OwnerID: Number(inserted.insertId) };
      }
      const existing = await tx
        .selectFrom('sb_SandBoxes')
        .select('SBId')
        .where('SEName', '=', seName)
        .where('SEPFN', '=', pfn)
        .executeTakeFirst();
      if (existing !== undefined) {
        await tx
          .updateTable('sb_SandBoxes')
          .set({ LastAccessTime: now })
          .where('SBId', '=', existing.SBId)
          .execute();
        return;
      }
      await tx
        .insertInto('sb_SandBoxes')
        .values({
          OwnerId: row.OwnerID,
          SEName: seName,
          SEPFN: pfn,
          Bytes: bytes,
          RegistrationTime: now,
          LastAccessTime: now,
          Assigned: 0,
        })
        .execute();
    });
  }

  async getSandbox(seName: string, pfn: string) {
    const [row] = await this.#sandbox.rows(this.db, seName, pfn);
    return row === undefined
      ? undefined
      : {
          owner: row.Owner,
          ownerGroup: row.OwnerGroup,
          vo: row.VO,
          assigned: Boolean(row.Assigned),
        };
  }

  async touch(seName: string, pfn: string, timeMs: number) {
    await this.#touch.execute(this.db, seName, pfn, toSqlDateTime(timeMs));
  }

  async assign(jobId: number, seName: string, pfn: string, type: SandboxType) {
    return transaction(this.db, async (tx) => {
      const row = await tx
        .selectFrom('sb_SandBoxes')
        .select(['SBId', 'Assigned'])
        .where('SEName', '=', seName)
        .where('SEPFN', '=', pfn)
        .executeTakeFirst();
      if (row === undefined) return 'missing' as const;
      const entity = `Job:${jobId}`;
      const linked = await tx
        .selectFrom('sb_EntityMapping')
        .select('SBId')
        .where('SBId', '=', row.SBId)
        .where('EntityId', '=', entity)
        .where('Type', '=', type)
        .executeTakeFirst();
      if (linked !== undefined) return 'assigned' as const;
      await tx
        .insertInto('sb_EntityMapping')
        .values({ SBId: row.SBId, EntityId: entity, Type: type })
        .execute();
      await tx
        .updateTable('sb_SandBoxes')
        .set({ Assigned: 1 })
        .where('SBId', '=', row.SBId)
        .execute();
      return 'ok' as const;
    });
  }

  async getJobSandboxes(jobId: number) {
    const rows = await this.db
      .selectFrom('sb_EntityMapping')
      .innerJoin('sb_SandBoxes', 'sb_SandBoxes.SBId', 'sb_EntityMapping.SBId')
      .select(['Type', 'SEPFN'])
      .where('EntityId', '=', `Job:${jobId}`)
      .orderBy('sb_SandBoxes.SBId')
      .execute();
    const ofType = (type: SandboxType) => rows.filter((r) => r.Type === type).map((r) => r.SEPFN);
    return { Input: ofType('Input'), Output: ofType('Output') };
  }

  async unassignJobs(jobIds: readonly number[]) {
    if (jobIds.length === 0) return;
    await transaction(this.db, async (tx) => {
      const entities = jobIds.map((id) => `Job:${id}`);
      const linked = await tx
        .selectFrom('sb_EntityMapping')
        .select('SBId')
        .distinct()
        .where('EntityId', 'in', entities)
        .execute();
      await tx.deleteFrom('sb_EntityMapping').where('EntityId', 'in', entities).execute();
      for (const { SBId } of linked) {
        const still = await tx
          .selectFrom('sb_EntityMapping')
          .select('SBId')
          .where('SBId', '=', SBId)
          .limit(1)
          .executeTakeFirst();
        if (still === undefined)
          await tx
            .updateTable('sb_SandBoxes')
            .set({ Assigned: 0 })
            .where('SBId', '=', SBId)
            .execute();
      }
    });
  }
}
