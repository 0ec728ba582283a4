import { sql } from 'kysely';
import { type Database, SqlDatabase } from '../database.ts';
import { MAX_BOUND_VALUES, chunksOf } from '../sql/chunks.ts';
import { toSqlDateTime } from '../sql/datetime.ts';
import { PreparedQuery } from '../sql/prepared-query.ts';
import { transaction } from '../sql/node-sqlite-adapter.ts';
import { type JobLoggingDBTables, STATUS_TIME_ORDER_EPOCH_S } from './schema.ts';

/** One line of a job's history. Fields not given are stored as DIRAC's `idem`. */
export interface JobLoggingRecord {
  jobId: number;
  status?: string;
  minorStatus?: string;
  applicationStatus?: string;
  timeMs: number;
  source: string;
}

/** The history of every job's statuses. */
export interface JobLoggingDB extends Database {
  insertRecords(records: readonly JobLoggingRecord[]): Promise<void>;
  /**
   * For each job, the time (ms) of its latest record that set a major status: updates older
   * than this only go to the history.
   */
  lastStatusTimes(jobIds: readonly number[]): Promise<Map<number, number>>;
  /** A job's records in the order they were written. */
  getRecords(jobId: number): Promise<JobLoggingDBTables['LoggingInfo'][]>;
  /** The records of several jobs, each job's in the order they were written. */
  getHistories(
    jobIds: readonly number[],
  ): Promise<Map<number, JobLoggingDBTables['LoggingInfo'][]>>;
}

const IDEM = 'idem';

/** DIRAC's StatusTimeOrder: seconds since its epoch, to the millisecond. */
const statusTimeOrder = (timeMs: number) =>
  Math.round(timeMs - STATUS_TIME_ORDER_EPOCH_S * 1000) / 1000;
const MAX_SOURCE_LENGTH = 32;

