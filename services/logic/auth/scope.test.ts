import { describe, expect, it } from 'vitest';
import { generateFixtures } from '../../../fixtures/index.ts';
import { ForbiddenError, InvalidRequestError, SECURITY_PROPERTIES } from '../../core/index.ts';
import { grantScope, parseScope } from './scope.ts';

const { config, users } = generateFixtures({ seed: 1, size: 'small' });
const [vo, otherVo] = Object.keys(config.Registry) as [string, string];
const admin = users.find((u) => u.vo === vo && u.groups.includes(`${vo}_admin`))!;
const plain = users.find((u) => u.vo === vo && u.groups.length === 1)!;
const outsider = users.find((u) => u.vo === otherVo)!;
const parse = (scope: string) => parseScope(scope, config, SECURITY_PROPERTIES);

describe('parseScope', () => {
  it.each([
    [`vo:${vo}`, { vo, group: `${vo}_user`, properties: ['NormalUser'] }],
    [
      `vo:${vo} group:${vo}_prod`,
      { vo, group: `${vo}_prod`, properties: ['JobSharing', 'NormalUser', 'ProductionManagement'] },
    ],
    [
      `vo:${vo} property:FileCatalogManagement`,
      { vo, group: `${vo}_user`, properties: ['FileCatalogManagement', 'NormalUser'] },
    ],
    [`  vo:${vo}   vo:${vo} `, { vo, group: `${vo}_user`, properties: ['NormalUser'] }],
  ])('reads %j', (scope, expected) => {
    expect(parse(scope)).toEqual(expected);
  });

  it.each([
    ['', /^No vo scope requested, available values: vo:/],
    [`vo:${vo} vo:${otherVo}`, /^Only one vo is allowed/],
    ['vo:nosuchvo', /^VO nosuchvo is not known/],
    [`vo:${vo} group:${otherVo}_user`, new RegExp(`^${otherVo}_user not in ${vo} groups`)],
    [`vo:${vo} group:${vo}_user group:${vo}_prod`, /^Only one DIRAC group allowed/],
    [`vo:${vo} property:Omnipotence`, /^Omnipotence are not valid properties/],
    [`vo:${vo} openid`, /^Unrecognised scopes: openid/],
  ])('refuses %j with a 400', (scope, message) => {
    expect(() => parse(scope)).toThrow(InvalidRequestError);
    expect(() => parse(scope)).toThrow(message);
  });
});

describe('grantScope', () => {
  it('maps the IdP subject to the DIRAC user, prefixed by the VO', () => {
    expect(grantScope(config, parse(`vo:${vo} group:${vo}_admin`), admin.sub)).toMatchObject({
      sub: `${vo}:${admin.sub}`,
      preferredUsername: admin.username,
      group: `${vo}_admin`,
    });
  });

  it.each([
    [
      'a group the user is not in',
      () => grantScope(config, parse(`vo:${vo} group:${vo}_admin`), plain.sub),
      /not a member of the requested group/,
    ],
    [
      'a VO the user is not in (cross-VO scope)',
      () => grantScope(config, parse(`vo:${vo}`), outsider.sub),
      /is not registered in VO/,
    ],
    [
      'a property none of their groups grants',
      () => grantScope(config, parse(`vo:${vo} property:ProxyManagement`), plain.sub),
      /ProxyManagement are not valid properties for user/,
    ],
  ])('refuses %s with a 403', (_name, run, message) => {
    expect(run).toThrow(ForbiddenError);
    expect(run).toThrow(message);
  });
});
