import type { Migrations } from '../../../services/db/index.ts';
import { type SqlDbDefinition, jobDb } from '../../../services/db/index.ts';
import { ExampleJobDB } from './example-job-db.ts';
import { LollygagDB } from './lollygag-db.ts';

/**
 * JobDB, replaced (same name as the built-in): gridbox's migrations, then the example's.
 * Its migration names start with `x-example-` so they sort after every gridbox one.
 */
const jobDbMigrations: Migrations = (t) => ({
  ...jobDb.migrations(t),
  'x-example-0001-job-tags': {
    async up(db) {
      await db.schema
        .createTable('JobTags')
        .addColumn('JobID', 'integer', (c) => c.notNull())
        .addColumn('Tag', 'varchar(64)', (c) => c.notNull())
        .addPrimaryKeyConstraint('JobTags_pk', ['JobID', 'Tag'])
        .execute();
    },
  },
});

export const exampleJobDb: SqlDbDefinition<ExampleJobDB> = {
  name: 'JobDB',
  migrations: jobDbMigrations,
  open: (conn) => new ExampleJobDB('JobDB', conn),
};

/** LollygagDB, added (a new name): opened and migrated like the built-ins. */
export const lollygagDb: SqlDbDefinition<LollygagDB> = {
  name: 'LollygagDB',
  migrations: () => ({
    'x-example-0001-owners': {
      async up(db) {
        await db.schema
          .createTable('Owners')
          .addColumn('OwnerID', 'integer', (c) => c.primaryKey().autoIncrement())
          .addColumn('Name', 'varchar(64)', (c) => c.notNull())
          .addColumn('VO', 'varchar(32)', (c) => c.notNull())
          .addUniqueConstraint('Owners_VO_Name', ['VO', 'Name'])
          .execute();
      },
    },
    'x-example-0002-ended-jobs': {
      async up(db) {
        await db.schema
          .createTable('EndedJobs')
          .addColumn('JobID', 'integer', (c) => c.primaryKey())
          .addColumn('VO', 'varchar(32)', (c) => c.notNull())
          .addColumn('Owner', 'varchar(64)', (c) => c.notNull())
          .addColumn('Status', 'varchar(32)', (c) => c.notNull())
          .execute();
      },
    },
  }),
  open: (conn) => new LollygagDB('LollygagDB', conn),
};
