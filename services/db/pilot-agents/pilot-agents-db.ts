import type { Insertable, Updateable } from 'kysely';
import type { Clock, SearchSpec } from '../../core/index.ts';
import { type TableSearch, searchTable, summarizeTable } from '../sql/search.ts';
import { PILOT_COLUMNS } from './search.ts';
import { type Database, SqlDatabase } from '../database.ts';
import { fromSqlDateTime, toSqlDateTime } from '../sql/datetime.ts';
import type { PilotAgentsDBTables } from './schema.ts';
import { PreparedQuery } from '../sql/prepared-query.ts';
import { transaction } from '../sql/node-sqlite-adapter.ts';

export interface NewPilot {
  stamp: string;
  vo: string;
  gridType: string;
  gridSite: string;
  destinationSite: string;
  reference: string;
  status: string;
}

export interface PilotSecret {
  stamp: string;
  vo: string;
  hashedSecret: string;
  expiresMs: number;
}

/** Pilots, their jobs, and (gridbox) their secrets. */
export interface PilotAgentsDB extends Database {
  /** The stamps among `stamps` that are already registered. */
  existingStamps(stamps: readonly string[]): Promise<string[]>;
  /** Records new pilots and their secrets together (one transaction). */
  registerPilots(
    pilots: readonly NewPilot[],
    secrets: readonly PilotSecret[],
    clock: Clock,
  ): Promise<void>;
  getPilotSecret(stamp: string): Promise<PilotSecret | undefined>;
  /**
   * Records that the pilot with this stamp took the job: the mapping row, the pilot's
   * current (and, the first time, initial) job, and its status Running. False when no
   * pilot has the stamp.
   */
  recordMatch(stamp: string, jobId: number, time: string): Promise<boolean>;
  search(query: TableSearch): Promise<{ total: number; rows: Record<string, unknown>[] }>;
  summary(
    grouping: readonly string[],
    filters: readonly SearchSpec[],
  ): Promise<Record<string, unknown>[]>;
  /** The VO of each of these stamps that is registered. */
  vosOf(stamps: readonly string[]): Promise<Map<string, string>>;
  /** Sets fields of pilots (by stamp) and their LastUpdateTime. */
  updatePilots(
    updates: ReadonlyMap<string, Updateable<PilotAgentsDBTables['PilotAgents']>>,
    time: string,
  ): Promise<void>;
  /** The pilots that ran these jobs (JobToPilotMapping). */
  pilotsOfJobs(jobIds: readonly number[]): Promise<number[]>;
  /** The jobs the pilots with these stamps ran (JobToPilotMapping). */
  jobsOfPilots(stamps: readonly string[]): Promise<number[]>;
  /**
   * The pilots (stamp and VO) each of these jobs was matched to (JobToPilotMapping); jobs
   * matched to none are absent. What the access policies check a pilot's claims against.
   */
  pilotsMappedToJobs(
    jobIds: readonly number[],
  ): Promise<Map<number, { stamp: string; vo: string }[]>>;
}

type PilotUpdate = Updateable<PilotAgentsDBTables['PilotAgents']>;

