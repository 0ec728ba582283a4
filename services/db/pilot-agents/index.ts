import type { SqlDbDefinition } from '../database.ts';
import { type PilotAgentsDB, SqlPilotAgentsDB } from './pilot-agents-db.ts';
import { pilotAgentsDBMigrations } from './schema.ts';

export type { PilotAgentsDBTables } from './schema.ts';
export {
  type NewPilot,
  type PilotAgentsDB,
  type PilotSecret,
  SqlPilotAgentsDB,
} from './pilot-agents-db.ts';
export { PILOT_COLUMNS } from './search.ts';
export const pilotAgentsDb: SqlDbDefinition<PilotAgentsDB> = {
  name: 'PilotAgentsDB',
  migrations: pilotAgentsDBMigrations,
  open: (conn) => new SqlPilotAgentsDB('PilotAgentsDB', conn),
};
