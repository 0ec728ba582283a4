import Type, { type Static, type TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { UsageError } from './errors.ts';

/**
 * Every setting of a gridbox box: one key, one default, one description. The CLI reads them
 * once from flags (`--db-url`) and the environment (`GRIDBOX_DB_URL`), flags winning; code
 * below the CLI receives the parsed object and never reads `process.env`.
 * docs/settings.md is generated from this schema (`npm run docs`).
 */
export const SettingsSchema = Type.Object({
  host: Type.String({
    default: '127.0.0.1',
    minLength: 1,
    description: 'Address the API listens on.',
  }),
  port: Type.Integer({
    default: 8000,
    minimum: 0,
    maximum: 65535,
    description: 'TCP port of the API; 0 lets the system pick a free one.',
  }),
  seed: Type.Integer({
    default: 1,
    minimum: 0,
    maximum: 4294967295,
    description: 'Seed of the generated fixtures; the same seed gives the same box.',
  }),
  fixtures: Type.String({
    default: 'small',
    minLength: 1,
    description:
      'Fixture set to generate (VOs, users, sites, CEs, SEs): `small`, `large`, or one a loaded extension provides.',
  }),
  configFile: Type.String({
    default: '',
    description:
      'A fixture set written by `gridbox fixtures generate` (YAML or JSON) to serve instead of generating one.',
  }),
  dbUrl: Type.String({
    default: 'sqlite::memory:',
    pattern: '^(sqlite:.+|mysql://.+)$',
    expected: 'sqlite::memory:, sqlite:PATH or mysql://user:pass@host:port/db',
    description:
      'SQL database of every DB in the embedded profile (the containers and external profiles have their own): `sqlite::memory:` (private to the process and gone with it; kept in an already-deleted file on `/dev/shm` when it has room, else in the temporary folder, so the operating system holds its pages), `sqlite:PATH` (kept across restarts) or `mysql://user:pass@host:port/db`.',
  }),
  profile: Type.Enum(['embedded', 'containers', 'external'], {
    default: 'embedded',
    description:
      "Where the databases live. `embedded`: SQLite (--db-url) and in-process search DBs. `containers`: a MariaDB/MySQL and an OpenSearch container started by testcontainers for this box and removed when it stops (images: --mysql-image, --opensearch-image). `external`: servers named in DiracX's variables, `DIRACX_DB_URL_<DB>` and `DIRACX_OS_DB_<DB>`, so one env file serves a DiracX and gridbox.",
  }),
  mysqlImage: Type.String({
    default: 'mysql:8.4',
    minLength: 1,
    description:
      'Image of the SQL server the containers profile starts; `local` means the MariaDB image `gridbox images build` makes where no registry is reachable.',
  }),
  opensearchImage: Type.String({
    default: 'opensearchproject/opensearch:2.19.6',
    minLength: 1,
    description:
      'Image of the OpenSearch server the containers profile starts; `local` means the image `gridbox images build` makes (OpenSearch 2.19.6 from Maven Central).',
  }),
  dbTimeoutSeconds: Type.Integer({
    default: 10,
    minimum: 1,
    maximum: 600,
    description:
      'Longest wait for a database server (connecting, or one statement or request) before the API answers 503: an unreachable or paused server never hangs a request longer.',
  }),
  idpPort: Type.Integer({
    default: 0,
    minimum: 0,
    maximum: 65535,
    description: "TCP port of the box's identity provider; 0 lets the system pick a free one.",
  }),
  tokenIssuer: Type.String({
    default: 'gridbox',
    minLength: 1,
    description:
      '`iss` of the tokens the box issues; replicas sharing a database must agree on it.',
  }),
  accessTokenExpireMinutes: Type.Integer({
    default: 20,
    minimum: 1,
    maximum: 525600,
    description: 'Lifetime of access tokens, as DiracX ACCESS_TOKEN_EXPIRE_MINUTES.',
  }),
  refreshTokenExpireMinutes: Type.Integer({
    default: 60,
    minimum: 1,
    maximum: 525600,
    description:
      'Lifetime of a chain of refresh tokens, as DiracX REFRESH_TOKEN_EXPIRE_MINUTES; no refresh token outlives it, whatever a proxy or legacy exchange asks for.',
  }),
  tokenAlgorithm: Type.Enum(['Ed25519', 'EdDSA'], {
    default: 'Ed25519',
    description:
      'JWS `alg` written in token headers for a generated key: DiracX writes RFC 9864 `Ed25519`; both are accepted.',
  }),
  allowedRedirects: Type.String({
    default: '',
    description:
      'Comma-separated redirect URIs the authorization-code flow may return to (the API docs page is always allowed).',
  }),
  tokenKeystore: Type.String({
    default: '',
    description:
      'A JWKS file with private keys (DiracX TOKEN_KEYSTORE), which must exist. Empty: with `sqlite:PATH`, `PATH.keys.json` (created at first start with mode 0600, then reused, so tokens survive a restart); with `mysql://…`, `.gridbox/mysql/HOST-PORT-DB/keys.json` under the working directory (replicas must share one: name it here); with `sqlite::memory:`, a new Ed25519 key at each start. `memory`: a new key at each start whatever the database.',
  }),
  legacyExchangeHashedApiKey: Type.String({
    default: '',
    pattern: '^([0-9a-f]{64})?$',
    expected: '64 lowercase hex digits (a SHA-256) or nothing',
    description: 'SHA-256 hex of the API key the legacy exchange accepts; empty disables it.',
  }),
  sandboxStoreDir: Type.String({
    default: '',
    description:
      'Folder where sandbox tarballs are kept across restarts. Empty: with `sqlite:PATH`, `PATH.sandboxes/`; with `mysql://…`, `.gridbox/mysql/HOST-PORT-DB/sandboxes/` under the working directory (replicas must share one: name it here); with `sqlite::memory:`, in memory. `memory`: in memory whatever the database.',
  }),
  jobSearchAcrossVos: Type.Boolean({
    default: false,
    description:
      "Reproduce DiracX exactly: job search and summary show every VO's jobs (gridbox shows only the caller's VO).",
  }),
  tls: Type.Boolean({
    default: false,
    description: "Serve HTTPS with a host certificate from the box's CA (see --ca-dir).",
  }),
  caDir: Type.String({
    default: '.gridbox/ca',
    minLength: 1,
    description: "Folder of the box's CA: root, host, user and proxy certificates as PEM files.",
  }),
  logLevel: Type.Enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
    default: 'info',
    description: 'Level of the logs written to stderr.',
  }),
  extension: Type.Array(Type.String({ minLength: 1 }), {
    default: [],
    description:
      'Extensions to load (docs/extensions.md): a folder with a package.json that has a `gridbox` key, or the name of an installed package. The flag is repeatable; in the environment, separate them with commas.',
  }),
});

