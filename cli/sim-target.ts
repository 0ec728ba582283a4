import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import {
  DiracxClient,
  DiracxHttpError,
  type TokenSource,
  credentialsPath,
  directTransport,
  httpTransport,
  injectTransport,
} from '../client/index.ts';
import { Agent } from 'undici';
import type { FixtureSet } from '../fixtures/index.ts';
import { type Registry, buildApp, builtinRegistry, directCalls } from '../services/index.ts';
import { type SqlConnection, StatementTimings } from '../services/db/index.ts';
import {
  type Clock,
  type Config,
  UsageError,
  createRng,
  snapshotOf,
  staticConfigSource,
} from '../services/core/index.ts';
import { type Keystore, generateKeystore, mintAccessToken } from '../services/logic/index.ts';
import type { Credentials, JobOwner } from '../sim/index.ts';

/**
 * How a box of its own is reached: over loopback HTTP, by injection (light-my-request), or
 * by calling its routes directly (the same checks and handlers, no HTTP emulation).
 */
export type SimTransport = 'http' | 'inject' | 'direct';

/** The services a simulation runs against, and who it acts as there. */
export interface SimTarget {
  service: DiracxClient;
  /** The grid to simulate: the fixtures' for a box of its own, the server's own otherwise. */
  config: Config;
  /**
   * Tags the run's jobs and files when the server outlives it, so that another run against
   * it registers other files; none for a box of its own (the run replays exactly).
   */
  runTag?: string;
  credentials: Credentials;
  owners: JobOwner[];
  /**
   * Bytes the box's database takes (SQLite's pages), for a box of its own on SQLite; a
   * read beside the services' statements, so the run is the same whether or not it is asked.
   */
  dbBytes?: () => Promise<number>;
  /**
   * Why the box stopped serving, when its own database failed under it (a full file
   * system): the run's calls only saw HTTP 500s.
   */
  failure?: () => Error | undefined;
  /**
   * Starts timing each statement of the box's database, for a box of its own on SQLite: the
   * database's share of the run's wall time, by kind of statement. Timing reads a clock and
   * changes nothing the run does.
   */
  timeStatements?: () => StatementTimings;
  close(): Promise<void>;
}

/** Pilots of a long simulated run outlive DiracX's one-day secret; the box's own allow it. */
const SIM_PILOT_SECRET_LIFETIME_S = 30 * 86400;
/**
 * A simulated day is seconds long: tokens that last one (instead of DiracX's 20 minutes)
 * spare the run a signature per identity every 20 simulated minutes.
 */
const TOKEN_MINUTES = 24 * 60;

/**
 * A box of its own for the simulation: the app on an in-memory SQLite, on the simulation's
 * clock and seed, reached directly, by injection or over loopback HTTP. Tokens are minted with the
 * box's key, the way its token endpoint would issue them after a login.
 */
