import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  LogController,
} from 'fastify';
import { pino } from 'pino';
import { createSecretKey, randomBytes } from 'node:crypto';
import {
  type Clock,
  type ConfigSource,
  type Rng,
  SECURITY_PROPERTIES,
  createRng,
  systemClock,
} from '../core/index.ts';
import {
  type Database,
  DbSet,
  MemorySandboxStore,
  type OpenSearchConnectionOptions,
  type SandboxStore,
  openDatabases,
} from '../db/index.ts';
import { checkOperationsSections, checkRegistry } from './registry-check.ts';
import type { Dispatcher } from 'undici';
import {
  type AuthSettings,
  IdpClient,
  type Keystore,
  MatchCache,
  type SandboxSettings,
  VerifiedTokens,
  composeJobHooks,
  generateKeystore,
  repairInterruptedJobs,
} from '../logic/index.ts';
import {
  type AuthContext,
  type JobsSettings,
  authenticate,
  checkClientVersion,
  DIRACX_MIN_CLIENT_VERSION,
} from '../routers/index.ts';
import { DirectRoutes } from './direct-calls.ts';
import { handleError } from './error-handler.ts';
import {
  clientErrorHandler,
  frameworkErrors,
  notFoundHandler,
  requireHost,
  validatorCompilers,
} from './framework-errors.ts';
import { limitJsonDepth } from './json-body.ts';
import { registerOpenApi } from './openapi.ts';
import { settleHandlersOnClose } from './settle-handlers.ts';
import { type Registry, builtinRegistry } from './registry.ts';

export interface AppOptions {
  configSource: ConfigSource;
  /** Where every DB keeps its tables; each app opens its own connection. */
  dbUrl?: string;
  /**
   * Where some DBs keep their tables instead, by DB name (see `dbUrlsFromEnv`): one
   * database per DB on one MySQL server, as DiracX deploys them.
   */
  dbUrls?: Readonly<Record<string, string>>;
  /**
   * The OpenSearch server of the OpenSearch DBs (JobParametersDB), as
   * `parseOpenSearchConnection` reads DiracX's `DIRACX_OS_DB_<NAME>`; in process when not given.
   */
  openSearch?: OpenSearchConnectionOptions;
  /** Longest wait for one request to a DB server (a MySQL statement, an OpenSearch request) before the API answers 503 (default 10 s). */
  dbTimeoutMs?: number;
  /** The parts to assemble; extensions pass an extended registry. */
  registry?: Registry;
  /** Where logs go; silent when not given, as tests want. */
  logger?: FastifyBaseLogger;
  clock?: Clock;
  /** Random choices (the matcher's); seeded so runs can be replayed. */
  rng?: Rng;
  /** Largest request body accepted, in bytes; larger ones get 413. */
  bodyLimitBytes?: number;
  /** Serve HTTPS with this PEM certificate and key instead of plain HTTP. */
  https?: { cert: string; key: string };
  auth?: AuthOptions;
  jobs?: Partial<JobsSettings>;
  sandboxes?: { store?: SandboxStore; settings?: Partial<SandboxSettings> };
}

/** How the box authenticates; everything has DiracX's default. */
export interface AuthOptions {
  /** Signing and verification keys; a fresh Ed25519 key when not given. */
  keystore?: Keystore;
  /**
   * `iss` of the tokens. A constant rather than the URL the app listens on, so replicas
   * behind one load balancer accept each other's tokens.
   */
  issuer?: string;
  settings?: Partial<AuthSettings>;
  /** TLS settings for reaching identity providers (a CA bundle). */
  idpDispatcher?: Dispatcher;
  /** The CA that proxies must chain to for the proxy exchange. */
  caCertPem?: string;
}

const DEFAULT_ISSUER = 'gridbox';

function authSettings(overrides: Partial<AuthSettings>): AuthSettings {
  return {
    clientId: 'myDIRACClientID',
    allowedRedirects: [],
    deviceFlowExpirationS: 600,
    authorizationFlowExpirationS: 300,
    accessTokenExpireMinutes: 20,
    refreshTokenExpireMinutes: 60,
    stateKey: randomBytes(32),
    availableProperties: SECURITY_PROPERTIES,
    legacyExchangeHashedApiKey: undefined,
    pilotSecretLifetimeS: 86400,
    ...overrides,
  };
}

const DEFAULT_BODY_LIMIT_BYTES = 1024 * 1024;
const DEFAULT_DB_TIMEOUT_MS = 10_000;

