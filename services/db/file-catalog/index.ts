import type { SqlDbDefinition } from '../database.ts';
import { type FileCatalogDB, SqlFileCatalogDB } from './file-catalog-db.ts';
import { fileCatalogDBMigrations } from './schema.ts';

export type { FileCatalogDBTables } from './schema.ts';
export {
  type CatalogUser,
  type FileCatalogDB,
  type FileEntry,
  type PathPermissions,
  type ReplicaEntry,
  SqlFileCatalogDB,
} from './file-catalog-db.ts';
export const fileCatalogDb: SqlDbDefinition<FileCatalogDB> = {
  name: 'FileCatalogDB',
  migrations: fileCatalogDBMigrations,
  open: (conn) => new SqlFileCatalogDB('FileCatalogDB', conn),
};
