import { randomBytes } from 'node:crypto';
import type { StartedMySqlContainer } from '@testcontainers/mysql';
import type { StartedOpenSearchContainer } from '@testcontainers/opensearch';

/** What a box or a test run needs from the containers profile. */
export interface StartedServers extends AsyncDisposable {
  /** A root URL of the SQL server, with the `gridbox` database selected. */
  readonly mysqlUrl: string;
  /** The OpenSearch HTTP endpoint (security off, as the local image has no security plugin). */
  readonly openSearchUrl: string;
  /** The container ids, for tests that pause or stop a server. */
  readonly mysqlContainerId: string;
  readonly openSearchContainerId: string;
  /** Stops and removes both containers; a second call does nothing. */
  stop(): Promise<void>;
}

export interface ServerImages {
  mysql: string;
  opensearch: string;
}

export interface StartServersOptions {
  images: ServerImages;
  /** Progress lines (which server is starting, when each is ready); stderr in the CLI. */
  progress?: (line: string) => void;
  /**
   * Fixed host ports instead of ephemeral ones: a stopped and restarted container then comes
   * back at the same address, which outage tests need (Docker re-maps ephemeral ports).
   */
  hostPorts?: { mysql?: number; opensearch?: number };
  /** Only one of the two servers (outage tests need their own of one kind). */
  only?: 'mysql' | 'opensearch';
  /**
   * The SQL datadir on tmpfs (the default): fast, and gone with the container. A container
   * that must keep its data across a stop and start needs false.
   */
  tmpfs?: boolean;
}

/**
 * Starts a MariaDB/MySQL and an OpenSearch container through testcontainers and waits until
 * both answer. Both start at once (OpenSearch takes the longest); if one fails, the other is
 * stopped before the error is thrown, so nothing is left running.
 *
 * The SQL datadir is on tmpfs unless told: the data of a box's containers dies with them
 * anyway, and a synchronous write to the VM's disk costs milliseconds.
 */
export async function startServers(options: StartServersOptions): Promise<StartedServers> {
  const progress = options.progress ?? (() => {});
  const started: { stop(): Promise<unknown> }[] = [];
  const timed = async <T extends { stop(): Promise<unknown> }>(
    what: string,
    start: () => Promise<T>,
  ): Promise<T> => {
    const t0 = performance.now();
    progress(`starting ${what}`);
    const container = await start();
    started.push(container);
    progress(`${what} ready in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    return container;
  };
  const stopAll = async () => {
    await Promise.allSettled(started.splice(0).map((container) => container.stop()));
  };
  try {
    const [mysql, openSearch] = await Promise.all([
      options.only === 'opensearch'
        ? undefined
        : timed(`SQL server (${options.images.mysql})`, () =>
            startMysql(options.images.mysql, options.hostPorts?.mysql, options.tmpfs ?? true),
          ),
      options.only === 'mysql'
        ? undefined
        : timed(`OpenSearch (${options.images.opensearch})`, () =>
            startOpenSearch(options.images.opensearch, options.hostPorts?.opensearch),
          ),
    ]);
    return {
      mysqlUrl: mysql === undefined ? '' : rootUrl(mysql),
      openSearchUrl: openSearch?.getHttpUrl() ?? '',
      mysqlContainerId: mysql?.getId() ?? '',
      openSearchContainerId: openSearch?.getId() ?? '',
      stop: stopAll,
      [Symbol.asyncDispose]: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

async function startMysql(
  image: string,
  hostPort: number | undefined,
  tmpfs: boolean,
): Promise<StartedMySqlContainer> {
  const { MySqlContainer } = await import('@testcontainers/mysql');
  const container = new MySqlContainer(image)
    .withDatabase('gridbox')
    .withUsername('gridbox')
    .withUserPassword(secret())
    .withRootPassword(secret())
    .withLabels({ 'org.gridbox.server': 'sql' })
    .withStartupTimeout(120_000);
  if (tmpfs) container.withTmpFs({ '/var/lib/mysql': 'rw' });
  if (hostPort !== undefined) container.withExposedPorts({ container: 3306, host: hostPort });
  return container.start();
}

async function startOpenSearch(
  image: string,
  hostPort?: number,
): Promise<StartedOpenSearchContainer> {
  const { OpenSearchContainer } = await import('@testcontainers/opensearch');
  const container = new OpenSearchContainer(image)
    .withSecurityEnabled(false)
    .withLabels({ 'org.gridbox.server': 'opensearch' })
    // Start-up under CPU contention has taken 80-100 s against the module's 120 s default.
    .withStartupTimeout(300_000);
  if (hostPort !== undefined)
    container.withExposedPorts({ container: 9200, host: hostPort }, 9300, 9600);
  return container.start();
}

/** The root URL: the box creates a database per DB in DiracX's layout, which needs root. */
function rootUrl(container: StartedMySqlContainer): string {
  const url = new URL(container.getConnectionUri(true));
  // testcontainers may answer `localhost`; mysql2 would then try ::1 first, where Docker's
  // proxy may not listen.
  if (url.hostname === 'localhost') url.hostname = '127.0.0.1';
  return url.toString();
}

/** Passwords of throwaway servers: random, so no two runs share one, and URL-safe. */
function secret(): string {
  return randomBytes(12).toString('hex');
}

/**
 * testcontainers' defaults for a machine with no image registry, where the local images run:
 * its reaper (Ryuk) is an image it would pull, so it is off and every container is stopped by
 * whoever started it; and inside a container (`/.dockerenv`) it would pull alpine to find the
 * Docker host, which is this machine's loopback unless DOCKER_HOST says otherwise. Variables
 * already set win.
 */
export function useLocalImageDefaults(env: NodeJS.ProcessEnv): void {
  env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
  if (env.DOCKER_HOST === undefined) env.TESTCONTAINERS_HOST_OVERRIDE ??= 'localhost';
}
