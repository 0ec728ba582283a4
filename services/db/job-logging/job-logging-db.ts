import { sql } from 'kysely';
import { type Database, SqlDatabase } from '../database.ts';
import { MAX_BOUND_VALUES, chunksOf } from '../sql/chunks.ts';
import { toSqlDateTime } from '../sql/datetime.ts';
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
const MAX_SOURCE_LENGTH = 32;

export class SqlJobLoggingDB extends SqlDatabase<JobLoggingDBTables> implements JobLoggingDB {
  async insertRecords(records: readonly JobLoggingRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.db.transaction().execute(async (tx) => {
      const nextSeq = new Map<number, number>();
      for (const jobIds of chunksOf([...new Set(records.map((r) => r.jobId))])) {
        const last = await tx
          .selectFrom('LoggingInfo')
          .select(['JobID', sql<number>`max(SeqNum)`.as('seq')])
          .where('JobID', 'in', jobIds)
          .groupBy('JobID')
          .execute();
        for (const row of last) nextSeq.set(row.JobID, Number(row.seq) + 1);
      }
      // Eight values a row.
      for (const chunk of chunksOf(records, MAX_BOUND_VALUES / 8)) {
        await tx
          .insertInto('LoggingInfo')
          .values(
            chunk.map((record) => {
              const seq = nextSeq.get(record.jobId) ?? 1;
              nextSeq.set(record.jobId, seq + 1);
              return {
                JobID: record.jobId,
                SeqNum: seq,
                Status: record.status ?? IDEM,
                MinorStatus: record.minorStatus ?? IDEM,
                ApplicationStatus: record.applicationStatus ?? IDEM,
                StatusTime: toSqlDateTime(record.timeMs),
                StatusTimeOrder:
                  Math.round(record.timeMs - STATUS_TIME_ORDER_EPOCH_S * 1000) / 1000,
                StatusSource: record.source.slice(0, MAX_SOURCE_LENGTH),
              };
            }),
          )
          .execute();
      }
    });
  }

  async lastStatusTimes(jobIds: readonly number[]) {
    if (jobIds.length === 0) return new Map<number, number>();
    const rows = [];
    for (const chunk of chunksOf(jobIds)) {
      rows.push(
        ...(await this.db
          .selectFrom('LoggingInfo')
          .select(['JobID', sql<number>`max(StatusTimeOrder)`.as('latest')])
          .where('JobID', 'in', chunk)
          .where('Status', '!=', IDEM)
          .groupBy('JobID')
          .execute()),
      );
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
