export type { Database, SqlDbDefinition, StoreDbContext, StoreDbDefinition } from './database.ts';
export * from './opensearch/index.ts';
export { DbSet, type DbInterfaces, type DbName, methodsOf } from './db-set.ts';
export * from './job-parameters/index.ts';
export { SqlDatabase, defineSqlDb } from './database.ts';
export {
  openDatabases,
  type OpenDatabasesOptions,
  type StartedDatabases,
} from './open-databases.ts';
export {
  DEFAULT_SQL_TIMEOUT_MS,
  openSql,
  type SqlConnection,
  type SqlDialectName,
  type SqlOptions,
} from './sql/connection.ts';
export { dbUrlsFromEnv, diracxDbUrlVariable } from './sql/diracx-db-urls.ts';
export {
  OTHER_STATEMENTS,
  type StatementTiming,
  StatementTimings,
} from './sql/statement-timings.ts';
export { migrateDb, type Migrations } from './sql/migrate.ts';
export { columnTypes, type ColumnTypes } from './sql/column-types.ts';
export {
  type AuthDB,
  type AuthDBTables,
  authDb,
  type AuthorizationFlow,
  type DeviceFlow,
  type RefreshTokenRow,
  SqlAuthDB,
  sha256Hex,
} from './auth/index.ts';
export {
  fromSqlDateTime,
  isStorableTime,
  sqlDateTimeToIso,
  toSqlDateTime,
} from './sql/datetime.ts';
export * from './job/index.ts';
export * from './job-logging/index.ts';
export {
  type NewPilot,
  type PilotAgentsDB,
  type PilotAgentsDBTables,
  type PilotSecret,
  pilotAgentsDb,
} from './pilot-agents/index.ts';
export * from './sandbox-metadata/index.ts';
export * from './task-queue/index.ts';
export * from './sandbox-store/index.ts';
export * from './resource-status/index.ts';
export * from './file-catalog/index.ts';
export {
  type ConformanceCheck,
  type ConformanceResult,
  type ConformanceSuite,
  runConformanceSuite,
} from './conformance.ts';
export {
  type JobDBs,
  jobDbConformance,
  jobLoggingDbConformance,
  taskQueueDbConformance,
} from './job/job-db-conformance.ts';
export { DB_CONFORMANCE_SUITES } from './conformance-suites.ts';
