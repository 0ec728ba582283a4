import { defineSqlDb } from '../database.ts';
import { type PilotAgentsDBTables, pilotAgentsDBMigrations } from './schema.ts';

export type { PilotAgentsDBTables } from './schema.ts';
export const pilotAgentsDb = defineSqlDb<PilotAgentsDBTables>(
  'PilotAgentsDB',
  pilotAgentsDBMigrations,
);
