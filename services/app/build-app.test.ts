import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import Type from 'typebox';
import { afterEach, describe, expect, it } from 'vitest';
import { generateFixtures } from '../../fixtures/index.ts';
import {
  type ConfigSource,
  ManualClock,
  snapshotOf,
  staticConfigSource,
  systemClock,
} from '../core/index.ts';
import type { Database } from '../db/index.ts';
import { generateKeystore, issueAccessToken } from '../logic/index.ts';
import type { RouterDefinition } from '../routers/index.ts';
import { type AppOptions, buildApp } from './build-app.ts';
import { builtinRegistry, extendRegistry } from './registry.ts';

const fixtures = generateFixtures({ seed: 7, size: 'small' });
const snapshot = snapshotOf(fixtures.config, Date.UTC(2026, 0, 1));
const notLoaded: ConfigSource = { current: () => undefined };

const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

const keystore = await generateKeystore(systemClock);
const { token } = await issueAccessToken(
  { keystore, clock: systemClock, issuer: 'gridbox' },
  {
    sub: 'vo:alice',
    vo: 'vo',
    dirac_group: 'vo_user',
    preferred_username: 'alice',
    dirac_properties: ['NormalUser'],
  },
  20,
);
const authHeader = { authorization: `Bearer ${token}` };

async function build(options: Partial<AppOptions> = {}): Promise<FastifyInstance> {
  const app = await buildApp({
    configSource: staticConfigSource(snapshot),
    auth: { keystore },
    ...options,
  });
  apps.push(app);
  return app;
}

/** Full paths of the routes Fastify serves, read from its route tree. */
function servedPaths(app: FastifyInstance): string[] {
  const stack: string[] = [];
  const paths: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^([│ ]*)[├└]── (\S+)( \(.*\))?/.exec(line);
    if (match === null) continue;
    const depth = match[1]!.length / 4;
    stack.length = depth;
    stack.push(match[2]!);
    // Nodes without methods are shared prefixes, not routes.
    if (match[3] !== undefined) paths.push(stack.join('').replace(/:(\w+)/g, '{$1}'));
  }
  return paths;
}

describe('health probes', () => {
  it.each([
    ['/api/health/live', { status: 'live' }],
    ['/api/health/ready', { status: 'ready' }],
    ['/api/health/startup', { status: 'startup complete' }],
  ])('%s answers 200 %j', async (url, body) => {
    const response = await (await build()).inject(url);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual(body);
  });

  it('reports the DB that does not answer, with Retry-After', async () => {
    const registry = extendRegistry(builtinRegistry, {
      dbs: [
        {
          ...builtinRegistry.dbs.get('AuthDB')!,
          // The built-in AuthDB, but its backend does not answer.
          open: (conn) =>
            Object.assign(Object.create(builtinRegistry.dbs.get('AuthDB')!.open(conn)) as object, {
              ping: () => Promise.reject(new Error('connection refused')),
            }) as unknown as Database,
        },
      ],
    });
    const app = await build({ registry });
    for (const url of ['/api/health/ready', '/api/health/startup']) {
      const response = await app.inject(url);
      expect(response.statusCode).toBe(503);
      expect(response.json()).toEqual({ detail: 'AuthDB ping failed' });
      expect(response.headers['retry-after']).toBe('10');
    }
    expect((await app.inject('/api/health/live')).statusCode).toBe(200);
  });

  it.each(['/api/health/live', '/api/health/ready', '/api/config/', '/.well-known/dirac-metadata'])(
    '%s answers 503 with Retry-After while the configuration is not loaded',
    async (url) => {
      const response = await (
        await build({ configSource: notLoaded })
      ).inject({ url, headers: authHeader });
      expect(response.statusCode).toBe(503);
      expect(response.headers['retry-after']).toBe('10');
      expect(response.json()).toEqual({ detail: 'Configuration is not loaded yet' });
    },
  );
});

