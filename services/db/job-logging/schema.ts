import type { Migrations } from '../sql/migrate.ts';

/** Seconds between the Unix epoch and the origin of LoggingInfo.StatusTimeOrder (DIRAC's). */
export const STATUS_TIME_ORDER_EPOCH_S = 1270000000;

export interface JobLoggingDBTables {
  LoggingInfo: {
    JobID: number;
    SeqNum: number;
    Status: string;
    MinorStatus: string;
    ApplicationStatus: string;
    StatusTime: string;
    /** Seconds since STATUS_TIME_ORDER_EPOCH_S, millisecond precision: orders records. */
    StatusTimeOrder: number;
    StatusSource: string;
  };
}

export const jobLoggingDBMigrations: Migrations = (t) => ({
  '0001_initial': {
    async up(db) {
      await db.schema
        .createTable('LoggingInfo')
        .addColumn('JobID', 'integer', (c) => c.notNull())
        .addColumn('SeqNum', 'integer', (c) => c.notNull())
        .addColumn('Status', 'varchar(32)', (c) => c.notNull().defaultTo(''))
        .addColumn('MinorStatus', 'varchar(128)', (c) => c.notNull().defaultTo(''))
        .addColumn('ApplicationStatus', 'varchar(255)', (c) => c.notNull().defaultTo(''))
        .addColumn('StatusTime', t.datetime, (c) => c.notNull())
        .addColumn('StatusTimeOrder', 'numeric(12, 3)', (c) => c.notNull().defaultTo(0))
        .addColumn('StatusSource', 'varchar(32)', (c) => c.notNull().defaultTo('Unknown'))
        .addPrimaryKeyConstraint('LoggingInfo_pk', ['JobID', 'SeqNum'])
        .execute();
    },
  },
});