export async function embeddedTarget(options: {
  fixtureSet: FixtureSet;
  clock: Clock;
  seed: number;
  transport: SimTransport;
  dbUrl?: string;
  /** The parts to assemble (extensions loaded); the built-in ones when not given. */
  registry?: Registry;
}): Promise<SimTarget> {
  const { fixtureSet, clock } = options;
  const keystore = await generateKeystore(clock);
  const watched = watchConnection(options.registry ?? builtinRegistry);
  const app = await buildApp({
    configSource: staticConfigSource(
      snapshotOf(fixtureSet.config, Date.parse(fixtureSet.meta.refDate)),
    ),
    dbUrl: options.dbUrl ?? 'sqlite::memory:',
    registry: watched.registry,
    clock,
    rng: createRng(options.seed).fork('services'),
    auth: {
      keystore,
      settings: {
        pilotSecretLifetimeS: SIM_PILOT_SECRET_LIFETIME_S,
        accessTokenExpireMinutes: TOKEN_MINUTES,
      },
    },
  });
  let transport;
  if (options.transport === 'inject') {
    await app.ready();
    transport = injectTransport(app);
  } else if (options.transport === 'direct') {
    await app.ready();
    transport = directTransport(directCalls(app), injectTransport(app));
  } else {
    await app.listen({ host: '127.0.0.1', port: 0 });
    transport = httpTransport(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}`);
  }
  const credentials = mintedCredentials(fixtureSet, keystore, clock);
  return {
    service: new DiracxClient(transport, () => {
      throw new Error('every call names its identity with as()');
    }),
    config: fixtureSet.config,
    credentials,
    owners: fixtureSet.users.flatMap((user) =>
      user.groups
        .filter((group) => group.endsWith('_user'))
        .map((group) => ({ vo: user.vo, username: user.username, group })),
    ),
    ...(watched.sqlite()?.sizeBytes === undefined
      ? {}
      : { dbBytes: async () => watched.sqlite()!.sizeBytes!() }),
    failure: () => watched.sqlite()?.lost?.(),
    ...(watched.sqlite()?.timeStatements === undefined
      ? {}
      : {
          timeStatements: () => {
            const timings = new StatementTimings();
            watched.sqlite()!.timeStatements!(timings);
            return timings;
          },
        }),
    close: () => app.close(),
  };
}

/**
 * The registry with each SQL DB's `open` wrapped to keep the connection it is given: on
 * SQLite every DB shares one database, whose size and statements the run can then read.
 */
function watchConnection(registry: Registry): {
  registry: Registry;
  sqlite: () => SqlConnection | undefined;
} {
  let seen: SqlConnection | undefined;
  const dbs = new Map(
    [...registry.dbs].map(([name, definition]) => [
      name,
      {
        name: definition.name,
        migrations: definition.migrations,
        open: (conn: SqlConnection) => {
          if (conn.dialect === 'sqlite') seen ??= conn;
          return definition.open(conn);
        },
      },
    ]),
  );
  return { registry: { ...registry, dbs }, sqlite: () => seen };
}

function mintedCredentials(fixtureSet: FixtureSet, keystore: Keystore, clock: Clock): Credentials {
  const cache = new Map<string, { token: string; renewAtMs: number }>();
  const mint =
    (vo: string, username: string, group: string): TokenSource =>
    async () => {
      const key = `${vo}/${username}/${group}`;
      const cached = cache.get(key);
      if (cached !== undefined && clock.nowMs() < cached.renewAtMs) return cached.token;
      const token = await mintAccessToken(
        { keystore, clock, config: fixtureSet.config },
        { vo, username, group },
        TOKEN_MINUTES,
      );
      cache.set(key, { token, renewAtMs: clock.nowMs() + (TOKEN_MINUTES - 60) * 60_000 });
      return token;
    };
  return {
    user: mint,
    admin: (vo) => {
      const admin = fixtureSet.users.find((u) => u.vo === vo && u.groups.includes(`${vo}_admin`));
      if (admin === undefined)
        throw new UsageError(`VO ${vo} has no administrator in the fixtures`);
      return mint(vo, admin.username, `${vo}_admin`);
    },
  };
}

/**
 * Someone else's server (a real DiracX, or a box started elsewhere): one person's token,
 * from DIRACX_TOKEN or DiracX's credentials file, does everything, so it must carry the
 * administrator properties the SiteDirector and the StalledJobAgent need. The grid (sites,
 * CEs, SEs) is the server's own configuration, so the run uses only what the server knows.
 */
export async function remoteTarget(
  url: string,
  env: Readonly<Record<string, string | undefined>>,
  caBundle?: string,
): Promise<SimTarget> {
  const token = await targetToken(url, env);
  const claims = decodeClaims(token);
  const source: TokenSource = () => token;
  const caPath = caBundle ?? env.DIRACX_CA_PATH;
  let dispatcher: Agent | undefined;
  if (caPath !== undefined) {
    let ca: string;
    try {
      ca = await readFile(caPath, 'utf8');
    } catch {
      throw new UsageError(`Cannot read the CA bundle ${caPath}`);
    }
    dispatcher = new Agent({ connect: { ca } });
  }
  const service = new DiracxClient(httpTransport(url, dispatcher), source);
  const config = await service
    .request<Config>('Reading the configuration', 'GET', '/api/config/')
    .catch((error: unknown) => {
      if (error instanceof DiracxHttpError) throw new UsageError(error.message);
      throw new UsageError(`Cannot reach ${url}: ${networkCause(error)}`);
    });
  return {
    service,
    config,
    runTag: Date.now().toString(36),
    credentials: { user: () => source, admin: () => source },
    owners: [{ vo: claims.vo, username: claims.preferred_username, group: claims.dirac_group }],
    close: async () => {
      await dispatcher?.close();
    },
  };
}

/** What fetch's "fetch failed" hides: the refused connection, the unknown host, the bad certificate. */
export function networkCause(error: unknown): string {
  const cause = (error as { cause?: { message?: unknown; code?: unknown } }).cause;
  if (typeof cause?.message === 'string' && cause.message !== '') return cause.message;
  return error instanceof Error ? error.message : String(error);
}

function decodeClaims(token: string): {
  vo: string;
  preferred_username: string;
  dirac_group: string;
} {
  try {
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8'));
    if (typeof claims.vo === 'string' && typeof claims.dirac_group === 'string')
      return claims as { vo: string; preferred_username: string; dirac_group: string };
  } catch {
    // Reported below.
  }
  throw new UsageError('The token is not a DiracX access token (no vo and dirac_group claims)');
}

/**
 * The token that drives someone else's server (--target): DIRACX_TOKEN, else the access
 * token of DiracX's credentials file; its URL checked first.
 */
export async function targetToken(
  url: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<string> {
  if (!/^https?:\/\//.test(url))
    throw new UsageError(`Invalid value "${url}" for --target: expected an http(s) URL`);
  let token = env.DIRACX_TOKEN;
  if (token === undefined) {
    const path = credentialsPath(env);
    try {
      token = (JSON.parse(await readFile(path, 'utf8')) as { access_token?: string }).access_token;
    } catch {
      throw new UsageError(
        `No token for ${url}: set DIRACX_TOKEN or log in first (gridbox login) to fill ${path}`,
      );
    }
  }
  if (token === undefined || token === '')
    throw new UsageError(`No token for ${url}: the credentials file has no access_token`);
  return token;
}
