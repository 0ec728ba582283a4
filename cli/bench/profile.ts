import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import Type, { type Static } from 'typebox';
import { JobLimitsSchema, UsageError, validateAgainst } from '../../services/core/index.ts';
import { LOGIN_ROUTES } from './login-driver.ts';

/** The generators a profile can name, and the routes each can drive. */
export const GENERATOR_ROUTES = {
  matching: ['POST /api/jobs/match'],
  'api-mix': [
    'POST /api/jobs/jdl',
    'POST /api/jobs/search',
    'GET /api/jobs/status',
    'PATCH /api/jobs/heartbeat',
  ],
  auth: [
    'GET /api/auth/userinfo',
    'POST /api/auth/pilot-token',
    // Whole device-flow logins, as `dirac login` makes them; reported per step (LOGIN_ROUTES).
    'dirac login',
    'POST /api/auth/token',
  ],
} as const;

/** Routes a run reports, for thresholds: the generator's, and the steps of its logins. */
export function reportedRoutes(generator: GeneratorName): string[] {
  const routes: string[] = [...GENERATOR_ROUTES[generator]];
  return routes.includes('dirac login')
    ? [...routes.filter((route) => route !== 'dirac login'), ...Object.values(LOGIN_ROUTES)]
    : routes;
}

export type GeneratorName = keyof typeof GENERATOR_ROUTES;

/** The measures a threshold can bound; `route` narrows a latency to one route. */
export const THRESHOLD_METRICS = [
  'p50_ms',
  'p95_ms',
  'p99_ms',
  'max_ms',
  'rps',
  'matches_per_s',
  'error_rate',
] as const;

export const ThresholdSchema = Type.Object(
  {
    metric: Type.Enum([...THRESHOLD_METRICS]),
    /** A route label ("POST /api/jobs/match"); without it, a latency bound holds for every route. */
    route: Type.Optional(Type.String({ minLength: 1 })),
    max: Type.Optional(Type.Number()),
    min: Type.Optional(Type.Number()),
  },
  { additionalProperties: false },
);

/**
 * The matching generator's hot site: jobs put Running there before the load (submitted,
 * matched by pilots of the site, set Running), DIRAC's per-site running limits for it, and
 * every measured pilot coming from it.
 */
export const HotSiteSchema = Type.Object(
  {
    /** A site of the lhcb-like fixture (or of the --target's configuration). */
    site: Type.String({ minLength: 1 }),
    /** Jobs of the backlog matched at the site and set Running before the load. */
    running: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
    /**
     * Operations/<vo>/JobScheduling/RunningLimit/<site> of the run's own box: attribute →
     * value → most jobs. Against --target the limits are the target's own configuration.
     */
    running_limits: JobLimitsSchema,
  },
  { additionalProperties: false },
);

/** How the `dirac login`s of the auth generator behave. */
export const DeviceFlowSchema = Type.Object(
  {
    /**
     * Seconds the client waits after an `authorization_pending` answer before it polls
     * again; `dirac login` polls at once, then every 2 s (diracx-cli's auth.py).
     */
    poll_interval_s: Type.Number({ exclusiveMinimum: 0, maximum: 60 }),
    /** Seconds from the start of a flow to the user's sign-in at the identity provider. */
    sign_in_after_s: Type.Number({ minimum: 0, maximum: 300 }),
  },
  { additionalProperties: false },
);

/** `dirac login`'s own behaviour, for a profile without `device_flow`. */
export const DIRAC_LOGIN_DEVICE_FLOW: Static<typeof DeviceFlowSchema> = {
  poll_interval_s: 2,
  sign_in_after_s: 0,
};

/** A bench profile: what loadtests/profiles/NAME.json holds. */
export const BenchProfileSchema = Type.Object(
  {
    description: Type.String(),
    generator: Type.Enum(Object.keys(GENERATOR_ROUTES) as GeneratorName[]),
    /** Jobs submitted through the API before the load (the lhcb-like fixture's shape). */
    backlog: Type.Integer({ minimum: 0, maximum: 10_000_000 }),
    /** Concurrent connections (pilots, for matching) of the load generator. */
    connections: Type.Integer({ minimum: 1, maximum: 1000 }),
    /** Requests per second over all routes (fixed arrival rate); absent: as fast as answered. */
    rate: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1_000_000 })),
    /** Relative weights of the routes, for generators that drive several. */
    mix: Type.Optional(Type.Record(Type.String(), Type.Number({ exclusiveMinimum: 0 }))),
    warmup_s: Type.Number({ minimum: 0, maximum: 600 }),
    duration_s: Type.Number({ exclusiveMinimum: 0, maximum: 3600 }),
    thresholds: Type.Array(ThresholdSchema),
    /** Matching only: pilots of one site with many jobs already running there. */
    hot_site: Type.Optional(HotSiteSchema),
    /** Auth only: the client's poll interval and the user's time to sign in, for `dirac login`. */
    device_flow: Type.Optional(DeviceFlowSchema),
  },
  { additionalProperties: false },
);

