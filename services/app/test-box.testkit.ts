import type { AddressInfo } from 'node:net';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import {
  DiracxClient,
  type TokenSource,
  httpTransport,
  injectTransport,
} from '../../client/index.ts';
import {
  type FixtureSet,
  type FixtureUser,
  generateFixtures,
  pilotIdentity,
} from '../../fixtures/index.ts';
import { type Config, snapshotOf, staticConfigSource } from '../core/index.ts';
import { type TokenIdentity, mintAccessToken } from '../logic/index.ts';
import { type AppOptions, buildApp } from './build-app.ts';

/**
 * The one way tests get a box, after fastify/demo's `test/helper.ts`: an app built from
 * fixtures (the small set of seed 1 unless told), tokens for anyone, a client over either
 * transport, and a close. Options are buildApp's, with the configuration given as a
 * fixture set or a config instead of a config source.
 *
 *   const box = await testBox({ clock });
 *   afterAll(() => box.close());
 *   const alice = await box.token({ user: 'alice' });
 *   expect((await box.inject('POST', '/api/jobs/jdl', alice, ['Executable = "x"'])).statusCode).toBe(201);
 */
export interface TestBoxOptions extends Omit<AppOptions, 'configSource'> {
  fixtures?: FixtureSet;
  /** Served instead of the fixtures' configuration (a variant of it, usually). */
  config?: Config;
  /** When the served configuration was modified (its Last-Modified); 0 unless told. */
  configModifiedMs?: number;
  /** Also listen on 127.0.0.1, port 0: `url` is set and `client(…, 'http')` works. */
  listen?: boolean;
}

/**
 * A caller whose claims are written as given, unchecked against the Registry: by default
 * alice, a NormalUser of the first VO's `<vo>_user` group, with a token valid for a day.
 */
export interface TestIdentity {
  vo?: string;
  user?: string;
  group?: string;
  properties?: readonly string[];
  lifetimeMinutes?: number;
}

export interface TestBox extends AsyncDisposable {
  readonly app: FastifyInstance;
  readonly fixtures: FixtureSet;
  /** The configuration served. */
  readonly config: Config;
  /** The VOs of the Registry, in its order. */
  readonly vos: readonly string[];
  /** The base URL when listening. */
  readonly url: string | undefined;
  /** A token for exactly these claims (see TestIdentity). */
  token(identity?: TestIdentity): Promise<string>;
  /** A token for a member of the Registry acting in one of its groups, with its properties. */
  tokenFor(vo: string, username: string, group: string): Promise<string>;
  /** The n-th fixture user of `vo` who is in `<vo>_user` only. */
  plainUser(vo: string, n?: number): FixtureUser;
  /** A token for the n-th plain user of `vo` (see plainUser). */
  user(vo: string, n?: number): Promise<string>;
  /** A token for the administrator of `vo` in `<vo>_admin`. */
  admin(vo: string): Promise<string>;
  /** A token for the generic pilot of `vo` in `<vo>_pilot`. */
  pilot(vo: string): Promise<string>;
  /** The typed client acting with `token`, by injection or (when listening) over HTTP. */
  client(token: string | TokenSource, transport?: 'inject' | 'http'): DiracxClient;
  /**
   * One request by injection, with `token` as the bearer when given. An object body goes as
   * JSON; a string body is sent as it is, labelled JSON.
   */
  inject(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    url: string,
    token?: string,
    payload?: unknown,
    headers?: Record<string, string>,
  ): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

const DAY_MINUTES = 24 * 60;

export async function testBox(options: TestBoxOptions = {}): Promise<TestBox> {
  const { fixtures: given, config: served, configModifiedMs, listen, ...appOptions } = options;
  const fixtures = given ?? generateFixtures({ seed: 1, size: 'small' });
  const config = served ?? fixtures.config;
  const app = await buildApp({
    ...appOptions,
    configSource: staticConfigSource(snapshotOf(config, configModifiedMs ?? 0)),
  });
  let url: string | undefined;
  if (listen === true) {
    await app.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  }
  const vos = Object.keys(config.Registry);
  const mint = (identity: TokenIdentity, lifetimeMinutes = DAY_MINUTES) =>
    mintAccessToken(
      { keystore: app.auth.keystore, clock: app.clock, issuer: app.auth.issuer, config },
      identity,
      lifetimeMinutes,
    );
  const plainUser = (vo: string, n = 0) => {
    const user = fixtures.users.filter((u) => u.vo === vo && u.groups.length === 1)[n];
    if (user === undefined) throw new Error(`VO ${vo} has no plain user ${n} in the fixtures`);
    return user;
  };
  const close = () => app.close();
  return {
    app,
    fixtures,
    config,
    vos,
    url,
    token: ({ vo = vos[0]!, user = 'alice', group, properties, lifetimeMinutes } = {}) =>
      mint(
        {
          vo,
          username: user,
          group: group ?? `${vo}_user`,
          properties: properties ?? ['NormalUser'],
        },
        lifetimeMinutes,
      ),
    tokenFor: (vo, username, group) => mint({ vo, username, group }),
    plainUser,
    user: (vo, n = 0) => mint({ vo, username: plainUser(vo, n).username, group: `${vo}_user` }),
    admin: (vo) => {
      const admin = fixtures.users.find((u) => u.vo === vo && u.groups.includes(`${vo}_admin`));
      if (admin === undefined) throw new Error(`VO ${vo} has no administrator in the fixtures`);
      return mint({ vo, username: admin.username, group: `${vo}_admin` });
    },
    pilot: (vo) => mint({ vo, username: pilotIdentity(vo).username, group: `${vo}_pilot` }),
    client: (token, transport = 'inject') => {
      if (transport === 'http' && url === undefined)
        throw new Error('testBox: pass listen: true for a client over HTTP');
      return new DiracxClient(
        transport === 'http' ? httpTransport(url!) : injectTransport(app),
        typeof token === 'string' ? () => token : token,
      );
    },
    inject: (method, path, token, payload, headers = {}) =>
      app.inject({
        method,
        url: path,
        headers: {
          ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
          ...(typeof payload === 'string' ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        ...(payload === undefined ? {} : { payload: payload as string | object }),
      }),
    close,
    [Symbol.asyncDispose]: close,
  };
}