describe('GET /api/config/', () => {
  it('needs a token, as in DiracX', async () => {
    const response = await (await build()).inject('/api/config/');
    expect(response.statusCode).toBe(401);
    expect(response.json()).toEqual({ detail: 'Authorization header is missing' });
  });

  it('serves the whole configuration with an ETag and Last-Modified', async () => {
    const response = await (await build()).inject({ url: '/api/config/', headers: authHeader });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual(fixtures.config);
    expect(response.headers.etag).toMatch(/^[0-9a-f]{40}$/);
    expect(response.headers['last-modified']).toBe('Thu, 01 Jan 2026 00:00:00 GMT');
  });

  it('answers 304 with no body to a client that sends the ETag back', async () => {
    const app = await build();
    const first = await app.inject({ url: '/api/config/', headers: authHeader });
    const second = await app.inject({
      url: '/api/config/',
      headers: { ...authHeader, 'if-none-match': String(first.headers.etag) },
    });
    expect(second.statusCode).toBe(304);
    expect(second.body).toBe('');
    expect(second.headers.etag).toBe(first.headers.etag);
    expect(second.headers['last-modified']).toBe(first.headers['last-modified']);
  });

  it.each([
    ['a stale ETag', { 'if-none-match': '0000000000000000000000000000000000000000' }, 200],
    ['a date after the revision', { 'if-modified-since': 'Fri, 02 Jan 2026 00:00:00 GMT' }, 304],
    [
      'the Last-Modified date itself',
      { 'if-modified-since': 'Thu, 01 Jan 2026 00:00:00 GMT' },
      200,
    ],
    ['a date it cannot read', { 'if-modified-since': 'tomorrow' }, 200],
  ])('with %s answers %s', async (_name, headers, status) => {
    expect(
      (
        await (
          await build()
        ).inject({ url: '/api/config/', headers: { ...authHeader, ...headers } })
      ).statusCode,
    ).toBe(status);
  });

  it('changes the ETag when the configuration changes', async () => {
    const other = snapshotOf(
      generateFixtures({ seed: 8, size: 'small' }).config,
      Date.UTC(2026, 0, 1),
    );
    const a = await (await build()).inject({ url: '/api/config/', headers: authHeader });
    const b = await (
      await build({ configSource: staticConfigSource(other) })
    ).inject({ url: '/api/config/', headers: authHeader });
    expect(a.headers.etag).not.toBe(b.headers.etag);
  });
});

describe('GET /.well-known/dirac-metadata', () => {
  it('lists each VO with its groups, sorted properties, support and default group', async () => {
    const body = (await (await build()).inject('/.well-known/dirac-metadata')).json();
    const [vo, info] = Object.entries(fixtures.config.Registry)[0]!;
    expect(Object.keys(body.virtual_organizations)).toEqual(Object.keys(fixtures.config.Registry));
    expect(body.virtual_organizations[vo]).toEqual({
      groups: Object.fromEntries(
        Object.entries(info.Groups).map(([g, group]) => [
          g,
          { properties: [...group.Properties].sort() },
        ]),
      ),
      support: {
        message: info.Support.Message,
        webpage: info.Support.Webpage,
        email: info.Support.Email,
      },
      default_group: info.DefaultGroup,
    });
  });
});

describe('DiracX-Client-Version', () => {
  it.each([
    [undefined, 200, undefined],
    ['0.7.0', 200, undefined],
    ['0.0.1a1', 200, undefined],
    [
      '0.0.1a0',
      400,
      'Client version 0.0.1a0 is not compatible with the server. Upgrade to a version >= 0.0.1a1.',
    ],
    ['not a version', 400, "Invalid version string: 'not a version'"],
  ])('with %j answers %i, as DiracX', async (version, status, detail) => {
    const response = await (
      await build()
    ).inject({
      url: '/api/health/live',
      headers: version === undefined ? {} : { 'DiracX-Client-Version': version },
    });
    expect(response.statusCode).toBe(status);
    if (detail !== undefined) expect(response.json()).toEqual({ detail });
  });
});

