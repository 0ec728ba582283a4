import type { SqlDbDefinition } from '../database.ts';
import { type ResourceStatusDB, SqlResourceStatusDB } from './resource-status-db.ts';
import { resourceStatusDBMigrations } from './schema.ts';

export type { ResourceStatusDBTables } from './schema.ts';
export {
  type ResourceStatusDB,
  type SiteStatusRow,
  SqlResourceStatusDB,
} from './resource-status-db.ts';
export const resourceStatusDb: SqlDbDefinition<ResourceStatusDB> = {
  name: 'ResourceStatusDB',
  migrations: resourceStatusDBMigrations,
  open: (conn) => new SqlResourceStatusDB('ResourceStatusDB', conn),
};
