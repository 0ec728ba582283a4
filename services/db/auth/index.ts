import { defineSqlDb } from '../database.ts';
import { type AuthDBTables, authDBMigrations } from './schema.ts';

export type { AuthDBTables } from './schema.ts';
export const AuthDB = defineSqlDb<AuthDBTables>('AuthDB', authDBMigrations);