describe('GET /.well-known/security.txt', () => {
  it('answers without a token, as a JSON string like DiracX, with the VOs support contacts and an expiry a year ahead', async () => {
    const response = await (
      await build({ clock: new ManualClock(Date.UTC(2026, 0, 1)) })
    ).inject('/.well-known/security.txt');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    const text = response.json() as string;
    const [vo, info] = Object.entries(fixtures.config.Registry)[0]!;
    expect(text).toContain(`Contact: mailto:${info.Support.Email}\n`);
    expect(text).toContain(`Contact: ${info.Support.Webpage}\n`);
    expect(text).toContain('Expires: 2027-01-01T00:00:00.000Z\n');
    expect(text.endsWith('Preferred-Languages: en\n')).toBe(true);
    expect(vo).toBeTruthy();
  });
});

describe('OpenAPI', () => {
  it('documents every route the app serves, apart from the docs themselves', async () => {
    const app = await build();
    const document = (await app.inject('/api/openapi.json')).json();
    const documented = Object.keys(document.paths).sort();
    expect(documented).toEqual(
      [
        '/.well-known/dirac-metadata',
        '/.well-known/jwks.json',
        '/.well-known/openid-configuration',
        '/.well-known/security.txt',
        '/api/auth/authorize',
        '/api/auth/authorize/complete',
        '/api/auth/device',
        '/api/auth/device/complete',
        '/api/auth/device/complete/finished',
        '/api/auth/legacy-exchange',
        '/api/auth/pilot-token',
        '/api/auth/proxy-exchange',
        '/api/auth/refresh-tokens',
        '/api/auth/refresh-tokens/{jti}',
        '/api/auth/revoke',
        '/api/auth/token',
        '/api/auth/userinfo',
        '/api/catalog/directory',
        '/api/catalog/files',
        '/api/catalog/files/metadata',
        '/api/catalog/files/remove',
        '/api/catalog/find',
        '/api/catalog/metadata',
        '/api/catalog/replicas',
        '/api/catalog/replicas/query',
        '/api/catalog/replicas/remove',
        '/api/config/',
        '/api/health/live',
        '/api/health/ready',
        '/api/health/startup',
        '/api/jobs/',
        '/api/jobs/{job_id}/sandbox',
        '/api/jobs/{job_id}/sandbox/output',
        '/api/jobs/{job_id}/sandbox/{sandbox_type}',
        '/api/jobs/heartbeat',
        '/api/jobs/jdl',
        '/api/jobs/match',
        '/api/jobs/match/queues',
        '/api/jobs/match/queues/bulk',
        '/api/jobs/metadata',
        '/api/jobs/reschedule',
        '/api/jobs/sandbox',
        '/api/jobs/sandbox/unassign',
        '/api/jobs/search',
        '/api/jobs/status',
        '/api/jobs/summary',
        '/api/pilots/',
        '/api/pilots/metadata',
        '/api/pilots/search',
        '/api/pilots/summary',
        '/api/rss/compute',
        '/api/rss/fts',
        '/api/rss/site',
        '/api/rss/site/{site}',
        '/api/rss/storage',
        '/api/sandbox-store/download',
        '/api/sandbox-store/upload',
      ].sort(),
    );
    const served = servedPaths(app).filter(
      (path) =>
        !path.startsWith('/api/docs') &&
        path !== '/api/openapi.json' &&
        path !== '/' && // the redirect to the docs
        !documented.includes(`${path}/`),
    );
    expect(served.sort()).toEqual(documented);
  });

  it('marks nothing that has a default as required, as DiracX does (page, per_page, force, ...)', async () => {
    const document = (await (await build()).inject('/api/openapi.json')).json();
    const requiredWithDefault: string[] = [];
    const visit = (schema: unknown, where: string): void => {
      if (typeof schema !== 'object' || schema === null) return;
      const node = schema as Record<string, unknown>;
      const properties = (node.properties ?? {}) as Record<string, Record<string, unknown>>;
      for (const name of Array.isArray(node.required) ? (node.required as string[]) : [])
        if (properties[name]?.default !== undefined) requiredWithDefault.push(`${where}.${name}`);
      for (const [key, value] of Object.entries(node)) visit(value, `${where}/${key}`);
    };
    for (const [path, operations] of Object.entries(document.paths))
      for (const [method, operation] of Object.entries(
        operations as Record<
          string,
          {
            parameters?: { name: string; required?: boolean; schema?: { default?: unknown } }[];
            requestBody?: unknown;
          }
        >,
      )) {
        for (const parameter of operation.parameters ?? [])
          if (parameter.required && parameter.schema?.default !== undefined)
            requiredWithDefault.push(`${method} ${path} ?${parameter.name}`);
        visit(operation.requestBody, `${method} ${path}`);
      }
    expect(requiredWithDefault).toEqual([]);
  });

  it('gives every operation an id, a tag and a response schema', async () => {
    const document = (await (await build()).inject('/api/openapi.json')).json();
    for (const operations of Object.values(document.paths) as Record<
      string,
      Record<string, unknown>
    >[]) {
      for (const operation of Object.values(operations)) {
        expect(operation.operationId).toMatch(/^[a-z_]+$/);
        expect(operation.tags).toHaveLength(1);
        expect(
          Object.keys(operation.responses as object).some((status) => /^[23]/.test(status)),
        ).toBe(true);
      }
    }
  });

  it('serves interactive docs at /api/docs', async () => {
    const app = await build();
    const response = await app.inject('/api/docs');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/text\/html/);
    expect(response.body).toContain('swagger');
  });
});

