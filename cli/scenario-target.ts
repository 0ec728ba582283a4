import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DiracxClient,
  type Transport,
  directTransport,
  httpTransport,
  injectTransport,
  sendAsBytes,
} from '../client/index.ts';
import { FIXTURE_REF_DATE, type FixtureSet } from '../fixtures/index.ts';
import type { Capability, ScenarioTarget } from '../scenarios/index.ts';
import { targetToken } from './sim-target.ts';
import { type Registry, buildApp, directCalls } from '../services/index.ts';
import { FileSandboxStore } from '../services/db/index.ts';
import { UsageError, createRng, snapshotOf, staticConfigSource } from '../services/core/index.ts';
import { generateKeystore } from '../services/logic/index.ts';
import {
  FastRealTimeClock,
  MemoryFileCatalog,
  RealTimeClock,
  type SimClock,
  VirtualClock,
  openStorageElements,
} from '../sim/index.ts';

/** Pilots of a long simulated run outlive DiracX's one-day secret; the box's own allow it. */
const PILOT_SECRET_LIFETIME_S = 30 * 86400;

const REFRESH_TOKEN_MINUTES = 7 * 24 * 60;
/**
 * In real time the box and the grid share a clock 500 times faster than the wall's: an
 * hour of grid activity takes 7.2 s, over real HTTP, with DIRAC's timing unchanged.
 */
const REAL_TIME_FACTOR = 500;
/** Against someone else's server the clock is theirs: DIRAC's periods are compressed instead. */
const REMOTE_SPEEDUP = 500;

/**
 * The box a scenario brings: the services on a SQLite file in a temporary folder (so that
 * they can restart on it), with the sandbox store beside it, in virtual time by direct calls
 * or in real time over loopback HTTP. Users log in by DiracX's legacy exchange, with a key
 * made for the run.
 */