export type Settings = Static<typeof SettingsSchema>;
export type SettingKey = keyof Settings;

const ENV_PREFIX = 'GRIDBOX_';

export function envName(key: SettingKey): string {
  return ENV_PREFIX + key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();
}

export function flagName(key: SettingKey): string {
  return '--' + key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

const keys = Object.keys(SettingsSchema.properties) as SettingKey[];

export interface SettingsSources {
  /** Values given as flags, by setting key; `undefined` means not given. */
  flags?: Partial<Record<SettingKey, unknown>>;
  /** The process environment (only `GRIDBOX_*` names are read). */
  env?: Record<string, string | undefined>;
}

/**
 * Parses and validates settings. A bad or unknown value throws a UsageError whose message
 * names the flag or variable it came from.
 */
export function parseSettings({ flags = {}, env = {} }: SettingsSources): Settings {
  const known = new Set(keys.map(envName));
  const unknown = Object.keys(env).filter(
    (name) => name.startsWith(ENV_PREFIX) && !known.has(name),
  );
  if (unknown.length > 0) {
    throw new UsageError(
      `Unknown setting ${unknown.sort().join(', ')} in the environment; known settings are ${[...known].join(', ')}.`,
    );
  }
  const settings: Record<string, unknown> = {};
  for (const key of keys) {
    const fromFlag = flags[key];
    const fromEnv = env[envName(key)];
    settings[key] =
      fromFlag !== undefined
        ? parseSetting(key, fromFlag, flagName(key))
        : fromEnv !== undefined
          ? parseSetting(key, fromEnv, envName(key))
          : schemaOf(key).default;
  }
  return settings as Settings;
}

/**
 * Converts one raw value (a flag or variable, so usually a string) to the setting's type,
 * or throws a UsageError naming `origin`, the flag or variable it came from.
 */
export function parseSetting<K extends SettingKey>(
  key: K,
  raw: unknown,
  origin: string,
): Settings[K] {
  const schema = schemaOf(key);
  // A list comes as repeated flags (an array) or as one comma-separated variable.
  if (schema.type === 'array' && typeof raw === 'string')
    return parseSetting(
      key,
      raw
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== ''),
      origin,
    );
  // TypeBox's conversion would truncate "80.5" to 80; a port or seed must be written whole.
  const value =
    schema.type === 'integer' && typeof raw === 'string'
      ? /^-?\d+$/.test(raw)
        ? Number(raw)
        : raw
      : Value.Convert(schema, raw);
  if (!Value.Check(schema, value)) {
    throw new UsageError(
      `Invalid value ${JSON.stringify(raw)} for ${origin}: ${expectation(schema)}.`,
    );
  }
  return value as Settings[K];
}

