import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { generateFixtures } from '../../fixtures/index.ts';
import { GridboxError, snapshotOf, staticConfigSource } from '../core/index.ts';
import type { RouterDefinition } from '../routers/index.ts';
import { buildApp } from './build-app.ts';
import { MAX_JSON_DEPTH, jsonDepth } from './json-body.ts';
import { builtinRegistry, extendRegistry } from './registry.ts';

const snapshot = snapshotOf(generateFixtures({ seed: 7, size: 'small' }).config, 0);
const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

/** A router whose routes echo a JSON body, or fail while sending their error. */
const probeRouter: RouterDefinition = {
  name: 'probe',
  prefix: '/api/probe',
  requiresAuth: false,
  needs: { dbs: [], policies: [] },
  plugin: async (app) => {
    app.post('/echo', (request) => ({ body: request.body }));
    app.get('/unsendable', () => {
      // An error whose body cannot be serialized: the error handler's own reply fails.
      throw new GridboxError('GBX_PROBE', 400, 'probe', {}, { detail: 10n });
    });
  },
};

async function build() {
  const lines: Record<string, unknown>[] = [];
  const app = await buildApp({
    configSource: staticConfigSource(snapshot),
    registry: extendRegistry(builtinRegistry, { routers: [probeRouter] }),
    logger: pino({ level: 'error' }, { write: (line: string) => lines.push(JSON.parse(line)) }),
  });
  apps.push(app);
  return { app, lines };
}

const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

describe('JSON bodies', () => {
  it.each([
    [0, 1],
    [1, 2],
    [MAX_JSON_DEPTH - 1, MAX_JSON_DEPTH],
  ])('takes a body nested %i deep inside its object', async (depth, total) => {
    const { app } = await build();
    const payload = `{"a": ${depth === 0 ? '1' : nested(depth)}}`;
    expect(jsonDepth(JSON.parse(payload))).toBe(total);
    const response = await app.inject({
      method: 'POST',
      url: '/api/probe/echo',
      headers: { 'content-type': 'application/json' },
      payload,
    });
    expect(response.statusCode).toBe(200);
  });

  it.each([MAX_JSON_DEPTH + 1, 10_000, 100_000])(
    'refuses a body nested %i deep with a 400 and a detail',
    async (depth) => {
      const { app, lines } = await build();
      const response = await app.inject({
        method: 'POST',
        url: '/api/probe/echo',
        headers: { 'content-type': 'application/json' },
        payload: nested(depth),
      });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({
        detail: `JSON body nested deeper than ${MAX_JSON_DEPTH} levels`,
      });
      expect(lines).toEqual([]);
    },
  );

  it.each<[string, unknown, number]>([
    ['a number', 5, 0],
    ['null', null, 0],
    ['a string', '[[[]]]', 0],
    ['an empty object', {}, 1],
    ['an empty list', [], 1],
    ["a pilot's slot of many platforms", { VO: 'v', Platform: ['a', 'b', 'c'], CPUTime: 1 }, 2],
    ['the deepest of several branches', { a: [1, { b: [[]] }], c: { d: 1 }, e: null }, 5],
    ['nulls and scalars in lists', [null, 1, 'x', [null, [false]]], 3],
  ])('measures how deep %s nests', (_name, value, depth) => {
    expect(jsonDepth(value)).toBe(depth);
  });

  it('stops counting once past the limit', () => {
    expect(jsonDepth(JSON.parse(nested(1000)), 3)).toBe(4);
  });

  it('still refuses prototype poisoning', async () => {
    const { app } = await build();
    const response = await app.inject({
      method: 'POST',
      url: '/api/probe/echo',
      headers: { 'content-type': 'application/json' },
      payload: '{"__proto__": {"x": 1}}',
    });
    expect(response.statusCode).toBe(400);
  });
});

describe('a 500 while sending an error', () => {
  it('is logged with its cause and answered with a generic body', async () => {
    const { app, lines } = await build();
    const response = await app.inject('/api/probe/unsendable');
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({ detail: 'Internal Server Error' });
    expect(lines).toContainEqual(
      expect.objectContaining({
        reqId: expect.any(String),
        err: expect.objectContaining({ message: expect.stringContaining('BigInt') }),
      }),
    );
  });
});
