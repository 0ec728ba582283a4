import { randomUUID } from 'node:crypto';
import { constants, deflateSync } from 'node:zlib';
import { unzlibSync } from 'fflate';
import { type Insertable, type Kysely, type Updateable, sql } from 'kysely';
import type { SearchSpec } from '../../core/index.ts';
import { MAX_BOUND_VALUES, chunksByBytes, chunksOf } from '../sql/chunks.ts';
import type { SqlDialectName } from '../sql/connection.ts';
import { type TableSearch, searchTable, summarizeTable } from '../sql/search.ts';
import { JOB_COLUMNS } from './search.ts';
import { type Database, SqlDatabase } from '../database.ts';
import type { JobDBTables } from './schema.ts';
import { PreparedQuery } from '../sql/prepared-query.ts';
import { transaction } from '../sql/node-sqlite-adapter.ts';

/** A job as submission writes it: its Jobs row (less the id) and its JDLs. */
export interface NewJob {
  /** Called with the job's id to produce the processed JDL (`%j` replaced, requirements added). */
  jdl: (jobId: number) => string;
  originalJdl: string;
  jobRequirements: string;
  attributes: Omit<Insertable<JobDBTables['Jobs']>, 'JobID'>;
  inputData: readonly string[];
}

/**
 * zlib's sync calls write into chunks of `chunkSize` bytes cut from Buffer's shared pool. At
 * the default 16 KiB, each JDL (about 1 KiB) took a quarter of a 64 KiB pool slab, and V8
 * answered the external memory growth with full collections.
 * A 4 KiB window and a small state: zlib's defaults set up a 256 KiB state per call, and
 * that setup was most of a JDL's compression (41 against 29 µs for an LHCb-like JDL, the
 * same size out). Fixed Huffman codes: a JDL of about 700 characters is stored in about 577
 * base64 characters rather than 500, and inflating it needs no code tables of its own to be
 * built first, which was half of its inflation (13-14 against 6-7 µs); its deflation gets
 * faster too (27 against 21 µs). Any inflater reads it, Python's zlib.decompress as DiracX
 * calls it too.
 */
const JDL_DEFLATE = {
  windowBits: 12,
  memLevel: 4,
  strategy: constants.Z_FIXED,
  chunkSize: 2048,
} as const;

/** DiracX stores JDLs zlib-compressed and base64-encoded. */
export const compressJdl = (jdl: string) => deflateSync(jdl, JDL_DEFLATE).toString('base64');

/**
 * Where JDLs are inflated, reused: grown (doubled) to the largest JDL read so far.
 * JDLs are inflated by fflate rather than node:zlib, whose every call makes a native stream
 * object freed by a weak callback during the next scavenge: one per match, and under
 * `bench matching` those callbacks were 2 of a scavenge's 4 to 5 ms, a pause every request
 * in flight waits out. Inflating an LHCb-like JDL into this buffer takes 6 to 7 µs (see
 * JDL_DEFLATE) and leaves nothing for the collector. fflate truncates what does not fit, so a full buffer is read again
 * into a larger one.
 */
let inflated = new Uint8Array(64 * 1024);

export function decompressJdl(stored: string): string {
  const compressed = Buffer.from(stored, 'base64');
  for (;;) {
    const out = unzlibSync(compressed, { out: inflated });
    if (out.length < inflated.length)
      return Buffer.from(out.buffer, out.byteOffset, out.length).toString('utf8');
    inflated = new Uint8Array(inflated.length * 2);
  }
}

export type JobSearch = TableSearch;