/** A router an extension might add, used to drive the error handler. */
const echoRouter: RouterDefinition = {
  name: 'echo',
  prefix: '/api/echo',
  requiresAuth: false,
  needs: { dbs: [], policies: [] },
  plugin: async (app) => {
    app.post(
      '/',
      {
        schema: {
          body: Type.Object({
            count: Type.Integer({ minimum: 1 }),
            tags: Type.Array(Type.String()),
          }),
        },
      },
      (request) => request.body,
    );
    app.get('/boom', () => {
      throw new Error('secret database password in a stack trace');
    });
  },
};

describe('errors', () => {
  it('answers unknown routes 404 {"detail": "Not Found"}', async () => {
    const response = await (await build()).inject('/api/nothing-here');
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ detail: 'Not Found' });
  });

  it('answers a body that breaks the schema with FastAPI 422 details', async () => {
    const app = await build({
      registry: extendRegistry(builtinRegistry, { routers: [echoRouter] }),
    });
    const response = await app.inject({
      method: 'POST',
      url: '/api/echo/',
      payload: { count: 0, tags: [] },
    });
    expect(response.statusCode).toBe(422);
    expect(response.json()).toEqual({
      detail: [{ type: 'minimum', loc: ['body', 'count'], msg: 'must be >= 1', input: 0 }],
    });
    const missing = await app.inject({ method: 'POST', url: '/api/echo/', payload: { count: 1 } });
    expect(missing.json().detail[0]).toMatchObject({ type: 'missing', loc: ['body', 'tags'] });
  });

  it.each([
    [
      'a body that is not JSON',
      { payload: '{"count":', headers: { 'content-type': 'application/json' } },
      400,
    ],
    [
      'a content type no route takes',
      { payload: 'x', headers: { 'content-type': 'text/csv' } },
      415,
    ],
    ['a body over the limit', { payload: { count: 1, tags: ['x'.repeat(2048)] } }, 413],
  ])('answers %s with %s and a detail', async (_name, request, status) => {
    const registry = extendRegistry(builtinRegistry, { routers: [echoRouter] });
    const app = await build({ registry, bodyLimitBytes: 1024 });
    const response = await app.inject({ method: 'POST', url: '/api/echo/', ...request });
    expect(response.statusCode).toBe(status);
    expect(typeof response.json().detail).toBe('string');
  });

  it('hides the cause of a 500 from the client and logs it with the request id', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'error' }, { write: (line: string) => lines.push(line) });
    const app = await build({
      registry: extendRegistry(builtinRegistry, { routers: [echoRouter] }),
      logger,
    });
    const response = await app.inject('/api/echo/boom');
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({ detail: 'Internal Server Error' });
    expect(response.body).not.toContain('secret');
    const logged = lines.map((line) => JSON.parse(line));
    expect(logged).toContainEqual(
      expect.objectContaining({
        reqId: expect.any(String),
        err: expect.objectContaining({ message: expect.stringContaining('secret') }),
      }),
    );
  });
});

