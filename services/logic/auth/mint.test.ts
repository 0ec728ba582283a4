import { describe, expect, it } from 'vitest';
import { generateFixtures, pilotIdentity } from '../../../fixtures/index.ts';
import { ManualClock, UsageError } from '../../core/index.ts';
import { generateKeystore } from './keystore.ts';
import { type TokenIdentity, mintAccessToken } from './mint.ts';
import { verifyAccessToken } from './tokens.ts';

const { config, users } = generateFixtures({ seed: 1, size: 'small' });
const [vo, otherVo] = Object.keys(config.Registry) as [string, string];
const admin = users.find((u) => u.vo === vo && u.groups.includes(`${vo}_admin`))!;
const plain = users.find((u) => u.vo === vo && u.groups.length === 1)!;
const clock = new ManualClock(Date.UTC(2026, 5, 1, 12));
const deps = { keystore: await generateKeystore(clock), clock, config };
const groupProperties = (group: string) => config.Registry[vo]!.Groups[group]!.Properties;

describe('mintAccessToken', () => {
  it.each([
    [
      'a plain user, with the properties of its group',
      { vo, username: plain.username, group: `${vo}_user` },
      { sub: `${vo}:${plain.sub}`, dirac_properties: groupProperties(`${vo}_user`) },
    ],
    [
      'the VO administrator in its admin group',
      { vo, username: admin.username, group: `${vo}_admin` },
      { sub: `${vo}:${admin.sub}`, dirac_properties: groupProperties(`${vo}_admin`) },
    ],
    [
      'the generic pilot, which has no password but is in the Registry',
      { vo, username: pilotIdentity(vo).username, group: `${vo}_pilot` },
      { sub: `${vo}:${pilotIdentity(vo).sub}`, dirac_properties: groupProperties(`${vo}_pilot`) },
    ],
    [
      'an identity given with its properties, as is',
      { vo, username: 'nobody', group: `${vo}_user`, properties: ['JobAdministrator'] },
      { sub: `${vo}:nobody`, dirac_properties: ['JobAdministrator'] },
    ],
  ] as [string, TokenIdentity, object][])(
    'signs a token the box accepts for %s',
    async (_, who, claims) => {
      const token = await mintAccessToken(deps, who, 20);
      const verified = await verifyAccessToken({ ...deps, issuer: 'gridbox' }, token);
      expect(verified).toMatchObject({
        ...claims,
        vo: who.vo,
        dirac_group: who.group,
        preferred_username: who.username,
        exp: clock.nowMs() / 1000 + 20 * 60,
      });
    },
  );

  it.each([
    ['a user outside the group', { vo, username: plain.username, group: `${vo}_admin` }],
    ['a user of another VO', { vo: otherVo, username: plain.username, group: `${otherVo}_user` }],
    ['a group the VO does not have', { vo, username: plain.username, group: 'nope' }],
    ['a VO the Registry does not have', { vo: 'nope', username: plain.username, group: 'x' }],
  ])('refuses %s', async (_, who) => {
    await expect(mintAccessToken(deps, who)).rejects.toThrow(
      new UsageError(`${who.username} is not a member of ${who.group} in VO ${who.vo}`),
    );
  });
});