export class SqlJobLoggingDB extends SqlDatabase<JobLoggingDBTables> implements JobLoggingDB {
  // Every status change runs these; compiled once (PreparedQuery).
  readonly #lastSeqNums = new PreparedQuery(this.db, (db, jobIds: readonly number[]) =>
    db
      .selectFrom('LoggingInfo')
      .select(['JobID', sql<number>`max(SeqNum)`.as('seq')])
      .where('JobID', 'in', jobIds)
      .groupBy('JobID'),
  );
  readonly #insert = new PreparedQuery(
    this.db,
    // The rows as one list per column.
    (
      db,
      jobIds: readonly number[],
      seqNums: readonly number[],
      statuses: readonly string[],
      minorStatuses: readonly string[],
      applicationStatuses: readonly string[],
      statusTimes: readonly string[],
      statusTimeOrders: readonly number[],
      sources: readonly string[],
    ) =>
      db.insertInto('LoggingInfo').values(
        jobIds.map((JobID, i) => ({
          JobID,
          SeqNum: seqNums[i]!,
          Status: statuses[i]!,
          MinorStatus: minorStatuses[i]!,
          ApplicationStatus: applicationStatuses[i]!,
          StatusTime: statusTimes[i]!,
          StatusTimeOrder: statusTimeOrders[i]!,
          StatusSource: sources[i]!,
        })),
      ),
  );
  /**
   * One record in one statement, its SeqNum the job's next: a transaction's begin and commit
   * around a read and an insert cost as much again, and most status changes (a match, a
   * pilot's report) add one record. SQLite only (see insertRecords).
   */
  readonly #insertOne = new PreparedQuery(
    this.db,
    (
      db,
      jobId: number,
      status: string,
      minorStatus: string,
      applicationStatus: string,
      statusTime: string,
      statusTimeOrder: number,
      source: string,
    ) =>
      db
        .insertInto('LoggingInfo')
        .columns([
          'JobID',
          'SeqNum',
          'Status',
          'MinorStatus',
          'ApplicationStatus',
          'StatusTime',
          'StatusTimeOrder',
          'StatusSource',
        ])
        .expression(
          db
            .selectFrom('LoggingInfo')
            .select((eb) => [
              eb.val(jobId).as('JobID'),
              sql<number>`coalesce(max(SeqNum), 0) + 1`.as('SeqNum'),
              eb.val(status).as('Status'),
              eb.val(minorStatus).as('MinorStatus'),
              eb.val(applicationStatus).as('ApplicationStatus'),
              eb.val(statusTime).as('StatusTime'),
              eb.val(statusTimeOrder).as('StatusTimeOrder'),
              eb.val(source).as('StatusSource'),
            ])
            .where('JobID', '=', jobId),
        ),
  );
  readonly #lastStatusTimes = new PreparedQuery(this.db, (db, jobIds: readonly number[]) =>
    db
      .selectFrom('LoggingInfo')
      .select(['JobID', sql<number>`max(StatusTimeOrder)`.as('latest')])
      .where('JobID', 'in', jobIds)
      .where('Status', '!=', IDEM)
      .groupBy('JobID'),
  );

  async insertRecords(records: readonly JobLoggingRecord[]): Promise<void> {
    if (records.length === 0) return;
    // MySQL's INSERT…SELECT locks what its SELECT reads, the gap after a new job's last
    // record included, and concurrent records of neighbouring jobs deadlocked on those gaps.
    // SQLite has one writer: nothing to lock against.
    if (records.length === 1 && this.conn.dialect === 'sqlite') {
      const [record] = records as [JobLoggingRecord];
      await this.#insertOne.execute(
        this.db,
        record.jobId,
        record.status ?? IDEM,
        record.minorStatus ?? IDEM,
        record.applicationStatus ?? IDEM,
        toSqlDateTime(record.timeMs),
        statusTimeOrder(record.timeMs),
        record.source.slice(0, MAX_SOURCE_LENGTH),
      );
      return;
    }
    await transaction(this.db, async (tx) => {
      const nextSeq = new Map<number, number>();
      for (const jobIds of chunksOf([...new Set(records.map((r) => r.jobId))])) {
        const last = await this.#lastSeqNums.rows(tx, jobIds);
        for (const row of last) nextSeq.set(row.JobID, Number(row.seq) + 1);
      }
      // Eight values a row.
      for (const chunk of chunksOf(records, MAX_BOUND_VALUES / 8)) {
        const seqNums = chunk.map((record) => {
          const seq = nextSeq.get(record.jobId) ?? 1;
          nextSeq.set(record.jobId, seq + 1);
          return seq;
        });
        await this.#insert.execute(
          tx,
          chunk.map((record) => record.jobId),
          seqNums,
          chunk.map((record) => record.status ?? IDEM),
          chunk.map((record) => record.minorStatus ?? IDEM),
          chunk.map((record) => record.applicationStatus ?? IDEM),
          chunk.map((record) => toSqlDateTime(record.timeMs)),
          chunk.map((record) => statusTimeOrder(record.timeMs)),
          chunk.map((record) => record.source.slice(0, MAX_SOURCE_LENGTH)),
        );
      }
    });
  }

  async lastStatusTimes(jobIds: readonly number[]) {
    if (jobIds.length === 0) return new Map<number, number>();
    const rows = [];
    for (const chunk of chunksOf(jobIds)) {
      rows.push(...(await this.#lastStatusTimes.rows(this.db, chunk)));
    }
    return new Map(
      rows.map((row) => [
        row.JobID,
        Math.round((Number(row.latest) + STATUS_TIME_ORDER_EPOCH_S) * 1000),
      ]),
    );
  }

  async getHistories(jobIds: readonly number[]) {
    const histories = new Map<number, JobLoggingDBTables['LoggingInfo'][]>(
      jobIds.map((id) => [id, []]),
    );
    if (jobIds.length === 0) return histories;
    for (const chunk of chunksOf(jobIds)) {
      const rows = await this.db
        .selectFrom('LoggingInfo')
        .selectAll()
        .where('JobID', 'in', chunk)
        .orderBy('JobID')
        .orderBy('SeqNum')
        .execute();
      for (const row of rows) histories.get(row.JobID)?.push(row);
    }
    return histories;
  }

  async getRecords(jobId: number) {
    return this.db
      .selectFrom('LoggingInfo')
      .selectAll()
      .where('JobID', '=', jobId)
      .orderBy('SeqNum')
      .execute();
  }
}