/**
 * Builds the DiracX API as a Fastify app, ready but not listening: tests inject requests
 * into it, the in-process client drives it, and the CLI makes it listen.
 * DBs are opened (and their tables migrated) here and closed when the app closes.
 */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const registry = options.registry ?? builtinRegistry;
  // The routes never touch the raw server, so an HTTPS app is typed like an HTTP one.
  const app = Fastify({
    // Node refuses an HTTP/1.1 request without Host with an empty 400; requireHost does it with a body.
    ...(options.https === undefined
      ? { http: { requireHostHeader: false } }
      : { https: { ...options.https, requireHostHeader: false } }),
    loggerInstance: options.logger ?? pino({ level: 'silent' }),
    // Per-request log lines would dominate load tests; errors are still logged.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES,
    // Unknown keys are refused with 422, as FastAPI does, rather than silently dropped.
    ajv: { customOptions: { removeAdditional: false } },
    // Bodies are validated without type coercion; query strings and paths keep it.
    schemaController: { compilersFactory: validatorCompilers },
    // Errors answered before any route runs get the same `{"detail": ...}` body.
    clientErrorHandler,
    frameworkErrors,
  }) as unknown as FastifyInstance;
  const notFound = notFoundHandler(app);
  // Without a route, the path or the method is what is wrong, whatever else is (a body Fastify
  // could not read): route first, as Starlette does.
  app.setErrorHandler<FastifyError>((error, request, reply) =>
    request.is404 ? notFound(request, reply) : handleError(error, request, reply),
  );
  limitJsonDepth(app);
  app.setNotFoundHandler(notFound);
  app.addHook('onRequest', requireHost);
  app.addHook('onRequest', checkClientVersion(DIRACX_MIN_CLIENT_VERSION));
  const clock = options.clock ?? systemClock;
  const keystore = options.auth?.keystore ?? (await generateKeystore(clock));

  const databases = await openDatabases(options.dbUrl ?? 'sqlite::memory:', registry.dbs.values(), {
    dbUrls: options.dbUrls,
    timeoutMs: options.dbTimeoutMs ?? DEFAULT_DB_TIMEOUT_MS,
  });
  app.addHook('onClose', () => databases.close());
  try {
    app.decorate('configSource', options.configSource);
    const storeDbs: Database[] = [];
    app.addHook('onClose', () => closeAll(storeDbs));
    settleHandlersOnClose(app, options.dbTimeoutMs ?? DEFAULT_DB_TIMEOUT_MS);
    for (const definition of registry.storeDbs.values())
      storeDbs.push(
        await definition.open({
          openSearch: options.openSearch,
          timeoutMs: options.dbTimeoutMs ?? DEFAULT_DB_TIMEOUT_MS,
        }),
      );
    const dbs = new DbSet(
      new Map([...databases.dbs, ...storeDbs.map((db) => [db.name, db] as const)]),
    );
    await checkRegistry(registry, dbs, databases.sql);
    checkOperationsSections(registry, options.configSource.current()?.config);
    app.decorate('dbs', dbs);
    app.decorate('policies', registry.policies);
    app.decorate('clock', clock);
    app.decorate('auth', authContext(options.auth ?? {}, keystore, clock));
    app.decorate('jobsSettings', { searchAcrossVOs: false, ...options.jobs });
    app.decorate('rng', options.rng ?? createRng(0).fork('matcher'));
    app.decorate('matchCache', new MatchCache());
    app.decorate(
      'jobHooks',
      composeJobHooks(
        [...(registry.hooks?.values() ?? [])],
        dbs,
        clock,
        (name) => registry.origins?.get(`hooks ${name}`) ?? 'gridbox',
        (error, message) => app.log.error({ err: error }, message),
      ),
    );
    app.decorate('sandboxes', {
      store: options.sandboxes?.store ?? new MemorySandboxStore(),
      settings: {
        seName: 'SandboxSE',
        bucket: 'sandboxes',
        urlValidityS: 300,
        maxSizeBytes: 100 * 1024 * 1024,
        signingKey: createSecretKey(randomBytes(32)),
        ...options.sandboxes?.settings,
      },
    });
    app.decorateRequest('user', null);
    app.decorate('directRoutes', new DirectRoutes(app));
    await repairJobs(app);

    await registerOpenApi(app);
    // DiracX mounts systems in sorted name order; so do we, so route overrides behave alike.
    const routers = [...registry.routers.values()].sort((a, b) => a.name.localeCompare(b.name));
    for (const router of routers) {
      await app.register(
        async (scope) => {
          // Again in each scope, so an error while sending an error (a body that fails to
          // serialize) comes back here, logged and generic, instead of Fastify's fallback.
          scope.setErrorHandler(handleError);
          if (router.requiresAuth) scope.addHook('onRequest', authenticate);
          scope.addHook('onRoute', app.directRoutes.collector(router.requiresAuth));
          await scope.register(router.plugin);
        },
        { prefix: router.prefix },
      );
    }
    await app.ready();
    return app;
  } catch (error) {
    await app.close();
    throw error;
  }
}

/** Closes every DB that holds something of its own, even when one fails to. */
async function closeAll(dbs: readonly Database[]): Promise<void> {
  const results = await Promise.allSettled(dbs.map((db) => db.close?.()));
  const failed = results.find((result) => result.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
}

/**
 * Before the first request: jobs a kill left half submitted, half matched or half killed
 * are finished as DIRAC's optimizers would (see repairInterruptedJobs). Without a
 * configuration yet there is nothing to optimize against; the next start repairs them.
 */
async function repairJobs(app: FastifyInstance): Promise<void> {
  const snapshot = app.configSource.current();
  if (snapshot === undefined) return;
  const report = await repairInterruptedJobs({
    jobDb: app.dbs.get('JobDB'),
    jobLoggingDb: app.dbs.get('JobLoggingDB'),
    taskQueueDb: app.dbs.get('TaskQueueDB'),
    config: snapshot.config,
    clock: app.clock,
  });
  if (Object.values(report).some((count) => count > 0))
    app.log.warn(report, 'finished jobs an earlier stop interrupted');
}

function authContext(options: AuthOptions, keystore: Keystore, clock: Clock): AuthContext {
  return {
    keystore,
    clock,
    issuer: options.issuer ?? DEFAULT_ISSUER,
    settings: authSettings(options.settings ?? {}),
    idp: new IdpClient(clock, options.idpDispatcher),
    caCertPem: options.caCertPem,
    verified: new VerifiedTokens(clock),
  };
}
