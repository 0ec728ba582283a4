import { defineSqlDb } from '../database.ts';
import { type SandboxMetadataDBTables, sandboxMetadataDBMigrations } from './schema.ts';

export type { SandboxMetadataDBTables } from './schema.ts';
export const sandboxMetadataDb = defineSqlDb<SandboxMetadataDBTables>(
  'SandboxMetadataDB',
  sandboxMetadataDBMigrations,
);
