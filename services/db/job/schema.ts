import type { Generated } from 'kysely';
import type { Migrations } from '../sql/migrate.ts';

/**
 * JobDB tables, with DIRAC's legacy names so that gridbox and DiracX can share a database.
 * Datetimes are `YYYY-MM-DD HH:MM:SS` UTC strings written by the application.
 */
export interface JobDBTables {
  JobJDLs: { JobID: Generated<number>; JDL: string; JobRequirements: string; OriginalJDL: string };
  Jobs: {
    JobID: number;
    JobType: Generated<string>;
    JobGroup: Generated<string>;
    Site: Generated<string>;
    JobName: Generated<string>;
    Owner: Generated<string>;
    OwnerGroup: Generated<string>;
    VO: string;
    SubmissionTime: string | null;
    RescheduleTime: string | null;
    LastUpdateTime: string | null;
    StartExecTime: string | null;
    HeartBeatTime: string | null;
    EndExecTime: string | null;
    Status: Generated<string>;
    MinorStatus: Generated<string>;
    ApplicationStatus: Generated<string>;
    UserPriority: Generated<number>;
    RescheduleCounter: Generated<number>;
    VerifiedFlag: Generated<'True' | 'False'>;
    AccountedFlag: Generated<'True' | 'False' | 'Failed'>;
  };
  InputData: { JobID: number; LFN: string; Status: Generated<string> };
  JobParameters: { JobID: number; Name: string; Value: string };
  OptimizerParameters: { JobID: number; Name: string; Value: string };
  AtticJobParameters: { JobID: number; Name: string; Value: string; RescheduleCycle: number };
  HeartBeatLoggingInfo: { JobID: number; Name: string; Value: string; HeartBeatTime: string };
  JobCommands: {
    JobID: number;
    Command: string;
    Arguments: string;
    Status: Generated<string>;
    ReceptionTime: string;
    ExecutionTime: string | null;
  };
}

const PARAMETER_TABLES = ['JobParameters', 'OptimizerParameters', 'AtticJobParameters'] as const;

export const jobDBMigrations: Migrations = (t) => ({
  '0001_initial': {
    async up(db) {
      await db.schema
        .createTable('JobJDLs')
        .addColumn('JobID', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('JDL', 'text', (c) => c.notNull())
        .addColumn('JobRequirements', 'text', (c) => c.notNull())
        .addColumn('OriginalJDL', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('Jobs')
        .addColumn('JobID', 'integer', (c) =>
          c.primaryKey().references('JobJDLs.JobID').onDelete('cascade'),
        )
        .addColumn('JobType', 'varchar(32)', (c) => c.notNull().defaultTo('user'))
        .addColumn('JobGroup', 'varchar(32)', (c) => c.notNull().defaultTo('00000000'))
        .addColumn('Site', 'varchar(100)', (c) => c.notNull().defaultTo('ANY'))
        .addColumn('JobName', 'varchar(128)', (c) => c.notNull().defaultTo('Unknown'))
        .addColumn('Owner', 'varchar(64)', (c) => c.notNull().defaultTo('Unknown'))
        .addColumn('OwnerGroup', 'varchar(128)', (c) => c.notNull().defaultTo('Unknown'))
        .addColumn('VO', 'varchar(32)', (c) => c.notNull())
        .addColumn('SubmissionTime', t.datetime)
        .addColumn('RescheduleTime', t.datetime)
        .addColumn('LastUpdateTime', t.datetime)
        .addColumn('StartExecTime', t.datetime)
        .addColumn('HeartBeatTime', t.datetime)
        .addColumn('EndExecTime', t.datetime)
        .addColumn('Status', 'varchar(32)', (c) => c.notNull().defaultTo('Received'))
        .addColumn('MinorStatus', 'varchar(128)', (c) => c.notNull().defaultTo('Unknown'))
        .addColumn('ApplicationStatus', 'varchar(255)', (c) => c.notNull().defaultTo('Unknown'))
        .addColumn('UserPriority', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('RescheduleCounter', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('VerifiedFlag', t.enumOf(['True', 'False']), (c) =>
          c.notNull().defaultTo('False'),
        )
        .addColumn('AccountedFlag', t.enumOf(['True', 'False', 'Failed']), (c) =>
          c.notNull().defaultTo('False'),
        )
        .execute();
      const jobsIndexes: Record<string, string[]> = {
        JobType: ['JobType'],
        JobGroup: ['JobGroup'],
        Site: ['Site'],
        Owner: ['Owner'],
        OwnerGroup: ['OwnerGroup'],
        Status: ['Status'],
        MinorStatus: ['MinorStatus'],
        ApplicationStatus: ['ApplicationStatus'],
        StatusSite: ['Status', 'Site'],
        LastUpdateTime: ['LastUpdateTime'],
      };
      for (const [name, columns] of Object.entries(jobsIndexes)) {
        await db.schema
          .createIndex(t.indexName('Jobs', name))
          .on('Jobs')
          .columns(columns)
          .execute();
      }
      await db.schema
        .createTable('InputData')
        .addColumn('JobID', 'integer', (c) =>
          c.notNull().references('Jobs.JobID').onDelete('cascade'),
        )
        .addColumn('LFN', 'varchar(255)', (c) => c.notNull().defaultTo(''))
        .addColumn('Status', 'varchar(32)', (c) => c.notNull().defaultTo('AprioriGood'))
        .addPrimaryKeyConstraint('InputData_pk', ['JobID', 'LFN'])
        .execute();
      for (const table of PARAMETER_TABLES) {
        let builder = db.schema
          .createTable(table)
          .addColumn('JobID', 'integer', (c) =>
            c.notNull().references('Jobs.JobID').onDelete('cascade'),
          )
          .addColumn('Name', 'varchar(100)', (c) => c.notNull())
          .addColumn('Value', 'text', (c) => c.notNull());
        if (table === 'AtticJobParameters') {
          builder = builder.addColumn('RescheduleCycle', 'integer', (c) => c.notNull());
        }
        await builder.addPrimaryKeyConstraint(`${table}_pk`, ['JobID', 'Name']).execute();
      }
      await db.schema
        .createTable('HeartBeatLoggingInfo')
        .addColumn('JobID', 'integer', (c) =>
          c.notNull().references('Jobs.JobID').onDelete('cascade'),
        )
        .addColumn('Name', 'varchar(100)', (c) => c.notNull())
        .addColumn('Value', 'text', (c) => c.notNull())
        .addColumn('HeartBeatTime', t.datetime, (c) => c.notNull())
        .addPrimaryKeyConstraint('HeartBeatLoggingInfo_pk', ['JobID', 'Name', 'HeartBeatTime'])
        .execute();
      await db.schema
        .createTable('JobCommands')
        .addColumn('JobID', 'integer', (c) =>
          c.notNull().references('Jobs.JobID').onDelete('cascade'),
        )
        .addColumn('Command', 'varchar(100)', (c) => c.notNull())
        .addColumn('Arguments', 'varchar(100)', (c) => c.notNull())
        .addColumn('Status', 'varchar(64)', (c) => c.notNull().defaultTo('Received'))
        .addColumn('ReceptionTime', t.datetime, (c) => c.notNull())
        .addColumn('ExecutionTime', t.datetime)
        .addPrimaryKeyConstraint('JobCommands_pk', ['JobID', 'ReceptionTime'])
        .execute();
    },
  },
});
