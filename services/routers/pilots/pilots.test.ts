import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateFixtures } from '../../../fixtures/index.ts';
import { buildApp } from '../../app/index.ts';
import { ManualClock, snapshotOf, staticConfigSource } from '../../core/index.ts';
import { generateKeystore, issueAccessToken } from '../../logic/index.ts';

const { config } = generateFixtures({ seed: 1, size: 'small' });
const vo = Object.keys(config.Registry)[0]!;
const clock = new ManualClock(Date.UTC(2026, 5, 1, 12));
const keystore = await generateKeystore(clock);

let app: FastifyInstance;
let user: string;
beforeAll(async () => {
  app = await buildApp({
    configSource: staticConfigSource(snapshotOf(config, 0)),
    auth: { keystore },
    clock,
  });
  ({ token: user } = await issueAccessToken(
    { keystore, clock, issuer: 'gridbox' },
    {
      sub: `${vo}:someone`,
      vo,
      dirac_group: `${vo}_user`,
      preferred_username: 'someone',
      dirac_properties: ['NormalUser'],
    },
    60,
  ));
});
afterAll(() => app.close());

describe('POST /api/pilots/search', () => {
  it('searches without a body, as DiracX (the body is optional)', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/api/pilots/search',
      headers: { authorization: `Bearer ${user}` },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual([]);
  });
});
