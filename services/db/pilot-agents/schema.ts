import type { Generated } from 'kysely';
import type { Migrations } from '../sql/migrate.ts';

export interface PilotAgentsDBTables {
  PilotAgents: {
    PilotID: Generated<number>;
    InitialJobID: Generated<number>;
    CurrentJobID: Generated<number>;
    PilotJobReference: Generated<string>;
    PilotStamp: Generated<string>;
    DestinationSite: Generated<string>;
    Queue: Generated<string>;
    GridSite: Generated<string>;
    VO: string;
    GridType: Generated<string>;
    BenchMark: Generated<number>;
    SubmissionTime: string | null;
    LastUpdateTime: string | null;
    Status: Generated<string>;
    StatusReason: Generated<string>;
    AccountingSent: Generated<'True' | 'False'>;
  };
  JobToPilotMapping: { PilotID: number; JobID: number; StartTime: string };
  PilotOutput: { PilotID: number; StdOutput: string; StdError: string };
  /** gridbox: the secret a pilot trades for tokens, stored as a SHA-256 hash. */
  PilotSecrets: {
    PilotStamp: string;
    VO: string;
    HashedSecret: string;
    CreationTime: string;
    ExpirationTime: string;
  };
}

export const pilotAgentsDBMigrations: Migrations = (t) => ({
  '0001_initial': {
    async up(db) {
      await db.schema
        .createTable('PilotAgents')
        .addColumn('PilotID', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('InitialJobID', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('CurrentJobID', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('PilotJobReference', 'varchar(255)', (c) => c.notNull().defaultTo('Unknown'))
        .addColumn('PilotStamp', 'varchar(32)', (c) => c.notNull().defaultTo(''))
        .addColumn('DestinationSite', 'varchar(128)', (c) => c.notNull().defaultTo('NotAssigned'))
        .addColumn('Queue', 'varchar(128)', (c) => c.notNull().defaultTo('Unknown'))
        .addColumn('GridSite', 'varchar(128)', (c) => c.notNull().defaultTo('Unknown'))
        .addColumn('VO', 'varchar(128)', (c) => c.notNull())
        .addColumn('GridType', 'varchar(32)', (c) => c.notNull().defaultTo('LCG'))
        .addColumn('BenchMark', t.double, (c) => c.notNull().defaultTo(0))
        .addColumn('SubmissionTime', t.datetime)
        .addColumn('LastUpdateTime', t.datetime)
        .addColumn('Status', 'varchar(32)', (c) => c.notNull().defaultTo('Unknown'))
        .addColumn('StatusReason', 'varchar(255)', (c) => c.notNull().defaultTo('Unknown'))
        .addColumn('AccountingSent', t.enumOf(['True', 'False']), (c) =>
          c.notNull().defaultTo('False'),
        )
        .execute();
      const indexes: Record<string, string[]> = {
        PilotJobReference: ['PilotJobReference'],
        Status: ['Status'],
        Statuskey: ['GridSite', 'DestinationSite', 'Status'],
        idx_dest_queue_status: ['DestinationSite', 'Queue', 'Status'],
      };
      for (const [name, columns] of Object.entries(indexes)) {
        await db.schema
          .createIndex(t.indexName('PilotAgents', name))
          .on('PilotAgents')
          .columns(columns)
          .execute();
      }
      await db.schema
        .createTable('JobToPilotMapping')
        .addColumn('PilotID', 'integer', (c) => c.notNull())
        .addColumn('JobID', 'integer', (c) => c.notNull())
        .addColumn('StartTime', t.datetime, (c) => c.notNull())
        .addPrimaryKeyConstraint('JobToPilotMapping_pk', ['PilotID', 'JobID'])
        .execute();
      for (const column of ['JobID', 'PilotID']) {
        await db.schema
          .createIndex(t.indexName('JobToPilotMapping', column))
          .on('JobToPilotMapping')
          .column(column)
          .execute();
      }
      await db.schema
        .createTable('PilotOutput')
        .addColumn('PilotID', 'integer', (c) => c.primaryKey())
        .addColumn('StdOutput', 'text', (c) => c.notNull())
        .addColumn('StdError', 'text', (c) => c.notNull())
        .execute();
    },
  },
  // Not a DIRAC table: pilots registered through gridbox get a secret (DiracX's direction
  // for pilot credentials), kept apart so the legacy tables stay as DIRAC has them.
  '0002_pilot_secrets': {
    async up(db) {
      await db.schema
        .createTable('PilotSecrets')
        .addColumn('PilotStamp', 'varchar(32)', (c) => c.primaryKey())
        .addColumn('VO', 'varchar(128)', (c) => c.notNull())
        .addColumn('HashedSecret', 'char(64)', (c) => c.notNull())
        .addColumn('CreationTime', t.datetime, (c) => c.notNull())
        .addColumn('ExpirationTime', t.datetime, (c) => c.notNull())
        .execute();
    },
  },
  // DiracX's pilot management indexes the stamp, which every pilot call looks up; DIRAC's
  // table had no such index, and a box with a hundred thousand pilots scanned it each time.
  '0003_pilot_stamp_index': {
    async up(db) {
      await db.schema
        .createIndex(t.indexName('PilotAgents', 'PilotStamp'))
        .on('PilotAgents')
        .column('PilotStamp')
        .execute();
    },
  },
});
