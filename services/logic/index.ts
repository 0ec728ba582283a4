export {
  type CacheHeaders,
  type ConditionalRequest,
  type Versioned,
  cacheHeaders,
  isNotModified,
  parseHttpDate,
} from './config/http-cache.ts';
export { requireConfig } from './config/current.ts';
export { checkDatabases } from './health/probes.ts';
export { installationMetadata, type InstallationMetadata } from './well-known/metadata.ts';
export { securityTxt } from './well-known/security-txt.ts';
export * from './auth/index.ts';
export * from './pilots/index.ts';
export * from './jobs/index.ts';
export type { SearchPage } from './search/index.ts';
export * from './catalog/index.ts';
