import './context.ts';

export { type AccessPolicy, openAccessPolicy, policyNamed } from './access-policy.ts';
export type { RouterDefinition } from './router-definition.ts';
export { ErrorSchema, UnavailableSchema, ValidationErrorSchema } from './schemas.ts';
export type { ErrorBody, ValidationErrorBody } from './schemas.ts';
export { authRouter } from './auth/index.ts';
export { authenticate, currentUser } from './authenticate.ts';
export type { AuthContext, JobsSettings } from './context.ts';
export { configRouter } from './config/index.ts';
export { healthRouter } from './health/index.ts';
export { type WmsAction, wmsPolicy } from './jobs/access-policy.ts';
export { jobsRouter } from './jobs/index.ts';
export { sandboxPolicy } from './jobs/sandbox-policy.ts';
export { pilotPolicy } from './pilots/access-policy.ts';
export { pilotsRouter } from './pilots/index.ts';
export { rssRouter } from './rss/index.ts';
export { sandboxStoreRouter } from './sandbox-store/index.ts';
export { wellKnownRouter } from './well-known/index.ts';