export class SqlPilotAgentsDB extends SqlDatabase<PilotAgentsDBTables> implements PilotAgentsDB {
  // The statements of every match and pilot status change, compiled once (PreparedQuery).
  readonly #startJobByStamp = new PreparedQuery(
    this.db,
    (db, stamp: string, jobId: number, time: string) =>
      db
        .updateTable('PilotAgents')
        .set((eb) => ({
          CurrentJobID: jobId,
          InitialJobID: eb
            .case()
            .when('InitialJobID', '=', 0)
            .then(jobId)
            .else(eb.ref('InitialJobID'))
            .end(),
          Status: 'Running',
          LastUpdateTime: time,
        }))
        .where('PilotStamp', '=', stamp),
  );
  readonly #mapJobByStamp = new PreparedQuery(
    this.db,
    (db, stamp: string, jobId: number, time: string) =>
      db
        .insertInto('JobToPilotMapping')
        .columns(['PilotID', 'JobID', 'StartTime'])
        .expression(
          db
            .selectFrom('PilotAgents')
            .select((eb) => ['PilotID', eb.val(jobId).as('JobID'), eb.val(time).as('StartTime')])
            .where('PilotStamp', '=', stamp),
        ),
  );
  readonly #updateByStamp = new PreparedQuery(this.db, (db, stamp: string, fields: PilotUpdate) =>
    db.updateTable('PilotAgents').set(fields).where('PilotStamp', '=', stamp),
  );
  // Those of pilot submission and authentication.
  readonly #existingStamps = new PreparedQuery(this.db, (db, stamps: readonly string[]) =>
    db.selectFrom('PilotAgents').select('PilotStamp').where('PilotStamp', 'in', stamps),
  );
  readonly #insertPilots = new PreparedQuery(
    this.db,
    (db, rows: readonly Insertable<PilotAgentsDBTables['PilotAgents']>[]) =>
      db.insertInto('PilotAgents').values(rows),
  );
  readonly #insertSecrets = new PreparedQuery(
    this.db,
    (db, rows: readonly Insertable<PilotAgentsDBTables['PilotSecrets']>[]) =>
      db.insertInto('PilotSecrets').values(rows),
  );
  readonly #secret = new PreparedQuery(this.db, (db, stamp: string) =>
    db.selectFrom('PilotSecrets').selectAll().where('PilotStamp', '=', stamp),
  );
  readonly #vosOf = new PreparedQuery(this.db, (db, stamps: readonly string[]) =>
    db.selectFrom('PilotAgents').select(['PilotStamp', 'VO']).where('PilotStamp', 'in', stamps),
  );
  readonly #pilotsMappedToJobs = new PreparedQuery(this.db, (db, jobIds: readonly number[]) =>
    db
      .selectFrom('JobToPilotMapping')
      .innerJoin('PilotAgents', 'PilotAgents.PilotID', 'JobToPilotMapping.PilotID')
      .select(['JobToPilotMapping.JobID', 'PilotAgents.PilotStamp', 'PilotAgents.VO'])
      .where('JobToPilotMapping.JobID', 'in', jobIds),
  );

  async existingStamps(stamps: readonly string[]) {
    if (stamps.length === 0) return [];
    const rows = await this.#existingStamps.rows(this.db, stamps);
    return rows.map((row) => row.PilotStamp);
  }

  async registerPilots(pilots: readonly NewPilot[], secrets: readonly PilotSecret[], clock: Clock) {
    const now = toSqlDateTime(clock.nowMs());
    await transaction(this.db, async (tx) => {
      if (pilots.length > 0) {
        await this.#insertPilots.execute(
          tx,
          pilots.map((p) => ({
            PilotStamp: p.stamp,
            VO: p.vo,
            GridType: p.gridType,
            GridSite: p.gridSite,
            DestinationSite: p.destinationSite,
            PilotJobReference: p.reference,
            Status: p.status,
            SubmissionTime: now,
            LastUpdateTime: now,
          })),
        );
      }
      if (secrets.length > 0) {
        await this.#insertSecrets.execute(
          tx,
          secrets.map((s) => ({
            PilotStamp: s.stamp,
            VO: s.vo,
            HashedSecret: s.hashedSecret,
            CreationTime: now,
            ExpirationTime: toSqlDateTime(s.expiresMs),
          })),
        );
      }
    });
  }

  async recordMatch(stamp: string, jobId: number, time: string) {
    // Two statements, each whole on its own, rather than a transaction: this runs on every
    // match, and a transaction's begin and commit cost as much as the statements. The
    // mapping follows the update, so a stamp nobody has adds nothing.
    const updated = await this.#startJobByStamp.execute(this.db, stamp, jobId, time);
    if (Number(updated.numAffectedRows ?? 0) === 0) return false;
    await this.#mapJobByStamp.execute(this.db, stamp, jobId, time);
    return true;
  }

  search(query: TableSearch) {
    return searchTable(this.conn.kysely, 'PilotAgents', PILOT_COLUMNS, query);
  }

  summary(grouping: readonly string[], filters: readonly SearchSpec[]) {
    return summarizeTable(this.conn.kysely, 'PilotAgents', PILOT_COLUMNS, grouping, filters);
  }

  async vosOf(stamps: readonly string[]) {
    if (stamps.length === 0) return new Map<string, string>();
    const rows = await this.#vosOf.rows(this.db, stamps);
    return new Map(rows.map((row) => [row.PilotStamp, row.VO]));
  }

  async updatePilots(
    updates: ReadonlyMap<string, Updateable<PilotAgentsDBTables['PilotAgents']>>,
    time: string,
  ) {
    await transaction(this.db, async (tx) => {
      for (const [stamp, fields] of updates) {
        await this.#updateByStamp.execute(tx, stamp, { ...fields, LastUpdateTime: time });
      }
    });
  }

  async pilotsOfJobs(jobIds: readonly number[]) {
    if (jobIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('JobToPilotMapping')
      .select('PilotID')
      .distinct()
      .where('JobID', 'in', [...jobIds])
      .execute();
    return rows.map((row) => row.PilotID);
  }

  async jobsOfPilots(stamps: readonly string[]) {
    if (stamps.length === 0) return [];
    const rows = await this.db
      .selectFrom('JobToPilotMapping')
      .innerJoin('PilotAgents', 'PilotAgents.PilotID', 'JobToPilotMapping.PilotID')
      .select('JobToPilotMapping.JobID')
      .distinct()
      .where('PilotAgents.PilotStamp', 'in', [...stamps])
      .execute();
    return rows.map((row) => row.JobID);
  }

  async pilotsMappedToJobs(jobIds: readonly number[]) {
    const mapped = new Map<number, { stamp: string; vo: string }[]>();
    if (jobIds.length === 0) return mapped;
    const rows = await this.#pilotsMappedToJobs.rows(this.db, jobIds);
    for (const row of rows) {
      const pilots = mapped.get(row.JobID) ?? [];
      pilots.push({ stamp: row.PilotStamp, vo: row.VO });
      mapped.set(row.JobID, pilots);
    }
    return mapped;
  }

  async getPilotSecret(stamp: string) {
    const [row] = await this.#secret.rows(this.db, stamp);
    return row === undefined
      ? undefined
      : {
          stamp: row.PilotStamp,
          vo: row.VO,
          hashedSecret: row.HashedSecret,
          expiresMs: fromSqlDateTime(row.ExpirationTime),
        };
  }
}