export async function scenarioBox(options: {
  fixtureSet: FixtureSet;
  seed: number;
  virtual: boolean;
  accessTokenMinutes: number;
  /** The parts to assemble (extensions loaded); the built-in ones when not given. */
  registry?: Registry;
}): Promise<ScenarioTarget> {
  const { fixtureSet, seed } = options;
  const clock: SimClock = options.virtual
    ? new VirtualClock(Date.parse(FIXTURE_REF_DATE))
    : new FastRealTimeClock(REAL_TIME_FACTOR);
  const dir = await mkdtemp(join(tmpdir(), 'gridbox-scenario-'));
  const keystore = await generateKeystore(clock);
  const rng = createRng(seed).fork('scenario-box');
  const apiKey = Buffer.from(Array.from({ length: 32 }, () => rng.int(0, 255))).toString(
    'base64url',
  );
  const storage = await openStorageElements(fixtureSet.config, { mode: 'memory' });
  let starts = 0;
  const build = () =>
    buildApp({
      configSource: staticConfigSource(
        snapshotOf(fixtureSet.config, Date.parse(fixtureSet.meta.refDate)),
      ),
      dbUrl: `sqlite:${join(dir, 'box.db')}`,
      ...(options.registry === undefined ? {} : { registry: options.registry }),
      clock,
      rng: createRng(seed).fork(`services/${starts++}`),
      sandboxes: { store: new FileSandboxStore(join(dir, 'sandboxes')) },
      auth: {
        keystore,
        settings: {
          pilotSecretLifetimeS: PILOT_SECRET_LIFETIME_S,
          accessTokenExpireMinutes: options.accessTokenMinutes,
          // A user's session outlives every scenario (DiracX's default hour would end it).
          refreshTokenExpireMinutes: REFRESH_TOKEN_MINUTES,
          legacyExchangeHashedApiKey: createHash('sha256')
            .update(Buffer.from(apiKey, 'base64url'))
            .digest('hex'),
        },
      },
    });

  let app = await build();
  let port = 0;
  const open = async (): Promise<Transport> => {
    if (options.virtual) {
      await app.ready();
      return directTransport(directCalls(app), injectTransport(app));
    }
    await app.listen({ host: '127.0.0.1', port });
    port = (app.server.address() as AddressInfo).port;
    return httpTransport(`http://127.0.0.1:${port}`);
  };
  let current = await open();
  // The client keeps one transport for the run; a restart swaps what is behind it.
  const transport: Transport = {
    name: current.name,
    request: (request) => current.request(request),
    requestUrl: (url, request) => current.requestUrl(url, request),
    call: (call) => current.call?.(call) ?? sendAsBytes(current, call),
  };
  return {
    url: null,
    capabilities: new Set<Capability>(['identities', 'restart', 'catalog']),
    clock,
    service: new DiracxClient(transport, () => {
      throw new Error('every call names its identity with as()');
    }),
    fixtureSet,
    storage: storage.elements,
    login: { kind: 'legacy-exchange', apiKey },
    restart: async () => {
      await app.close();
      app = await build();
      current = await open();
    },
    close: async () => {
      await app.close();
      await storage.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Someone else's DiracX-compatible server, in real time over HTTP: one person's token (from
 * DIRACX_TOKEN or DiracX's credentials file) acts for every user and agent, so it must carry
 * administrator properties; steps that need more identities or a restart are skipped.
 */
export async function remoteScenarioTarget(
  url: string,
  fixtureSet: FixtureSet,
  env: Readonly<Record<string, string | undefined>>,
): Promise<ScenarioTarget> {
  const token = await targetToken(url, env);
  const storage = await openStorageElements(fixtureSet.config, { mode: 'memory' });
  const clock = new RealTimeClock();
  const hasCatalog = await servesCatalog(url);
  const catalog = hasCatalog
    ? undefined
    : new MemoryFileCatalog(() => new Date(clock.nowMs()).toISOString());
  return {
    url,
    capabilities: new Set<Capability>(hasCatalog ? ['catalog'] : []),
    ...(catalog === undefined ? {} : { catalog: () => catalog }),
    runTag: Date.now().toString(36),
    speedup: REMOTE_SPEEDUP,
    clock,
    service: new DiracxClient(httpTransport(url), () => token),
    fixtureSet,
    storage: storage.elements,
    login: { kind: 'token', token },
    close: () => storage.close(),
  };
}

/** Whether the server has gridbox's file catalog (its OpenAPI document lists the routes). */
async function servesCatalog(url: string): Promise<boolean> {
  const response = await httpTransport(url)
    .request({ method: 'GET', path: '/api/openapi.json' })
    .catch((error: unknown) => {
      throw new UsageError(`Cannot reach ${url}: ${(error as Error).message}`);
    });
  if (response.status !== 200) return false;
  try {
    const paths = (JSON.parse(response.body.toString('utf8')) as { paths?: object }).paths ?? {};
    return '/api/catalog/files' in paths;
  } catch {
    return false;
  }
}

/**
 * A box started by `gridbox up`'s own code (the demo), driven over HTTP like a remote
 * server: it runs on the system clock, so DIRAC's periods are compressed; its users log in
 * by the legacy exchange with the key the box was started with. Closing the target leaves
 * the box serving.
 */
export async function startedBoxScenarioTarget(
  url: string,
  fixtureSet: FixtureSet,
  apiKey: string,
): Promise<ScenarioTarget> {
  const storage = await openStorageElements(fixtureSet.config, { mode: 'memory' });
  return {
    url,
    capabilities: new Set<Capability>(['identities', 'catalog']),
    speedup: REMOTE_SPEEDUP,
    clock: new RealTimeClock(),
    service: new DiracxClient(httpTransport(url), () => {
      throw new Error('every call names its identity with as()');
    }),
    fixtureSet,
    storage: storage.elements,
    login: { kind: 'legacy-exchange', apiKey },
    close: () => storage.close(),
  };
}
