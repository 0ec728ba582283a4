import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { CaDirectory } from '../ca/index.ts';
import type { FastifyBaseLogger } from 'fastify';
import type { FixtureSet } from '../fixtures/index.ts';
import { buildApp } from '../services/index.ts';
import {
  type ConfigSnapshot,
  type Settings,
  UsageError,
  staticConfigSource,
  systemClock,
} from '../services/core/index.ts';

/** What `gridbox up --json` prints once the box is ready; other tools parse it. */
export interface ReadyLine {
  url: string;
  /** The box's identity provider; null until it has one. */
  idp_url: string | null;
  /** PEM bundle of the box's CA; null while the box serves plain HTTP. */
  ca_bundle: string | null;
  users: { username: string; password: string; vo: string; groups: string[] }[];
  openapi_url: string;
  docs_url: string;
  db_url: string;
  seed: number;
  fixtures: string;
}

/** A running box: the API listening, its DBs open. */
export interface StartedBox extends AsyncDisposable {
  readonly url: string;
  readonly port: number;
  readonly readyLine: ReadyLine;
  close(): Promise<void>;
}

export interface BoxOptions {
  settings: Settings;
  fixtureSet: FixtureSet;
  snapshot: ConfigSnapshot;
  logger: FastifyBaseLogger;
}

/** Starts everything a box serves and returns the handle that stops it. */
export async function startBox({
  settings,
  fixtureSet,
  snapshot,
  logger,
}: BoxOptions): Promise<StartedBox> {
  const tls = settings.tls ? await hostCertificate(settings) : undefined;
  const app = await buildApp({
    configSource: staticConfigSource(snapshot),
    dbUrl: settings.dbUrl,
    logger,
    ...(tls === undefined ? {} : { https: tls.https }),
  });
  try {
    await app.listen({ host: settings.host, port: settings.port });
  } catch (error) {
    await app.close();
    throw listenError(error as NodeJS.ErrnoException, settings);
  }
  const { port } = app.server.address() as AddressInfo;
  const url = `${tls === undefined ? 'http' : 'https'}://${urlHost(settings.host)}:${port}`;
  const close = () => app.close();
  return {
    url,
    port,
    readyLine: {
      url,
      idp_url: null,
      ca_bundle: tls?.caBundle ?? null,
      users: fixtureSet.users.map(({ username, password, vo, groups }) => ({
        username,
        password,
        vo,
        groups,
      })),
      openapi_url: `${url}/api/openapi.json`,
      docs_url: `${url}/api/docs`,
      db_url: settings.dbUrl.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@'),
      seed: fixtureSet.meta.seed,
      fixtures: settings.configFile || fixtureSet.meta.size,
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** The box's host certificate from its CA folder, covering loopback and the listen address. */
async function hostCertificate(settings: Settings) {
  const caDir = new CaDirectory(resolve(settings.caDir), systemClock);
  const names = ['localhost', '127.0.0.1', '::1'];
  if (!names.includes(settings.host) && settings.host !== '0.0.0.0' && settings.host !== '::') {
    names.push(settings.host);
  }
  const files = await caDir.ensureHost(names);
  return {
    https: {
      cert: await readFile(files.certPath, 'utf8'),
      key: await readFile(files.keyPath, 'utf8'),
    },
    caBundle: caDir.caCertPath,
  };
}

/** A host as it must appear in a URL; an unspecified address is reached via loopback. */
function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

function listenError(error: NodeJS.ErrnoException, settings: Settings): Error {
  const where = `${settings.host}:${settings.port}`;
  switch (error.code) {
    case 'EADDRINUSE':
      return new UsageError(
        `Port ${settings.port} on ${settings.host} is already in use; choose another with --port`,
      );
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return new UsageError(
        `Cannot listen on ${where}: no such local address; choose another with --host`,
      );
    case 'EACCES':
      return new UsageError(
        `Not allowed to listen on ${where}; choose a port above 1023 with --port`,
      );
    default:
      return error;
  }
}