export type BenchProfile = Static<typeof BenchProfileSchema>;
export type Threshold = Static<typeof ThresholdSchema>;
export type HotSite = Static<typeof HotSiteSchema>;

/** The profiles shipped in loadtests/profiles/, by name. */
export const PROFILE_NAMES = ['matching', 'matching-hot-site', 'api-mix', 'auth'] as const;

/**
 * Reads a profile, by name from loadtests/profiles/ or from a JSON file (a NAME with a `/`
 * or ending in `.json`), and checks it: schema, then what a schema cannot say (the mix
 * names routes of its generator, each threshold has a bound and a known route).
 */
export async function loadProfile(nameOrPath: string): Promise<BenchProfile> {
  const isFile = nameOrPath.includes('/') || nameOrPath.endsWith('.json');
  if (!isFile && !(PROFILE_NAMES as readonly string[]).includes(nameOrPath))
    throw new UsageError(
      `No bench profile ${nameOrPath}; choose one of ${PROFILE_NAMES.join(', ')} or give a JSON file`,
    );
  // Data, not a module: read from loadtests/profiles/ (cli/ imports nothing from loadtests/),
  // two folders up from cli/bench/ in a checkout, one up from dist/ in the package.
  const path = isFile
    ? nameOrPath
    : (['../../', '../']
        .map((up) => new URL(`${up}loadtests/profiles/${nameOrPath}.json`, import.meta.url))
        .find((url) => existsSync(url)) ?? `loadtests/profiles/${nameOrPath}.json`);
  let data: unknown;
  try {
    data = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new UsageError(
      `Cannot read the bench profile ${String(nameOrPath)}: ${(error as Error).message}`,
    );
  }
  const profile = validateAgainst<BenchProfile>(
    BenchProfileSchema,
    data,
    `The bench profile ${nameOrPath}`,
  );
  const routes: readonly string[] = GENERATOR_ROUTES[profile.generator];
  if (profile.hot_site !== undefined && profile.generator !== 'matching')
    throw new UsageError(
      `The bench profile ${nameOrPath} has a hot_site, which only the matching generator uses`,
    );
  if (profile.hot_site !== undefined && profile.hot_site.running > profile.backlog)
    throw new UsageError(
      `The bench profile ${nameOrPath} puts ${profile.hot_site.running} jobs Running at its hot site, more than its backlog of ${profile.backlog}`,
    );
  for (const route of Object.keys(profile.mix ?? {}))
    if (!routes.includes(route))
      throw new UsageError(
        `The bench profile ${nameOrPath} mixes in ${route}, which the ${profile.generator} generator does not drive (it drives ${routes.join(', ')})`,
      );
  if (profile.device_flow !== undefined && !routes.includes('dirac login'))
    throw new UsageError(
      `The bench profile ${nameOrPath} has a device_flow, which only the auth generator uses`,
    );
  const reported = reportedRoutes(profile.generator);
  for (const threshold of profile.thresholds) {
    if (threshold.max === undefined && threshold.min === undefined)
      throw new UsageError(
        `The bench profile ${nameOrPath} has a ${threshold.metric} threshold without max or min`,
      );
    if (threshold.route !== undefined && !reported.includes(threshold.route))
      throw new UsageError(
        `The bench profile ${nameOrPath} has a threshold on ${threshold.route}, which the ${profile.generator} generator does not drive`,
      );
  }
  return profile;
}

/** The routes a profile drives and their shares of the load (summing to 1). */
export function routeShares(profile: BenchProfile): { route: string; share: number }[] {
  const routes: readonly string[] = GENERATOR_ROUTES[profile.generator];
  const weights = routes.map((route) => profile.mix?.[route] ?? (profile.mix ? 0 : 1));
  const total = weights.reduce((sum, w) => sum + w, 0);
  return routes
    .map((route, i) => ({ route, share: weights[i]! / total }))
    .filter(({ share }) => share > 0);
}