/** Jobs, their JDLs and input data. */
export interface JobDB extends Database {
  /** One page of the jobs matching the filters, and how many match in all. */
  search(query: JobSearch): Promise<{ total: number; rows: Record<string, unknown>[] }>;
  /** Counts of matching jobs grouped by `grouping` (every column when empty); empty groups are left out. */
  summary(
    grouping: readonly string[],
    filters: readonly SearchSpec[],
  ): Promise<Record<string, unknown>[]>;
  /** Inserts the jobs in one transaction and returns their new ids, in order. */
  insertJobs(jobs: readonly NewJob[]): Promise<number[]>;
  /** Queues a command (Kill) for each job, delivered with its next heartbeat. */
  addCommands(
    jobIds: readonly number[],
    command: string,
    argumentsText: string,
    receptionTime: string,
  ): Promise<void>;
  /** Records a heartbeat's numeric measurements (one row each), replacing any of the same second. */
  addHeartbeatRecords(
    jobId: number,
    measurements: Readonly<Record<string, number>>,
    time: string,
  ): Promise<void>;
  /**
   * The commands not yet delivered to these jobs; every command of theirs is then marked
   * Sent, so each is delivered once.
   */
  takeCommands(
    jobIds: readonly number[],
    time: string,
  ): Promise<{ jobId: number; command: string; arguments: string }[]>;
  /** Owner, group, VO, status and execution times of each of `jobIds` that exists. */
  getStates(jobIds: readonly number[]): Promise<Map<number, JobState>>;
  /** The JDL as first submitted, decompressed; throws for an unknown job. */
  getOriginalJdl(jobId: number): Promise<string>;
  /** Replaces the processed JDL of a job. */
  updateJdl(jobId: number, jdl: string): Promise<void>;
  /** The processed JDL of a job, decompressed. */
  getJdl(jobId: number): Promise<string | undefined>;
  /**
   * Sets attributes of a job only if its Status is still `status`, in one statement, so that
   * of several callers changing it from the same status only one succeeds; true when it did.
   */
  setAttributesIfStatus(
    jobId: number,
    status: string,
    attributes: Updateable<JobDBTables['Jobs']>,
  ): Promise<boolean>;
  /** Who owns a job, and its processed JDL (decompressed): what a pilot gets with it. */
  getOwnerAndJdl(
    jobId: number,
  ): Promise<{ owner: string; ownerGroup: string; vo: string; jdl: string } | undefined>;
  /** Sets Status, MinorStatus and LastUpdateTime (and more) of jobs, without the state machine. */
  setAttributes(
    jobIds: readonly number[],
    attributes: Updateable<JobDBTables['Jobs']>,
  ): Promise<void>;
}

/** Who a job belongs to and where it stands: what access checks and status changes need. */
export interface JobState {
  owner: string;
  ownerGroup: string;
  vo: string;
  status: string;
  /** SQL datetimes, null until the job started or ended. */
  startExecTime: string | null;
  endExecTime: string | null;
}

type JobsUpdate = Updateable<JobDBTables['Jobs']>;

/** One HeartBeatLoggingInfo row per measurement of a heartbeat. */
function heartbeatRows(
  jobId: number,
  time: string,
  names: readonly string[],
  values: readonly string[],
) {
  return names.map((Name, i) => ({ JobID: jobId, Name, Value: values[i]!, HeartBeatTime: time }));
}

