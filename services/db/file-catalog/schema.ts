import type { Generated } from 'kysely';
import { REPLICA_STATUSES } from '../../core/index.ts';
import type { Migrations } from '../sql/migrate.ts';

/**
 * DIRAC's FileCatalogDB (DFC) tables, in the layout DIRAC's own schema notes as an option:
 * the per-file, per-replica and per-directory "Info" tables folded into their main table,
 * so registering a file is one row and a replica one more. Owners, groups, statuses and
 * storage elements are numbered in their own tables, as in DIRAC. Directory names are full
 * paths (`/vo/a/b`) with a link to the parent, as DIRAC's FC_DirectoryTree.
 */
export interface FileCatalogDBTables {
  FC_DirectoryTree: {
    DirID: Generated<number>;
    DirName: string;
    Parent: number;
    UID: number;
    GID: number;
    Status: Generated<number>;
    Mode: Generated<number>;
    CreationDate: string;
    ModificationDate: string;
  };
  FC_Files: {
    FileID: Generated<number>;
    DirID: number;
    FileName: string;
    Size: number;
    UID: number;
    GID: number;
    Status: number;
    GUID: string;
    Checksum: string;
    CheckSumType: Generated<string>;
    Mode: Generated<number>;
    CreationDate: string;
    ModificationDate: string;
  };
  FC_Replicas: {
    RepID: Generated<number>;
    FileID: number;
    SEID: number;
    Status: number;
    RepType: Generated<string>;
    PFN: string;
    CreationDate: string;
    ModificationDate: string;
  };
  FC_StorageElements: { SEID: Generated<number>; SEName: string; AliasName: Generated<string> };
  FC_Users: { UID: Generated<number>; UserName: string };
  FC_Groups: { GID: Generated<number>; GroupName: string };
  FC_Statuses: { StatusID: Generated<number>; Status: string };
  /** Metadata values are stored as JSON text, so 5 and "5" stay apart. */
  FC_DirMeta: { DirID: number; MetaKey: string; MetaValue: string };
  FC_FileMeta: { FileID: number; MetaKey: string; MetaValue: string };
}

export const fileCatalogDBMigrations: Migrations = (t) => ({
  '0001_initial': {
    async up(db) {
      const index = async (table: string, name: string, columns: string[], unique = false) => {
        const builder = db.schema.createIndex(t.indexName(table, name)).on(table).columns(columns);
        await (unique ? builder.unique() : builder).execute();
      };
      await db.schema
        .createTable('FC_DirectoryTree')
        .addColumn('DirID', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('DirName', t.caseSensitiveString(255), (c) => c.notNull())
        .addColumn('Parent', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('UID', 'integer', (c) => c.notNull())
        .addColumn('GID', 'integer', (c) => c.notNull())
        .addColumn('Status', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('Mode', 'integer', (c) => c.notNull().defaultTo(775))
        .addColumn('CreationDate', t.datetime, (c) => c.notNull())
        .addColumn('ModificationDate', t.datetime, (c) => c.notNull())
        .execute();
      await index('FC_DirectoryTree', 'DirName', ['DirName'], true);
      await index('FC_DirectoryTree', 'Parent', ['Parent']);

      await db.schema
        .createTable('FC_Files')
        .addColumn('FileID', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('DirID', 'integer', (c) => c.notNull())
        .addColumn('FileName', t.caseSensitiveString(128), (c) => c.notNull())
        .addColumn('Size', 'bigint', (c) => c.notNull())
        .addColumn('UID', 'integer', (c) => c.notNull())
        .addColumn('GID', 'integer', (c) => c.notNull())
        .addColumn('Status', 'integer', (c) => c.notNull())
        .addColumn('GUID', 'char(36)', (c) => c.notNull())
        .addColumn('Checksum', 'varchar(32)', (c) => c.notNull())
        .addColumn('CheckSumType', 'varchar(16)', (c) => c.notNull().defaultTo('Adler32'))
        .addColumn('Mode', 'integer', (c) => c.notNull().defaultTo(775))
        .addColumn('CreationDate', t.datetime, (c) => c.notNull())
        .addColumn('ModificationDate', t.datetime, (c) => c.notNull())
        .execute();
      await index('FC_Files', 'DirID_FileName', ['DirID', 'FileName'], true);
      await index('FC_Files', 'GUID', ['GUID']);

      await db.schema
        .createTable('FC_Replicas')
        .addColumn('RepID', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('FileID', 'integer', (c) => c.notNull())
        .addColumn('SEID', 'integer', (c) => c.notNull())
        .addColumn('Status', 'integer', (c) => c.notNull())
        .addColumn('RepType', t.enumOf(['Master', 'Replica']), (c) =>
          c.notNull().defaultTo('Master'),
        )
        .addColumn('PFN', 'varchar(1024)', (c) => c.notNull())
        .addColumn('CreationDate', t.datetime, (c) => c.notNull())
        .addColumn('ModificationDate', t.datetime, (c) => c.notNull())
        .execute();
      await index('FC_Replicas', 'FileID_SEID', ['FileID', 'SEID'], true);
      await index('FC_Replicas', 'SEID', ['SEID']);

      await db.schema
        .createTable('FC_StorageElements')
        .addColumn('SEID', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('SEName', t.caseSensitiveString(127), (c) => c.notNull().unique())
        .addColumn('AliasName', 'varchar(127)', (c) => c.notNull().defaultTo(''))
        .execute();
      await db.schema
        .createTable('FC_Users')
        .addColumn('UID', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('UserName', t.caseSensitiveString(127), (c) => c.notNull().unique())
        .execute();
      await db.schema
        .createTable('FC_Groups')
        .addColumn('GID', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('GroupName', t.caseSensitiveString(127), (c) => c.notNull().unique())
        .execute();
      await db.schema
        .createTable('FC_Statuses')
        .addColumn('StatusID', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('Status', 'varchar(32)', (c) => c.notNull().unique())
        .execute();
      await db
        .insertInto('FC_Statuses')
        .values(REPLICA_STATUSES.map((status) => ({ Status: status })))
        .execute();

      for (const [table, id] of [
        ['FC_DirMeta', 'DirID'],
        ['FC_FileMeta', 'FileID'],
      ] as const) {
        await db.schema
          .createTable(table)
          .addColumn(id, 'integer', (c) => c.notNull())
          .addColumn('MetaKey', t.caseSensitiveString(31), (c) => c.notNull())
          .addColumn('MetaValue', t.caseSensitiveString(1024), (c) => c.notNull())
          .addPrimaryKeyConstraint(`${table}_pk`, [id, 'MetaKey'])
          .execute();
        await index(table, 'MetaKey', ['MetaKey']);
      }
    },
  },
  '0002_default_modes': {
    // Rows written before gridbox set modes got the column default, DIRAC's decimal 775
    // (its code always writes DefaultUmask, 509 = 0o775, instead): as bits that is 0o1407,
    // writable by anyone. Give them the mode DIRAC would have written.
    async up(db) {
      for (const table of ['FC_DirectoryTree', 'FC_Files'] as const)
        await db.updateTable(table).set({ Mode: 0o775 }).where('Mode', '=', 775).execute();
    },
  },
});
