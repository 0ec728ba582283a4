import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateFixtures } from '../../../fixtures/index.ts';
import { type Config, ManualClock, type NewFile } from '../../core/index.ts';
import {
  type FileCatalogDB,
  type PathPermissions,
  type StartedDatabases,
  fileCatalogDb,
  openDatabases,
} from '../../db/index.ts';
import type { CatalogCaller, CatalogDeps } from './bulk.ts';
import { addFiles, addReplicas, removeFiles, removeReplicas } from './index.ts';
import { type WriteRule, deniedWrites } from './permissions.ts';

const fixtures = generateFixtures({ seed: 1, size: 'small' }).config;
const [se] = Object.keys(fixtures.Resources.StorageElements) as [string];
const baseGroup = fixtures.Registry[Object.keys(fixtures.Registry)[0]!]!.Groups;
const group = (VOMSRole: string | null) => ({ ...Object.values(baseGroup)[0]!, VOMSRole });
/** A VO `lhcb` whose two production groups share a VOMS role. */
const config: Config = {
  ...fixtures,
  Registry: {
    lhcb: {
      ...fixtures.Registry[Object.keys(fixtures.Registry)[0]!]!,
      Groups: {
        lhcb_user: group(null),
        lhcb_other: group(null),
        lhcb_prod: group('/lhcb/Role=production'),
        lhcb_mc: group('/lhcb/Role=production'),
      },
    },
  },
};
const caller = (name: string, dirac_group: string, properties = ['NormalUser']) => ({
  vo: 'lhcb',
  preferred_username: name,
  dirac_group,
  dirac_properties: properties,
});
const alice = caller('alice', 'lhcb_user');

describe('write permission on one entry', () => {
  /** A catalog whose only entries are `/lhcb/d` and the file `/lhcb/d/f`, as given. */
  const stubDeps = (entries: Record<string, PathPermissions>): CatalogDeps => ({
    fileCatalogDb: {
      getPathPermissions: (paths: readonly string[]) =>
        Promise.resolve(
          new Map(paths.filter((p) => Object.hasOwn(entries, p)).map((p) => [p, entries[p]!])),
        ),
    } as unknown as FileCatalogDB,
    config,
    clock: new ManualClock(0),
  });
  const entry = (kind: 'file' | 'directory', mode: number): PathPermissions => ({
    kind,
    owner: 'alice',
    group: 'lhcb_prod',
    mode,
  });
  const owner = caller('alice', 'lhcb_other');
  const groupMate = caller('bob', 'lhcb_prod');
  const sameRole = caller('carol', 'lhcb_mc');
  const other = caller('mallory', 'lhcb_user');
  const manager = caller('dm', 'lhcb_user', ['FileCatalogManagement']);

  // DIRAC checks a directory with every class the caller is in, a file with its own class.
  const cases: [string, 'file' | 'directory', number, CatalogCaller, boolean][] = [
    ['owner, default mode', 'directory', 0o775, owner, true],
    ['group, default mode', 'directory', 0o775, groupMate, true],
    ['same VOMS role as the group, default mode', 'directory', 0o775, sameRole, true],
    ['other, default mode', 'directory', 0o775, other, false],
    ['owner, 0o555', 'directory', 0o555, owner, false],
    ['owner, 0o575: the group bit counts for a directory', 'directory', 0o575, owner, false],
    ['owner in the group, 0o575', 'directory', 0o575, caller('alice', 'lhcb_prod'), true],
    ['other, 0o777', 'directory', 0o777, other, true],
    ['owner, 0o557: the others bit counts for a directory', 'directory', 0o557, owner, true],
    ['owner, file, default mode', 'file', 0o775, owner, true],
    ['group, file, default mode', 'file', 0o775, groupMate, true],
    ['same VOMS role, file, default mode', 'file', 0o775, sameRole, true],
    ['other, file, default mode', 'file', 0o775, other, false],
    ['group, file, 0o755', 'file', 0o755, groupMate, false],
    ['owner, file, 0o577: only the owner bits count', 'file', 0o577, owner, false],
    ['group, file, 0o757: only the group bits count', 'file', 0o757, groupMate, false],
    ['other, file, 0o772', 'file', 0o772, other, true],
    ['a catalog manager, 0o000', 'file', 0o000, manager, true],
    ['a catalog manager, 0o000', 'directory', 0o000, manager, true],
  ];
  it.each(cases)('%s (%s, mode %o)', async (_name, kind, mode, who, allowed) => {
    const path = kind === 'file' ? '/lhcb/d/f' : '/lhcb/d';
    const deps = stubDeps({ [path]: entry(kind, mode) });
    const denied = await deniedWrites(deps, who, [path], 'self');
    expect(denied.size === 0).toBe(allowed);
  });
});