type SettingSchema = TSchema & { default: unknown; description: string; type?: string };

function schemaOf(key: SettingKey): SettingSchema {
  return SettingsSchema.properties[key] as unknown as SettingSchema;
}

/** What a valid value looks like, in words, for error messages. */
function expectation(schema: TSchema): string {
  const s = schema as Record<string, unknown>;
  if (Array.isArray(s.enum)) return `expected one of ${s.enum.join(', ')}`;
  if (s.type === 'boolean') return 'expected true or false';
  if (s.type === 'array') return 'expected a list of non-empty strings';
  if (s.type === 'integer')
    return `expected an integer from ${String(s.minimum)} to ${String(s.maximum)}`;
  // Not the description: an error message is one sentence, not the help text.
  if (typeof s.expected === 'string') return `expected ${s.expected}`;
  return 'expected a non-empty string';
}

/** Where a box keeps its signing keys and sandbox tarballs; undefined means in memory. */
export interface StatePaths {
  /** A JWKS file; `isDefault` when gridbox chose it, and so may create it. */
  keystore: { path: string; isDefault: boolean } | undefined;
  sandboxStoreDir: string | undefined;
}

/**
 * The keystore and sandbox store a box uses, from `--token-keystore`, `--sandbox-store-dir`
 * and the database URL: what outlives the process stays beside what else outlives it, so a
 * restart on the same database keeps its users logged in and its sandboxes downloadable.
 */
export function statePaths(
  settings: Pick<Settings, 'dbUrl' | 'tokenKeystore' | 'sandboxStoreDir'>,
): StatePaths {
  const base = stateBase(settings.dbUrl);
  const beside = (suffix: string) => (base === undefined ? undefined : base + suffix);
  const chosen = (value: string, suffix: string) =>
    value === 'memory' ? undefined : value === '' ? beside(suffix) : value;
  const keystore = chosen(settings.tokenKeystore, 'keys.json');
  return {
    keystore:
      keystore === undefined
        ? undefined
        : { path: keystore, isDefault: settings.tokenKeystore === '' },
    sandboxStoreDir: chosen(settings.sandboxStoreDir, 'sandboxes'),
  };
}

/** The prefix the default state paths share, or undefined for a database gone with the process. */
function stateBase(dbUrl: string): string | undefined {
  if (dbUrl.startsWith('sqlite:')) {
    const path = dbUrl.slice('sqlite:'.length);
    return path === ':memory:' ? undefined : `${path}.`;
  }
  const url = new URL(dbUrl);
  const name = [url.hostname, url.port || '3306', url.pathname.replace(/^\//, '')]
    .join('-')
    .replace(/[^A-Za-z0-9_.-]/g, '_');
  return `.gridbox/mysql/${name}/`;
}

/** The settings reference as a Markdown table (docs/settings.md). */
export function settingsTable(): string {
  const rows = keys.map((key) => {
    const schema = schemaOf(key);
    const empty =
      schema.default === '' || (Array.isArray(schema.default) && schema.default.length === 0);
    const dflt = empty ? '(empty)' : `\`${String(schema.default)}\``;
    return `| \`${flagName(key)}\` | \`${envName(key)}\` | ${dflt} | ${schema.description} |`;
  });
  return [
    '# Settings',
    '',
    'Generated from `services/core/settings.ts` by `npm run docs`; do not edit by hand.',
    'Flags win over environment variables; an unknown `GRIDBOX_*` variable is an error.',
    '',
    '| flag | environment | default | meaning |',
    '| --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}
