import type { Clock, ConfigSource, Rng } from '../core/index.ts';
import type { DbSet } from '../db/index.ts';
import type {
  AccessTokenClaims,
  AuthSettings,
  IdpClient,
  JobHooks,
  Keystore,
  MatchCache,
  SandboxSettings,
  VerifiedTokens,
} from '../logic/index.ts';
import type { SandboxStore } from '../db/index.ts';
import type { AccessPolicy } from './access-policy.ts';

/** How this box issues and checks tokens. */
export interface AuthContext {
  readonly keystore: Keystore;
  readonly clock: Clock;
  /** `iss` written into every token and required of every token presented. */
  readonly issuer: string;
  readonly settings: AuthSettings;
  /** DiracX's side of the VOs' identity providers. */
  readonly idp: IdpClient;
  /** The CA that proxies must chain to for the proxy exchange; undefined disables it. */
  readonly caCertPem: string | undefined;
  /** Access tokens verified lately. */
  readonly verified: VerifiedTokens;
}

/** How the jobs system behaves where gridbox and DiracX differ. */
export interface JobsSettings {
  /** Reproduce DiracX: job searches see every VO's jobs. */
  readonly searchAcrossVOs: boolean;
}

// The shared services every router may use; the app factory decorates them before any
// router is registered.
declare module 'fastify' {
  interface FastifyInstance {
    configSource: ConfigSource;
    dbs: DbSet;
    policies: ReadonlyMap<string, AccessPolicy>;
    clock: Clock;
    auth: AuthContext;
    jobsSettings: JobsSettings;
    sandboxes: { store: SandboxStore; settings: SandboxSettings };
    /** The app's random generator (seeded), for the matcher's weighted draws. */
    rng: Rng;
    /** What the matcher read lately of each VO's task queues and site mask. */
    matchCache: MatchCache;
    /** The extensions' logic hooks, composed in load order (none: gridbox alone). */
    jobHooks: JobHooks;
  }
  interface FastifyRequest {
    /** The verified access token of the caller; null on routes that do not authenticate. */
    user: AccessTokenClaims | null;
  }
}