describe('which entry each operation checks', () => {
  let databases: StartedDatabases;
  let deps: CatalogDeps;
  const newFile = (): NewFile => ({ PFN: 'root://a/f', SE: se, Size: 1, Checksum: '00000001' });
  const paul = caller('paul', 'lhcb_other');

  beforeEach(async () => {
    databases = await openDatabases('sqlite::memory:', [fileCatalogDb]);
    deps = {
      fileCatalogDb: databases.dbs.get('FileCatalogDB') as FileCatalogDB,
      config,
      clock: new ManualClock(Date.UTC(2026, 0, 1)),
    };
    // Alice's tree, and a file of paul's in it that paul may not remove (the directory is
    // alice's) but may re-replicate (the file is his).
    await addFiles(deps, alice, { '/lhcb/alice/f': newFile() });
    await addFiles(deps, alice, { '/lhcb/alice/deep/g': newFile() });
    await deps.fileCatalogDb.addFiles(
      [{ lfn: '/lhcb/alice/pauls', pfn: 'p', se, size: 1, checksum: '00000001' }],
      { owner: 'paul', group: 'lhcb_other' },
      0,
    );
  });
  afterEach(() => databases.close());

  const cases: [string, WriteRule, string, boolean][] = [
    ['creating in a directory of someone else’s', 'parent', '/lhcb/alice/new', false],
    ['creating below it, through missing directories', 'parent', '/lhcb/alice/x/y/z', false],
    ['creating in the VO’s own directory', 'parent', '/lhcb/mine', true],
    ['creating a VO’s own directory', 'parent', '/lhcb', true],
    ['removing a file in a directory of someone else’s', 'remove', '/lhcb/alice/f', false],
    ['removing one’s own file there', 'remove', '/lhcb/alice/pauls', false],
    ['removing a file that is not there', 'remove', '/lhcb/alice/never', true],
    ['removing a directory as a file (nothing happens)', 'remove', '/lhcb/alice/deep', true],
    ['changing replicas of someone else’s file', 'file', '/lhcb/alice/f', false],
    ['changing replicas of one’s own file', 'file', '/lhcb/alice/pauls', true],
    ['changing replicas of a file that is not there', 'file', '/lhcb/alice/never', true],
    ['setting metadata on someone else’s directory', 'self', '/lhcb/alice', false],
    ['setting metadata on the VO’s directory', 'self', '/lhcb', true],
  ];
  it.each(cases)('%s: allowed %s', async (_name, rule, path, allowed) => {
    const denied = await deniedWrites(deps, paul, [path], rule);
    expect(denied.size === 0).toBe(allowed);
  });

  it('answers each LFN of a bulk request on its own', async () => {
    expect(
      await removeFiles(deps, paul, ['/lhcb/alice/f', '/lhcb/alice/never', '/evil/x']),
    ).toEqual({
      Successful: { '/lhcb/alice/never': true },
      Failed: { '/lhcb/alice/f': 'Permission denied', '/evil/x': 'Permission denied' },
    });
    expect(
      await addReplicas(deps, paul, {
        '/lhcb/alice/f': { SE: se, PFN: 'root://b/f' },
        '/lhcb/alice/pauls': { SE: 'SHARED-NOWHERE', PFN: 'x' },
      }),
    ).toEqual({
      Successful: {},
      Failed: {
        '/lhcb/alice/f': 'Permission denied',
        '/lhcb/alice/pauls': 'Unknown storage element SHARED-NOWHERE',
      },
    });
    expect(await removeReplicas(deps, paul, { '/lhcb/alice/pauls': { SE: se } })).toEqual({
      Successful: { '/lhcb/alice/pauls': true },
      Failed: {},
    });
    expect(await addFiles(deps, paul, { '/lhcb/alice/f': newFile() })).toEqual({
      Successful: {},
      Failed: { '/lhcb/alice/f': 'Permission denied' },
    });
  });
});
