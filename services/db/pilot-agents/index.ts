import { defineSqlDb } from '../database.ts';
import { type PilotAgentsDBTables, pilotAgentsDBMigrations } from './schema.ts';

export type { PilotAgentsDBTables } from './schema.ts';
export const PilotAgentsDB = defineSqlDb<PilotAgentsDBTables>(
  'PilotAgentsDB',
  pilotAgentsDBMigrations,
);
