import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../core/index.ts';
import { testBox } from '../../app/test-box.testkit.ts';

const clock = new ManualClock(Date.UTC(2026, 5, 1, 12));
const box = await testBox({ clock });
afterAll(() => box.close());
const [vo, otherVo] = box.vos as [string, string];
const site = Object.keys(Object.values(box.config.Resources.Sites)[0]!)[0]!;
const user = await box.token({ vo, user: 'someone' });
const otherUser = await box.token({ vo: otherVo, user: 'someone' });
const admin = await box.token({ vo, user: 'someone', properties: ['ServiceAdministrator'] });

const get = (url: string, token: string, headers: Record<string, string> = {}) =>
  box.inject('GET', url, token, undefined, headers);

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
    const put = await box.inject('PUT', `/api/rss/site/${site}`, admin, {
      status: 'Banned',
      reason: 'downtime',
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
