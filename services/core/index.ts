export { type Clock, ManualClock, monotonicClock, systemClock } from './clock.ts';
export { type Rng, createRng } from './rng.ts';
export {
  AuthorizationPendingError,
  BadGatewayError,
  ConfigNotReadyError,
  ConflictError,
  DatabaseUnavailableError,
  ExtensionFailedError,
  ForbiddenError,
  PayloadTooLargeError,
  GridboxError,
  InvalidRequestError,
  LegacyExchangeDisabledError,
  NotFoundError,
  RETRY_AFTER_S,
  UnauthorizedError,
  UsageError,
  errorCatalogue,
} from './errors.ts';
export {
  type SettingKey,
  type Settings,
  SettingsSchema,
  type StatePaths,
  envName,
  flagName,
  parseSetting,
  parseSettings,
  settingsTable,
  statePaths,
} from './settings.ts';
export * from './config/index.ts';
export { validateAgainst } from './validate.ts';
export { uuid7, uuid7TimeMs } from './uuid7.ts';
export { SECURITY_PROPERTIES } from './properties.ts';
export * from './jdl/index.ts';
export * from './models/job.ts';
export * from './models/search.ts';
export * from './models/job-state-machine.ts';
export * from './models/sandbox.ts';
export * from './models/match.ts';
export * from './models/auth.ts';
export * from './models/catalog.ts';
export * from './models/pilot.ts';
export * from './models/rss.ts';
export { lfnProblem } from './lfn.ts';
