import type { Generated } from 'kysely';
import type { Migrations } from '../sql/migrate.ts';

export interface SandboxMetadataDBTables {
  sb_Owners: { OwnerID: Generated<number>; Owner: string; OwnerGroup: string; VO: string };
  sb_SandBoxes: {
    SBId: Generated<number>;
    OwnerId: number;
    SEName: string;
    SEPFN: string;
    Bytes: number;
    RegistrationTime: string;
    LastAccessTime: string;
    Assigned: Generated<number>;
  };
  sb_EntityMapping: { SBId: number; EntityId: string; Type: string };
}

export const sandboxMetadataDBMigrations: Migrations = (t) => ({
  '0001_initial': {
    async up(db) {
      await db.schema
        .createTable('sb_Owners')
        .addColumn('OwnerID', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('Owner', 'varchar(32)', (c) => c.notNull())
        .addColumn('OwnerGroup', 'varchar(32)', (c) => c.notNull())
        .addColumn('VO', 'varchar(64)', (c) => c.notNull())
        .addUniqueConstraint('unique_owner_group_vo', ['Owner', 'OwnerGroup', 'VO'])
        .execute();
      await db.schema
        .createTable('sb_SandBoxes')
        .addColumn('SBId', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('OwnerId', 'integer', (c) => c.notNull())
        .addColumn('SEName', 'varchar(64)', (c) => c.notNull())
        .addColumn('SEPFN', 'varchar(512)', (c) => c.notNull())
        .addColumn('Bytes', 'bigint', (c) => c.notNull())
        .addColumn('RegistrationTime', t.datetime, (c) => c.notNull())
        .addColumn('LastAccessTime', t.datetime, (c) => c.notNull())
        .addColumn('Assigned', 'boolean', (c) => c.notNull().defaultTo(false))
        .addUniqueConstraint('Location', ['SEName', 'SEPFN'])
        .execute();
      await db.schema
        .createIndex(t.indexName('sb_SandBoxes', 'OwnerId'))
        .on('sb_SandBoxes')
        .column('OwnerId')
        .execute();
      await db.schema
        .createTable('sb_EntityMapping')
        .addColumn('SBId', 'integer', (c) => c.notNull())
        .addColumn('EntityId', 'varchar(128)', (c) => c.notNull())
        .addColumn('Type', 'varchar(64)', (c) => c.notNull())
        .addPrimaryKeyConstraint('sb_EntityMapping_pk', ['SBId', 'EntityId', 'Type'])
        .execute();
      await db.schema
        .createIndex(t.indexName('sb_EntityMapping', 'SBId'))
        .on('sb_EntityMapping')
        .columns(['SBId', 'EntityId'])
        .execute();
    },
  },
});
