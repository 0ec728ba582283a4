import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateFixtures } from '../../../fixtures/index.ts';
import { buildApp } from '../../app/index.ts';
import { ManualClock, snapshotOf, staticConfigSource } from '../../core/index.ts';
import { generateKeystore, issueAccessToken } from '../../logic/index.ts';

const { config } = generateFixtures({ seed: 1, size: 'small' });
const [vo, otherVo] = Object.keys(config.Registry) as [string, string];
const site = Object.keys(Object.values(config.Resources.Sites)[0]!)[0]!;
const clock = new ManualClock(Date.UTC(2026, 5, 1, 12));
const keystore = await generateKeystore(clock);
const tokenOf = async (userVo: string, properties = ['NormalUser']) =>
  (
    await issueAccessToken(
      { keystore, clock, issuer: 'gridbox' },
      {
        sub: `${userVo}:someone`,
        vo: userVo,
        dirac_group: `${userVo}_user`,
        preferred_username: 'someone',
        dirac_properties: properties,
      },
      24 * 60,
    )
  ).token;

let app: FastifyInstance;
let user: string;
let otherUser: string;
let admin: string;
beforeAll(async () => {
  app = await buildApp({
    configSource: staticConfigSource(snapshotOf(config, 0)),
    auth: { keystore },
    clock,
  });
  user = await tokenOf(vo);
  otherUser = await tokenOf(otherVo);
  admin = await tokenOf(vo, ['ServiceAdministrator']);
});
afterAll(() => app.close());

const get = (url: string, token: string, headers: Record<string, string> = {}) =>
  app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}`, ...headers } });

describe('RSS status routes (DiracX conditional caching)', () => {
  it.each(['site', 'storage', 'compute', 'fts'])(
    'GET /api/rss/%s answers 200 with an ETag naming the VO, Vary: Authorization, and 304 on the ETag',
    async (kind) => {
      const first = await get(`/api/rss/${kind}`, user);
      expect(first.statusCode).toBe(200);
      expect(first.headers.etag).toMatch(new RegExp(`^[0-9a-f]{64}-${vo}$`));
      expect(first.headers.vary).toBe('Authorization');
      expect(first.headers['last-modified']).toMatch(/ GMT$/);
      const again = await get(`/api/rss/${kind}`, user, {
        'if-none-match': String(first.headers.etag),
      });
      expect(again.statusCode).toBe(304);
      expect(again.body).toBe('');
      expect(again.headers.etag).toBe(first.headers.etag);
      const otherVoView = await get(`/api/rss/${kind}`, otherUser, {
        'if-none-match': String(first.headers.etag),
      });
      expect(otherVoView.statusCode).toBe(200);
    },
  );

  it('gives no recorded storage, compute or FTS status', async () => {
    for (const kind of ['storage', 'compute', 'fts'])
      expect((await get(`/api/rss/${kind}`, user)).json()).toEqual({});
  });

  it('changes the site ETag and Last-Modified when a status is set, and honours If-Modified-Since', async () => {
    const before = await get('/api/rss/site', user);
    clock.advance(60_000);
    const put = await app.inject({
      method: 'PUT',
      url: `/api/rss/site/${site}`,
      headers: { authorization: `Bearer ${admin}` },
      payload: { status: 'Banned', reason: 'downtime' },
    });
    expect(put.statusCode).toBe(204);
    const after = await get('/api/rss/site', user, {
      'if-none-match': String(before.headers.etag),
    });
    expect(after.statusCode).toBe(200);
    expect(after.json()[site]).toEqual({ all: { allowed: false, reason: 'downtime' } });
    expect(after.headers.etag).not.toBe(before.headers.etag);
    expect(after.headers['last-modified']).toBe(new Date(clock.nowMs()).toUTCString());
    const later = new Date(clock.nowMs() + 1000).toUTCString();
    expect((await get('/api/rss/site', user, { 'if-modified-since': later })).statusCode).toBe(304);
  });
});
