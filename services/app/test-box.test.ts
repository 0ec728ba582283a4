import { afterAll, describe, expect, it } from 'vitest';
import { pilotIdentity } from '../../fixtures/index.ts';
import { UsageError } from '../core/index.ts';
import { testBox } from './test-box.testkit.ts';

const box = await testBox({ listen: true });
afterAll(() => box.close());
const [vo, otherVo] = box.vos as [string, string];
const admin = box.fixtures.users.find((u) => u.vo === vo && u.groups.includes(`${vo}_admin`))!;
const properties = (ofVo: string, group: string) => [
  ...box.config.Registry[ofVo]!.Groups[group]!.Properties,
];

describe('testBox', () => {
  it.each([
    [
      'token(): the claims as given',
      () => box.token({ vo: otherVo, user: 'zed', properties: ['JobMonitor'] }),
      { vo: otherVo, preferred_username: 'zed', dirac_group: `${otherVo}_user` },
      ['JobMonitor'],
    ],
    [
      'tokenFor(): a member of the Registry in one of its groups',
      () => box.tokenFor(vo, admin.username, `${vo}_user`),
      { vo, preferred_username: admin.username, dirac_group: `${vo}_user` },
      properties(vo, `${vo}_user`),
    ],
    [
      'user(): a plain user',
      () => box.user(otherVo, 1),
      {
        vo: otherVo,
        preferred_username: box.plainUser(otherVo, 1).username,
        dirac_group: `${otherVo}_user`,
      },
      properties(otherVo, `${otherVo}_user`),
    ],
    [
      'admin(): the VO administrator',
      () => box.admin(vo),
      { vo, preferred_username: admin.username, dirac_group: `${vo}_admin` },
      properties(vo, `${vo}_admin`),
    ],
    [
      'pilot(): the generic pilot',
      () => box.pilot(vo),
      { vo, preferred_username: pilotIdentity(vo).username, dirac_group: `${vo}_pilot` },
      properties(vo, `${vo}_pilot`),
    ],
  ])('mints tokens the box accepts, %s', async (_name, mint, identity, granted) => {
    const token = await mint();
    for (const transport of ['inject', 'http'] as const) {
      const userinfo = await box
        .client(token, transport)
        .request<Record<string, unknown>>('Userinfo', 'GET', '/api/auth/userinfo');
      expect(userinfo).toMatchObject({ ...identity, properties: granted });
    }
  });

  it('refuses a Registry identity outside its group', async () => {
    await expect(box.tokenFor(vo, admin.username, `${vo}_pilot`)).rejects.toThrow(UsageError);
  });
});
