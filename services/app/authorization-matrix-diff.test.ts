import { describe, expect, it } from 'vitest';
import { generateFixtures, pilotIdentity } from '../../fixtures/index.ts';
import { ForbiddenError, ManualClock, snapshotOf, staticConfigSource } from '../core/index.ts';
import {
  type AccessPolicy,
  type RouterDefinition,
  type WmsAction,
  configRouter,
  rssRouter,
  wmsPolicy,
} from '../routers/index.ts';
import { compareAuthorization } from './authorization-matrix-diff.ts';
import { builtinRegistry, extendRegistry } from './registry.ts';

const fixtures = generateFixtures({ seed: 1, size: 'small' });
const [vo, otherVo] = Object.keys(fixtures.config.Registry) as [string, string];
const plain = (ofVo: string, n: number) => {
  const user = fixtures.users.filter((u) => u.vo === ofVo && u.groups.length === 1)[n]!;
  return { vo: ofVo, username: user.username, group: `${ofVo}_user` };
};
const admin = (ofVo: string) => ({
  vo: ofVo,
  username: fixtures.users.find((u) => u.vo === ofVo && u.groups.includes(`${ofVo}_admin`))!
    .username,
  group: `${ofVo}_admin`,
});

const refusingSearches: AccessPolicy<WmsAction> = {
  ...wmsPolicy,
  check: (request, action, target) =>
    action === 'query'
      ? Promise.reject(new ForbiddenError('no searching here'))
      : wmsPolicy.check(request, action, target),
};

/** An extension doing three things the rule tells apart. */
const extended = extendRegistry(builtinRegistry, {
  // 1. Its wms policy refuses searches to everyone: a change its policy declares.
  policies: [refusingSearches as AccessPolicy],
  routers: [
    // 2. Its config router takes no token: a security regression, whatever it declares.
    { ...configRouter, requiresAuth: false },
    // 3. Its rss router refuses the FTS statuses itself, outside any policy: undeclared.
    {
      ...rssRouter,
      plugin: async (app, options) => {
        app.addHook('preHandler', async (request) => {
          if (request.url === '/api/rss/fts') throw new ForbiddenError('no FTS');
        });
        await rssRouter.plugin(app, options);
      },
    } satisfies RouterDefinition,
  ],
  origins: new Map([
    ['policy wms', 'rule-test'],
    ['router config', 'rule-test'],
    ['router rss', 'rule-test'],
  ]),
});

describe('comparing the authorization matrix of an extended box with gridbox alone', () => {
  it('reports what an extension’s policy changes, and fails regressions and undeclared refusals', async () => {
    const refMs = Date.parse(fixtures.meta.refDate);
    const comparison = await compareAuthorization({
      gridbox: builtinRegistry,
      extended,
      configSource: staticConfigSource(snapshotOf(fixtures.config, refMs)),
      identities: {
        owner: plain(vo, 0),
        sameVoUser: plain(vo, 1),
        otherVoUser: plain(otherVo, 0),
        sameVoAdmin: admin(vo),
        otherVoAdmin: admin(otherVo),
        genericPilot: { vo, username: pilotIdentity(vo).username, group: `${vo}_pilot` },
      },
      clock: () => new ManualClock(refMs),
    });
    expect(comparison.error).toBeUndefined();
    const seen = comparison.differences.map(
      (d) => `${d.operation} ${d.caller} ${d.gridbox}→${d.extended} ${d.verdict}: ${d.why}`,
    );
    const declared = 'refused by the extension\'s policy "wms" (query)';
    expect(seen).toEqual(
      expect.arrayContaining([
        `POST /api/jobs/search owner 200→403 change: ${declared}`,
        `POST /api/jobs/summary otherVoAdmin 200→403 change: ${declared}`,
        'GET /api/config/ noToken 401→200 failure: a caller without a valid token gets through: gridbox refuses it',
        'GET /api/config/ expired 401→200 failure: a caller without a valid token gets through: gridbox refuses it',
        'GET /api/rss/fts owner 200→403 failure: refused, and no policy of an extension decided it',
      ]),
    );
    // Nothing else differs: the other routes and callers decide as gridbox does.
    expect(
      new Set(comparison.differences.map((d) => d.operation.split(' ')[1]!.split('/')[2])),
    ).toEqual(new Set(['jobs', 'config', 'rss']));
    expect(comparison.uncovered).toEqual([]);
  }, 120_000);
});
