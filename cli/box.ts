import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { dirname, resolve } from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { CaDirectory } from '../ca/index.ts';
import type { FixtureSet } from '../fixtures/index.ts';
import { type StartedIdp, startIdp } from '../idp/index.ts';
import { type Registry, buildApp } from '../services/index.ts';
import { FileSandboxStore } from '../services/db/index.ts';
import {
  type Config,
  type Settings,
  UsageError,
  snapshotOf,
  staticConfigSource,
  statePaths,
  systemClock,
} from '../services/core/index.ts';
import { type Keystore, generateKeystore } from '../services/logic/index.ts';
import { type BoxBackends, openBackends } from './backends.ts';
import { type LoadedExtensions, loadExtensions } from './extensions.ts';

/** What `gridbox up --json` prints once the box is ready; other tools parse it. */
export interface ReadyLine {
  url: string;
  /** The box's identity provider (issuer URL). */
  idp_url: string;
  /** PEM bundle of the box's CA, to trust its HTTPS and check its proxies; null over plain HTTP. */
  ca_bundle: string | null;
  users: { username: string; password: string; vo: string; groups: string[] }[];
  openapi_url: string;
  docs_url: string;
  db_url: string;
  /** Where the databases are: embedded, containers or external (see --profile). */
  profile: Settings['profile'];
  /** The OpenSearch server of JobParametersDB; null when in process (embedded profile). */
  opensearch_url: string | null;
  /**
   * DiracX's variables for the same databases (containers profile): a DiracX started with
   * them shares the box's MySQL databases and OpenSearch indices.
   */
  diracx_env?: Record<string, string>;
  seed: number;
  fixtures: string;
}

/** A running box: the identity provider and the API listening, their DBs open. */
export interface StartedBox extends AsyncDisposable {
  readonly url: string;
  readonly port: number;
  readonly readyLine: ReadyLine;
  close(): Promise<void>;
}

export interface BoxOptions {
  settings: Settings;
  fixtureSet: FixtureSet;
  /** When the fixtures last changed, served as Last-Modified of the configuration. */
  modifiedMs: number;
  logger: FastifyBaseLogger;
  /** Where the external profile reads DiracX's DB variables; the process's by default. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Told each phase of the start, to say what a slow start is doing. */
  onPhase?: (phase: string) => void;
  /** The extensions of `settings.extension`, when the caller loaded them already. */
  extensions?: LoadedExtensions;
}

/**
 * Starts everything a box serves and returns the handle that stops it:
 * 1. the databases of the profile (containers started, or servers found);
 * 2. the CA (created once in --ca-dir), and a host certificate with --tls;
 * 3. the identity provider, whose URL then goes into each VO's Registry entry;
 * 4. the API, listening;
 * 5. the API's callback URLs, registered as redirect URIs at the identity provider.
 */
export async function startBox({
  settings,
  fixtureSet,
  modifiedMs,
  logger,
  env = process.env,
  onPhase = () => {},
  extensions,
}: BoxOptions): Promise<StartedBox> {
  onPhase('loading extensions');
  // Before anything starts, so a broken extension stops the box with nothing to clean up.
  const { registry } = extensions ?? (await loadExtensions(settings.extension));
  onPhase('opening the databases');
  const backends = await openBackends({
    settings,
    env,
    sqlDbNames: [...registry.dbs.keys()],
    openSearchDbNames: [...registry.storeDbs.keys()],
    progress: (line) => {
      onPhase(line);
      logger.info(line);
    },
  });
  try {
    return await startServices({
      settings,
      fixtureSet,
      modifiedMs,
      logger,
      onPhase,
      registry,
      backends,
    });
  } catch (error) {
    await backends.close();
    throw error;
  }
}