export class SqlJobDB extends SqlDatabase<JobDBTables> implements JobDB {
  // The statements of heartbeats, status changes and matches, compiled once (PreparedQuery).
  readonly #deleteHeartbeats = new PreparedQuery(
    this.db,
    (db, jobId: number, time: string, names: readonly string[]) =>
      db
        .deleteFrom('HeartBeatLoggingInfo')
        .where('JobID', '=', jobId)
        .where('HeartBeatTime', '=', time)
        .where('Name', 'in', names),
  );
  readonly #heartbeatsWritten = new PreparedQuery(
    this.db,
    (db, jobId: number, time: string, names: readonly string[]) =>
      db
        .selectFrom('HeartBeatLoggingInfo')
        .select('Name')
        .where('JobID', '=', jobId)
        .where('HeartBeatTime', '=', time)
        .where('Name', 'in', names)
        .limit(1),
  );
  readonly #insertHeartbeats = new PreparedQuery(
    this.db,
    (db, jobId: number, time: string, names: readonly string[], values: readonly string[]) =>
      db.insertInto('HeartBeatLoggingInfo').values(heartbeatRows(jobId, time, names, values)),
  );
  readonly #upsertHeartbeats = new PreparedQuery(
    this.db,
    (db, jobId: number, time: string, names: readonly string[], values: readonly string[]) =>
      db
        .insertInto('HeartBeatLoggingInfo')
        .values(heartbeatRows(jobId, time, names, values))
        .onConflict((conflict) =>
          conflict
            .columns(['JobID', 'Name', 'HeartBeatTime'])
            .doUpdateSet((eb) => ({ Value: eb.ref('excluded.Value') })),
        ),
  );
  readonly #pendingCommands = new PreparedQuery(this.db, (db, jobIds: readonly number[]) =>
    db
      .selectFrom('JobCommands')
      .select(['JobID', 'Command', 'Arguments'])
      .where('JobID', 'in', jobIds)
      .where('Status', '=', 'Received')
      .orderBy('ReceptionTime'),
  );
  readonly #markCommandsSent = new PreparedQuery(
    this.db,
    (db, jobIds: readonly number[], time: string) =>
      db
        .updateTable('JobCommands')
        .set({ Status: 'Sent', ExecutionTime: time })
        .where('JobID', 'in', jobIds)
        .where('Status', '=', 'Received'),
  );
  readonly #states = new PreparedQuery(this.db, (db, jobIds: readonly number[]) =>
    db
      .selectFrom('Jobs')
      .select(['JobID', 'Owner', 'OwnerGroup', 'VO', 'Status', 'StartExecTime', 'EndExecTime'])
      .where('JobID', 'in', jobIds),
  );
  readonly #jdl = new PreparedQuery(this.db, (db, jobId: number) =>
    db.selectFrom('JobJDLs').select('JDL').where('JobID', '=', jobId),
  );
  readonly #ownerAndJdl = new PreparedQuery(this.db, (db, jobId: number) =>
    db
      .selectFrom('Jobs')
      .innerJoin('JobJDLs', 'JobJDLs.JobID', 'Jobs.JobID')
      .select(['Jobs.Owner', 'Jobs.OwnerGroup', 'Jobs.VO', 'JobJDLs.JDL'])
      .where('Jobs.JobID', '=', jobId),
  );
  readonly #setAttributesIfStatus = new PreparedQuery(
    this.db,
    (db, jobId: number, status: string, attributes: JobsUpdate) =>
      db
        .updateTable('Jobs')
        .set(attributes)
        .where('JobID', '=', jobId)
        .where('Status', '=', status),
  );
  readonly #setAttributes = new PreparedQuery(
    this.db,
    (db, jobIds: readonly number[], attributes: JobsUpdate) =>
      db.updateTable('Jobs').set(attributes).where('JobID', 'in', jobIds),
  );

  async insertJobs(jobs: readonly NewJob[]): Promise<number[]> {
    if (jobs.length === 0) return [];
    const rows = jobs.map((job) => ({
      job,
      requirements: job.jobRequirements,
      original: compressJdl(job.originalJdl),
    }));
    return transaction(this.db, async (tx) => {
      // 1. JobJDLs, several rows a statement: the ids come from its auto-increment.
      const ids: number[] = [];
      const jdlBytes = (row: (typeof rows)[number]) =>
        row.requirements.length + row.original.length;
      for (const chunk of chunksByBytes(rows, MAX_BOUND_VALUES / 3, jdlBytes))
        ids.push(...(await insertJdlRows(tx, this.conn.dialect, chunk)));
      // 2. The processed JDLs, which hold the ids (%j): one UPDATE per chunk.
      const processed = rows.map((row, i) => ({
        jobId: ids[i]!,
        jdl: compressJdl(row.job.jdl(ids[i]!)),
      }));
      for (const chunk of chunksByBytes(processed, MAX_BOUND_VALUES / 3, (p) => p.jdl.length)) {
        const cases = sql.join(
          chunk.map(({ jobId, jdl }) => sql`when ${jobId} then ${jdl}`),
          sql` `,
        );
        await tx
          .updateTable('JobJDLs')
          .set({ JDL: sql<string>`case ${sql.ref('JobID')} ${cases} end` })
          .where(
            'JobID',
            'in',
            chunk.map((p) => p.jobId),
          )
          .execute();
      }
      // 3. Jobs rows; a multi-row INSERT names the same columns for each row (SQLite has no
      // DEFAULT in VALUES), so rows giving different attributes go in separate statements.
      const jobRows = rows.map((row, i) => ({ JobID: ids[i]!, ...row.job.attributes }));
      for (const run of runsOfSameColumns(jobRows)) {
        const perRow = Object.keys(run[0]!).length;
        const bytes = (row: (typeof jobRows)[number]) =>
          Object.values(row).reduce<number>((n, v) => n + String(v).length, 0);
        for (const chunk of chunksByBytes(run, Math.floor(MAX_BOUND_VALUES / perRow), bytes))
          await tx.insertInto('Jobs').values(chunk).execute();
      }
      // 4. InputData, two values a row.
      const inputRows = rows.flatMap((row, i) =>
        [...new Set(row.job.inputData)].map((lfn) => ({ JobID: ids[i]!, LFN: lfn })),
      );
      for (const chunk of chunksByBytes(inputRows, MAX_BOUND_VALUES / 2, (r) => r.LFN.length))
        await tx.insertInto('InputData').values(chunk).execute();
      return ids;
    });
  }

  async search(query: JobSearch) {
    return searchTable(this.conn.kysely, 'Jobs', JOB_COLUMNS, query);
  }

  async summary(grouping: readonly string[], filters: readonly SearchSpec[]) {
    return summarizeTable(this.conn.kysely, 'Jobs', JOB_COLUMNS, grouping, filters);
  }

  async addCommands(
    jobIds: readonly number[],
    command: string,
    argumentsText: string,
    receptionTime: string,
  ) {
    if (jobIds.length === 0) return;
    // A command not yet delivered need not be queued twice (killing, then deleting a job).
    const queued = new Set<number>();
    for (const chunk of chunksOf(jobIds)) {
      const pending = await this.db
        .selectFrom('JobCommands')
        .select('JobID')
        .where('JobID', 'in', chunk)
        .where('Command', '=', command)
        .where('Status', '=', 'Received')
        .execute();
      for (const row of pending) queued.add(row.JobID);
    }
    const fresh = jobIds.filter((id) => !queued.has(id));
    // Five values a row.
    for (const chunk of chunksOf(fresh, MAX_BOUND_VALUES / 5)) {
      await this.db
        .insertInto('JobCommands')
        .values(
          chunk.map((JobID) => ({
            JobID,
            Command: command,
            Arguments: argumentsText,
            Status: 'Received',
            ReceptionTime: receptionTime,
          })),
        )
        .execute();
    }
  }

  async addHeartbeatRecords(
    jobId: number,
    measurements: Readonly<Record<string, number>>,
    time: string,
  ) {
    const names = Object.keys(measurements);
    if (names.length === 0) return;
    const values = names.map((name) => String(measurements[name]));
    // SQLite takes a retry's values over the old ones in the insertion itself, a statement
    // less per heartbeat; on MySQL an upsert locks gaps as a delete does (below).
    if (this.conn.dialect === 'sqlite') {
      await this.#upsertHeartbeats.execute(this.db, jobId, time, names, values);
      return;
    }
    // Only a retry finds its values written already. Otherwise the delete is skipped, which
    // is not only a statement less: on MySQL, deleting rows that are not there locks the gap
    // where they would be, and concurrent heartbeats of new jobs, neighbours in the index,
    // deadlocked on each other's gaps.
    if ((await this.#heartbeatsWritten.rows(this.db, jobId, time, names)).length === 0) {
      await this.#insertHeartbeats.execute(this.db, jobId, time, names, values);
      return;
    }
    await transaction(this.db, async (tx) => {
      await this.#deleteHeartbeats.execute(tx, jobId, time, names);
      await this.#insertHeartbeats.execute(tx, jobId, time, names, values);
    });
  }

  async takeCommands(jobIds: readonly number[], time: string) {
    if (jobIds.length === 0) return [];
    // Nearly every heartbeat finds no command: a plain read answers those without a
    // transaction and an UPDATE of nothing. It returns what the transaction would have
    // returned at that moment; a command queued after it waits for the next heartbeat.
    if (
      jobIds.length <= MAX_BOUND_VALUES &&
      (await this.#pendingCommands.rows(this.db, jobIds)).length === 0
    )
      return [];
    return transaction(this.db, async (tx) => {
      const taken: { jobId: number; command: string; arguments: string }[] = [];
      for (const chunk of chunksOf(jobIds)) {
        const pending = await this.#pendingCommands.rows(tx, chunk);
        await this.#markCommandsSent.execute(tx, chunk, time);
        taken.push(
          ...pending.map((row) => ({
            jobId: row.JobID,
            command: row.Command,
            arguments: row.Arguments,
          })),
        );
      }
      return taken;
    });
  }

  async getStates(jobIds: readonly number[]) {
    if (jobIds.length === 0) return new Map<number, JobState>();
    const rows = [];
    for (const chunk of chunksOf(jobIds)) {
      rows.push(...(await this.#states.rows(this.db, chunk)));
    }
    return new Map(
      rows.map((row) => [
        row.JobID,
        {
          owner: row.Owner,
          ownerGroup: row.OwnerGroup,
          vo: row.VO,
          status: row.Status,
          startExecTime: row.StartExecTime,
          endExecTime: row.EndExecTime,
        },
      ]),
    );
  }

  async getOriginalJdl(jobId: number): Promise<string> {
    const row = await this.db
      .selectFrom('JobJDLs')
      .select('OriginalJDL')
      .where('JobID', '=', jobId)
      .executeTakeFirstOrThrow();
    return decompressJdl(row.OriginalJDL);
  }

  async updateJdl(jobId: number, jdl: string): Promise<void> {
    await this.db
      .updateTable('JobJDLs')
      .set({ JDL: compressJdl(jdl) })
      .where('JobID', '=', jobId)
      .execute();
  }

  async getJdl(jobId: number): Promise<string | undefined> {
    const [row] = await this.#jdl.rows(this.db, jobId);
    return row === undefined ? undefined : decompressJdl(row.JDL);
  }

  async setAttributesIfStatus(
    jobId: number,
    status: string,
    attributes: Parameters<JobDB['setAttributesIfStatus']>[2],
  ): Promise<boolean> {
    const result = await this.#setAttributesIfStatus.execute(this.db, jobId, status, attributes);
    return Number(result.numAffectedRows ?? 0) === 1;
  }

  async getOwnerAndJdl(jobId: number) {
    const [row] = await this.#ownerAndJdl.rows(this.db, jobId);
    return row === undefined
      ? undefined
      : { owner: row.Owner, ownerGroup: row.OwnerGroup, vo: row.VO, jdl: decompressJdl(row.JDL) };
  }

  async setAttributes(
    jobIds: readonly number[],
    attributes: Parameters<JobDB['setAttributes']>[1],
  ): Promise<void> {
    for (const chunk of chunksOf(jobIds))
      await this.#setAttributes.execute(this.db, chunk, attributes);
  }
}

/**
 * Inserts JobJDLs rows (their JDL still empty) in one statement and returns their ids, in
 * row order. One multi-row INSERT gives its rows increasing ids, but the drivers report
 * only one: SQLite the last, and its rows' ids are consecutive (one writer at a time holds
 * the database). MySQL reports the first, and its rows are consecutive only with
 * innodb_autoinc_lock_mode 0 or 1 and auto_increment_increment 1; so the rows carry a
 * marker of this statement's own, and the ids are read back from the first one on.
 */
async function insertJdlRows(
  tx: Kysely<JobDBTables>,
  dialect: SqlDialectName,
  rows: readonly { requirements: string; original: string }[],
): Promise<number[]> {
  const marker = dialect === 'sqlite' ? '' : `pending ${randomUUID()}`;
  const inserted = await tx
    .insertInto('JobJDLs')
    .values(
      rows.map((row) => ({
        JDL: marker,
        JobRequirements: row.requirements,
        OriginalJDL: row.original,
      })),
    )
    .executeTakeFirstOrThrow();
  const reported = Number(inserted.insertId);
  if (dialect === 'sqlite') return rows.map((_, i) => reported - rows.length + 1 + i);
  const found = await tx
    .selectFrom('JobJDLs')
    .select('JobID')
    .where('JobID', '>=', reported)
    .where('JDL', '=', marker)
    .orderBy('JobID')
    .execute();
  if (found.length !== rows.length)
    throw new Error(`inserted ${rows.length} JDLs but found ${found.length} of them`);
  return found.map((row) => Number(row.JobID));
}

/** `rows` cut into runs of consecutive rows that give the same columns, in order. */
function runsOfSameColumns<T extends object>(rows: readonly T[]): T[][] {
  const runs: T[][] = [];
  let signature: string | undefined;
  for (const row of rows) {
    const columns = Object.keys(row).join('\u0000');
    if (columns !== signature) {
      runs.push([]);
      signature = columns;
    }
    runs.at(-1)!.push(row);
  }
  return runs;
}
