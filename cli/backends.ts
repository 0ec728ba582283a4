import { type Settings, UsageError, parseSettings } from '../services/core/index.ts';
import {
  type OpenSearchConnectionOptions,
  dbUrlsFromEnv,
  diracxDbUrlVariable,
  parseOpenSearchConnection,
} from '../services/db/index.ts';

/** The variable DiracX reads an OpenSearch DB's connection from: `DIRACX_OS_DB_JOBPARAMETERSDB`. */
function diracxOpenSearchVariable(dbName: string): string {
  return `DIRACX_OS_DB_${dbName.toUpperCase()}`;
}

/** Where a box's DBs live, as the profile says; what the box must stop when it stops. */
export interface BoxBackends extends AsyncDisposable {
  /** The SQL URL of every DB not in `dbUrls`, and what the keystore and sandboxes sit beside. */
  readonly dbUrl: string;
  /** DiracX's layout: a database per DB on one server. */
  readonly dbUrls?: Readonly<Record<string, string>>;
  readonly openSearch?: OpenSearchConnectionOptions;
  /** What the ready line adds: the profile, where OpenSearch is, and DiracX's variables. */
  readonly ready: {
    profile: Settings['profile'];
    db_url: string;
    opensearch_url: string | null;
    /** The variables that point a DiracX at the same databases (containers profile). */
    diracx_env?: Record<string, string>;
  };
  close(): Promise<void>;
}

export interface BackendsOptions {
  settings: Settings;
  /** The environment DiracX's variables are read from (external profile). */
  env: Readonly<Record<string, string | undefined>>;
  /** The SQL DBs and the OpenSearch DBs the box's registry opens, by name. */
  sqlDbNames: readonly string[];
  openSearchDbNames: readonly string[];
  /** Progress of slow start-up phases (starting containers). */
  progress: (line: string) => void;
}

/**
 * The databases of the profile: the embedded default as settings say; the external profile
 * from DiracX's variables, so one env file serves a DiracX and gridbox; the containers
 * profile by starting a MariaDB/MySQL and an OpenSearch container for this box, with each DB
 * in a database of its own as DiracX deploys them.
 */
export async function openBackends(options: BackendsOptions): Promise<BoxBackends> {
  const { settings } = options;
  if (settings.profile !== 'embedded' && settings.dbUrl !== DEFAULT_DB_URL)
    throw new UsageError(
      `--db-url is for the embedded profile; the ${settings.profile} profile ${settings.profile === 'external' ? "reads each DB's URL from DIRACX_DB_URL_<DB>" : 'starts its own SQL server'}.`,
    );
  switch (settings.profile) {
    case 'embedded':
      return embedded(settings.dbUrl);
    case 'external':
      return external(options);
    case 'containers':
      return containers(options);
  }
}

const DEFAULT_DB_URL = parseSettings({}).dbUrl;

function embedded(dbUrl: string): BoxBackends {
  const close = () => Promise.resolve();
  return {
    dbUrl,
    ready: { profile: 'embedded', db_url: masked(dbUrl), opensearch_url: null },
    close,
    [Symbol.asyncDispose]: close,
  };
}

function external({ env, sqlDbNames, openSearchDbNames }: BackendsOptions): BoxBackends {
  const dbUrls = dbUrlsFromEnv(env, sqlDbNames);
  const openSearch = openSearchFromEnv(env, openSearchDbNames);
  const first = dbUrls[sqlDbNames[0]!]!;
  const close = () => Promise.resolve();
  return {
    dbUrl: first,
    dbUrls,
    ...(openSearch === undefined ? {} : { openSearch }),
    ready: {
      profile: 'external',
      db_url: masked(first),
      opensearch_url: openSearch?.nodes[0]?.url ?? null,
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/**
 * The OpenSearch connection of the OpenSearch DBs. gridbox's OpenSearch DBs share one
 * connection, so their variables must agree; a missing one is the user's mistake.
 */
function openSearchFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  names: readonly string[],
): OpenSearchConnectionOptions | undefined {
  let chosen: { variable: string; text: string } | undefined;
  for (const name of names) {
    const variable = diracxOpenSearchVariable(name);
    const text = env[variable]?.trim();
    if (text === undefined || text === '')
      throw new UsageError(
        `${variable} is not set: give ${name}'s OpenSearch as DiracX does, e.g. {"hosts": "user:password@host:9200", "use_ssl": false}`,
      );
    if (
      chosen !== undefined &&
      JSON.stringify(JSON.parse(text)) !== JSON.stringify(JSON.parse(chosen.text))
    )
      throw new UsageError(
        `${chosen.variable} and ${variable} differ: gridbox's OpenSearch DBs share one server`,
      );
    chosen ??= { variable, text };
  }
  return chosen === undefined ? undefined : parseOpenSearchConnection(chosen.text, chosen.variable);
}

async function containers({
  settings,
  sqlDbNames,
  openSearchDbNames,
  progress,
}: BackendsOptions): Promise<BoxBackends> {
  const { resolveImage } = await import('../containers/images.ts');
  const { startServers, useLocalImageDefaults } = await import('../containers/start.ts');
  if (settings.mysqlImage === 'local' || settings.opensearchImage === 'local')
    useLocalImageDefaults(process.env);
  const servers = await startServers({
    images: {
      mysql: resolveImage(settings.mysqlImage, 'mysql'),
      opensearch: resolveImage(settings.opensearchImage, 'opensearch'),
    },
    progress,
  }).catch((error: unknown) => {
    throw containerError(error as Error);
  });
  const root = new URL(servers.mysqlUrl);
  const urlOf = (database: string) => {
    const url = new URL(root);
    url.pathname = `/${database}`;
    return url.toString();
  };
  const dbUrls = Object.fromEntries(sqlDbNames.map((name) => [name, urlOf(name)]));
  const openSearchJson = JSON.stringify({ hosts: servers.openSearchUrl, use_ssl: false });
  const diracxEnv: Record<string, string> = {
    ...Object.fromEntries(
      sqlDbNames.map((name) => [
        diracxDbUrlVariable(name),
        urlOf(name).replace(/^mysql:/, 'mysql+aiomysql:'),
      ]),
    ),
    ...Object.fromEntries(
      openSearchDbNames.map((name) => [diracxOpenSearchVariable(name), openSearchJson]),
    ),
  };
  const close = () => servers.stop();
  return {
    // The keystore and sandboxes die with the containers: in memory, as for sqlite::memory:.
    dbUrl: DEFAULT_DB_URL,
    dbUrls,
    openSearch: parseOpenSearchConnection(openSearchJson),
    ready: {
      profile: 'containers',
      db_url: masked(root.toString()),
      opensearch_url: servers.openSearchUrl,
      diracx_env: diracxEnv,
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** One sentence for what usually goes wrong: no Docker, or an image that cannot be had. */
function containerError(error: Error): Error {
  const message = error.message;
  if (/ENOENT|ECONNREFUSED|Could not find a working container runtime/i.test(message))
    return new UsageError(
      'The containers profile needs a running Docker engine, and none answers (start dockerd, or set DOCKER_HOST).',
    );
  if (/registry|pull access denied|manifest unknown|no such host/i.test(message))
    return new UsageError(
      `An image of the containers profile cannot be pulled (${firstLine(message)}); where no registry is reachable, run \`gridbox images build\` and pass --mysql-image local --opensearch-image local (or set GRIDBOX_MYSQL_IMAGE=local and GRIDBOX_OPENSEARCH_IMAGE=local, which every command reads).`,
    );
  return error;
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.slice(0, 200);
}

function masked(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