describe('registry', () => {
  it('lets an extension replace a built-in router by its name', async () => {
    const replacement: RouterDefinition = {
      name: 'config',
      prefix: '/api/config',
      requiresAuth: false,
      needs: { dbs: [], policies: [] },
      plugin: async (app) => {
        app.get(
          '/',
          { schema: { response: { 200: Type.Object({ replaced: Type.Boolean() }) } } },
          () => ({
            replaced: true,
          }),
        );
      },
    };
    const app = await build({
      registry: extendRegistry(builtinRegistry, { routers: [replacement] }),
    });
    expect((await app.inject({ url: '/api/config/', headers: authHeader })).json()).toEqual({
      replaced: true,
    });
    expect((await app.inject('/api/health/live')).statusCode).toBe(200);
  });

  it('lets an extension replace a policy by its name', async () => {
    const registry = extendRegistry(builtinRegistry, {
      policies: [
        {
          name: 'open',
          actions: ['create', 'read', 'manage'],
          check: () => Promise.reject(Object.assign(new Error('Forbidden'), { statusCode: 403 })),
        },
      ],
    });
    const response = await (
      await build({ registry })
    ).inject({ url: '/api/config/', headers: authHeader });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toEqual({ detail: 'Forbidden' });
  });

  it('fails at boot, not on the first request, when a router needs a policy nobody registered', async () => {
    const registry = extendRegistry(builtinRegistry, {});
    const withoutOpen = { ...registry, policies: new Map() };
    await expect(
      buildApp({ configSource: staticConfigSource(snapshot), registry: withoutOpen }),
    ).rejects.toThrow(
      /The router "[^"]+" needs the access policy "open", which no entry registers/,
    );
  });

  it('refuses to start when a router needs a DB nobody registered', async () => {
    const registry = { ...builtinRegistry, dbs: new Map(builtinRegistry.dbs) };
    registry.dbs.delete('TaskQueueDB');
    await expect(
      buildApp({ configSource: staticConfigSource(snapshot), registry }),
    ).rejects.toThrow('The router "jobs" needs the DB TaskQueueDB, which no entry registers');
  });

  it('refuses a DB registered under a built-in name that lacks the interface’s methods', async () => {
    const base = builtinRegistry.dbs.get('ResourceStatusDB')!;
    // An extension's ResourceStatusDB that forgot one method of the interface.
    const partial = {
      ...base,
      open: (conn: Parameters<typeof base.open>[0]) => {
        const db = base.open(conn) as unknown as Record<string, unknown>;
        return {
          name: 'ResourceStatusDB',
          ping: () => Promise.resolve(),
          siteStatuses: db.siteStatuses,
        };
      },
    } as typeof base;
    await expect(
      buildApp({
        configSource: staticConfigSource(snapshot),
        registry: extendRegistry(builtinRegistry, { dbs: [partial] }),
      }),
    ).rejects.toThrow(
      /The DB registered as ResourceStatusDB does not implement its interface: it lacks \w+/,
    );
  });

  it('refuses a policy in place of a built-in one that does not decide all its actions', async () => {
    const registry = extendRegistry(builtinRegistry, {
      policies: [{ name: 'wms', actions: ['create', 'read'], check: () => Promise.resolve() }],
    });
    await expect(
      buildApp({ configSource: staticConfigSource(snapshot), registry }),
    ).rejects.toThrow(
      'The access policy "wms" registered in place of gridbox\'s does not decide manage, query, pilot, match',
    );
  });

  it('accepts a DB that extends the built-in one with methods of its own', async () => {
    const base = builtinRegistry.dbs.get('ResourceStatusDB')!;
    const extended = {
      ...base,
      open: (conn: Parameters<typeof base.open>[0]) =>
        Object.assign(Object.create(base.open(conn)) as object, {
          extra: () => 1,
        }) as unknown as ReturnType<typeof base.open>,
    };
    const app = await buildApp({
      configSource: staticConfigSource(snapshot),
      registry: extendRegistry(builtinRegistry, { dbs: [extended] }),
    });
    expect(app.dbs.named('ResourceStatusDB')).toHaveProperty('extra');
    await app.close();
  });
});
