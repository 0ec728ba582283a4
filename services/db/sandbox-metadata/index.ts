import type { SqlDbDefinition } from '../database.ts';
import { type SandboxMetadataDB, SqlSandboxMetadataDB } from './sandbox-metadata-db.ts';
import { sandboxMetadataDBMigrations } from './schema.ts';

export type { SandboxMetadataDBTables } from './schema.ts';
export {
  type SandboxMetadataDB,
  type SandboxOwner,
  type SandboxType,
  SqlSandboxMetadataDB,
} from './sandbox-metadata-db.ts';
export const sandboxMetadataDb: SqlDbDefinition<SandboxMetadataDB> = {
  name: 'SandboxMetadataDB',
  migrations: sandboxMetadataDBMigrations,
  open: (conn) => new SqlSandboxMetadataDB('SandboxMetadataDB', conn),
};
