import type { SqlDbDefinition } from '../database.ts';
import { type AuthDB, SqlAuthDB } from './auth-db.ts';
import { authDBMigrations } from './schema.ts';

export type { AuthDBTables, FlowStatus, RefreshTokenStatus } from './schema.ts';
export {
  type AuthDB,
  type AuthorizationFlow,
  type DeviceFlow,
  type RefreshTokenRow,
  SqlAuthDB,
  sha256Hex,
} from './auth-db.ts';
export const authDb: SqlDbDefinition<AuthDB> = {
  name: 'AuthDB',
  migrations: authDBMigrations,
  open: (conn) => new SqlAuthDB('AuthDB', conn),
};