async function startServices({
  settings,
  fixtureSet,
  modifiedMs,
  logger,
  onPhase = () => {},
  registry,
  backends,
}: BoxOptions & { registry: Registry; backends: BoxBackends }): Promise<StartedBox> {
  onPhase('preparing the certificate authority');
  const caDir = new CaDirectory(resolve(settings.caDir), systemClock);
  const ca = await caDir.ensureCa();
  const tls = settings.tls ? await hostCertificate(caDir, settings.host) : undefined;
  // undici only with --tls: importing it is a tenth of a second of every start.
  const trustBox =
    tls === undefined
      ? undefined
      : new (await import('undici')).Agent({ connect: { ca: ca.certPem } });

  onPhase('starting the identity provider');
  const idp = await startIdp({
    host: settings.host,
    port: settings.idpPort,
    accounts: fixtureSet.users.map(({ sub, username, password, email }) => ({
      sub,
      username,
      password,
      email,
    })),
    ...(tls === undefined ? {} : { https: tls }),
  }).catch((error: unknown) => {
    throw listenError(
      error as NodeJS.ErrnoException,
      settings.host,
      settings.idpPort,
      '--idp-port',
    );
  });
  try {
    const config = withIdentityProvider(fixtureSet.config, idp.issuer);
    const state = statePaths({ ...settings, dbUrl: backends.dbUrl });
    onPhase('migrating the database and building the API');
    const app = await buildApp({
      configSource: staticConfigSource(snapshotOf(config, modifiedMs)),
      dbUrl: backends.dbUrl,
      ...(backends.dbUrls === undefined ? {} : { dbUrls: backends.dbUrls }),
      ...(backends.openSearch === undefined ? {} : { openSearch: backends.openSearch }),
      dbTimeoutMs: settings.dbTimeoutSeconds * 1000,
      registry,
      logger,
      ...(tls === undefined ? {} : { https: tls }),
      jobs: { searchAcrossVOs: settings.jobSearchAcrossVos },
      ...(state.sandboxStoreDir === undefined
        ? {}
        : { sandboxes: { store: new FileSandboxStore(resolve(state.sandboxStoreDir)) } }),
      auth: {
        issuer: settings.tokenIssuer,
        caCertPem: ca.certPem,
        keystore:
          state.keystore === undefined
            ? await generateKeystore(systemClock, settings.tokenAlgorithm)
            : state.keystore.isDefault
              ? await ensureKeystore(state.keystore.path, settings.tokenAlgorithm)
              : await readKeystore(state.keystore.path),
        ...(trustBox === undefined ? {} : { idpDispatcher: trustBox }),
        settings: {
          accessTokenExpireMinutes: settings.accessTokenExpireMinutes,
          refreshTokenExpireMinutes: settings.refreshTokenExpireMinutes,
          legacyExchangeHashedApiKey: settings.legacyExchangeHashedApiKey || undefined,
          allowedRedirects: settings.allowedRedirects.split(',').filter((uri) => uri !== ''),
        },
      },
    });
    onPhase('opening the port');
    try {
      await app.listen({ host: settings.host, port: settings.port });
    } catch (error) {
      await app.close();
      throw listenError(error as NodeJS.ErrnoException, settings.host, settings.port, '--port');
    }
    const { port } = app.server.address() as AddressInfo;
    const url = `${tls === undefined ? 'http' : 'https'}://${urlHost(settings.host)}:${port}`;
    registerCallbacks(idp, config, url);
    const close = async () => {
      await app.close();
      await idp.close();
      await trustBox?.close();
      await backends.close();
    };
    return {
      url,
      port,
      readyLine: {
        url,
        idp_url: idp.issuer,
        ca_bundle: tls === undefined ? null : caDir.caCertPath,
        users: fixtureSet.users.map(({ username, password, vo, groups }) => ({
          username,
          password,
          vo,
          groups,
        })),
        openapi_url: `${url}/api/openapi.json`,
        docs_url: `${url}/api/docs`,
        ...backends.ready,
        seed: fixtureSet.meta.seed,
        fixtures: settings.configFile || settings.fixtures,
      },
      close,
      [Symbol.asyncDispose]: close,
    };
  } catch (error) {
    await idp.close();
    throw error;
  }
}

/** The configuration with every VO pointing at the box's identity provider. */
function withIdentityProvider(config: Config, issuer: string): Config {
  return {
    ...config,
    Registry: Object.fromEntries(
      Object.entries(config.Registry).map(([vo, info]) => [
        vo,
        { ...info, IdP: { ...info.IdP, URL: issuer } },
      ]),
    ),
  };
}

/** Lets each VO's IdP client send browsers back to the API, by IP or by name. */
function registerCallbacks(idp: StartedIdp, config: Config, url: string): void {
  const bases = [url, url.replace('://127.0.0.1:', '://localhost:')];
  const callbacks = [...new Set(bases)].flatMap((base) => [
    `${base}/api/auth/device/complete`,
    `${base}/api/auth/authorize/complete`,
  ]);
  for (const info of Object.values(config.Registry))
    idp.registerClient(info.IdP.ClientID, callbacks);
}

/**
 * The keystore gridbox keeps beside the database: read it, or create it on the first start,
 * readable by its owner only (it signs every token). Written aside and linked into place,
 * which fails if the file exists: of two boxes starting together on one database, the second
 * reads the first's whole key, never half of it.
 */
async function ensureKeystore(path: string, alg: Settings['tokenAlgorithm']): Promise<Keystore> {
  const keystore = await generateKeystore(systemClock, alg);
  const aside = `${path}.${process.pid}.tmp`;
  try {
    await mkdir(dirname(resolve(path)), { recursive: true });
    await writeFile(aside, JSON.stringify(keystore), { mode: 0o600 });
    await link(aside, path);
    return keystore;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new UsageError(`Cannot write the token keystore ${path}: ${(error as Error).message}`);
    }
    return readKeystore(path);
  } finally {
    await rm(aside, { force: true });
  }
}

async function readKeystore(path: string): Promise<Keystore> {
  let keystore: unknown;
  try {
    keystore = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`Cannot read the token keystore ${path}: ${(error as Error).message}`);
  }
  const keys = (keystore as { keys?: unknown }).keys;
  if (
    !Array.isArray(keys) ||
    !keys.some((k: { key_ops?: unknown }) => Array.isArray(k.key_ops) && k.key_ops.includes('sign'))
  ) {
    throw new UsageError(
      `The token keystore ${path} must be a JWKS with a key whose key_ops include "sign"`,
    );
  }
  return keystore as Keystore;
}

/** The box's host certificate from its CA folder, covering loopback and the listen address. */
async function hostCertificate(caDir: CaDirectory, host: string) {
  const names = ['localhost', '127.0.0.1', '::1'];
  if (!names.includes(host) && host !== '0.0.0.0' && host !== '::') names.push(host);
  const files = await caDir.ensureHost(names);
  return {
    cert: await readFile(files.certPath, 'utf8'),
    key: await readFile(files.keyPath, 'utf8'),
  };
}

/** A host as it must appear in a URL; an unspecified address is reached via loopback. */
function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

function listenError(
  error: NodeJS.ErrnoException,
  host: string,
  port: number,
  flag: string,
): Error {
  const where = `${host}:${port}`;
  switch (error.code) {
    case 'EADDRINUSE':
      return new UsageError(
        `Port ${port} on ${host} is already in use; choose another with ${flag}`,
      );
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return new UsageError(
        `Cannot listen on ${where}: no such local address; choose another with --host`,
      );
    case 'EACCES':
      return new UsageError(
        `Not allowed to listen on ${where}; choose a port above 1023 with ${flag}`,
      );
    default:
      return error;
  }
}
