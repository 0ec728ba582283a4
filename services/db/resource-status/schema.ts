import type { Migrations } from '../sql/migrate.ts';

/** DiracX's ResourceStatusDB, the part gridbox uses: the status of each site. */
export interface ResourceStatusDBTables {
  SiteStatus: {
    Name: string;
    StatusType: string;
    VO: string;
    Status: string;
    Reason: string;
    DateEffective: string;
    TokenExpiration: string;
    ElementType: string;
    LastCheckTime: string;
    TokenOwner: string;
  };
}

export const resourceStatusDBMigrations: Migrations = (t) => ({
  '0001_initial': {
    async up(db) {
      await db.schema
        .createTable('SiteStatus')
        .addColumn('Name', 'varchar(64)', (c) => c.notNull())
        .addColumn('StatusType', 'varchar(128)', (c) => c.notNull().defaultTo('all'))
        .addColumn('VO', 'varchar(64)', (c) => c.notNull().defaultTo('all'))
        .addColumn('Status', 'varchar(8)', (c) => c.notNull().defaultTo(''))
        .addColumn('Reason', 'varchar(512)', (c) => c.notNull().defaultTo('Unspecified'))
        .addColumn('DateEffective', t.datetime, (c) => c.notNull())
        .addColumn('TokenExpiration', t.datetime, (c) => c.notNull())
        .addColumn('ElementType', 'varchar(32)', (c) => c.notNull().defaultTo(''))
        .addColumn('LastCheckTime', t.datetime, (c) => c.notNull())
        .addColumn('TokenOwner', 'varchar(16)', (c) => c.notNull().defaultTo('rs_svc'))
        .addPrimaryKeyConstraint('SiteStatus_pk', ['Name', 'StatusType', 'VO'])
        .execute();
    },
  },
});
