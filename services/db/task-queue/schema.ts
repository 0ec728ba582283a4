import type { Generated } from 'kysely';
import type { Migrations } from '../sql/migrate.ts';

/** The multi-valued requirements of a task queue, one table each: `tq_TQTo<Name>`. */
export const TQ_REQUIREMENT_TABLES = [
  'tq_TQToSites',
  'tq_TQToGridCEs',
  'tq_TQToBannedSites',
  'tq_TQToPlatforms',
  'tq_TQToJobTypes',
  'tq_TQToTags',
] as const;

type RequirementRow = { TQId: number; Value: string };

export interface TaskQueueDBTables {
  tq_TaskQueues: {
    TQId: Generated<number>;
    Owner: string;
    OwnerGroup: string;
    VO: string;
    CPUTime: number;
    Priority: number;
    Enabled: Generated<number>;
  };
  tq_Jobs: { TQId: number; JobId: number; Priority: number; RealPriority: number };
  tq_TQToSites: RequirementRow;
  tq_TQToGridCEs: RequirementRow;
  tq_TQToBannedSites: RequirementRow;
  tq_TQToPlatforms: RequirementRow;
  tq_TQToJobTypes: RequirementRow;
  tq_TQToTags: RequirementRow;
}

export const taskQueueDBMigrations: Migrations = (t) => ({
  '0001_initial': {
    async up(db) {
      await db.schema
        .createTable('tq_TaskQueues')
        .addColumn('TQId', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('Owner', 'varchar(255)', (c) => c.notNull())
        .addColumn('OwnerGroup', 'varchar(32)', (c) => c.notNull())
        .addColumn('VO', 'varchar(32)', (c) => c.notNull())
        .addColumn('CPUTime', 'bigint', (c) => c.notNull())
        .addColumn('Priority', t.double, (c) => c.notNull())
        .addColumn('Enabled', 'boolean', (c) => c.notNull().defaultTo(false))
        .execute();
      await db.schema
        .createIndex(t.indexName('tq_TaskQueues', 'TQOwner'))
        .on('tq_TaskQueues')
        .columns(['Owner', 'OwnerGroup', 'CPUTime'])
        .execute();
      await db.schema
        .createTable('tq_Jobs')
        .addColumn('TQId', 'integer', (c) =>
          c.notNull().references('tq_TaskQueues.TQId').onDelete('cascade'),
        )
        .addColumn('JobId', 'integer', (c) => c.notNull())
        .addColumn('Priority', 'integer', (c) => c.notNull())
        .addColumn('RealPriority', t.double, (c) => c.notNull())
        .addPrimaryKeyConstraint('tq_Jobs_pk', ['TQId', 'JobId'])
        .$call(t.clusteredByPrimaryKey)
        .execute();
      await db.schema
        .createIndex(t.indexName('tq_Jobs', 'TaskIndex'))
        .on('tq_Jobs')
        .column('TQId')
        .execute();
      for (const table of TQ_REQUIREMENT_TABLES) {
        const name = table.slice('tq_TQTo'.length);
        await db.schema
          .createTable(table)
          .addColumn('TQId', 'integer', (c) =>
            c.notNull().references('tq_TaskQueues.TQId').onDelete('cascade'),
          )
          .addColumn('Value', 'varchar(64)', (c) => c.notNull())
          .addPrimaryKeyConstraint(`${table}_pk`, ['TQId', 'Value'])
          .execute();
        await db.schema
          .createIndex(t.indexName(table, `${name}TaskIndex`))
          .on(table)
          .column('TQId')
          .execute();
        await db.schema
          .createIndex(t.indexName(table, `${name}ValueIndex`))
          .on(table)
          .column('Value')
          .execute();
      }
    },
  },
});
