import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateFixtures } from '../../../fixtures/index.ts';
import { CatalogFailure, type Config, ManualClock, type NewFile } from '../../core/index.ts';
import {
  type FileCatalogDB,
  type StartedDatabases,
  fileCatalogDb,
  openDatabases,
} from '../../db/index.ts';
import type { CatalogDeps } from './bulk.ts';
import {
  addFiles,
  addReplicas,
  createDirectory,
  findFilesByMetadata,
  getFileMetadata,
  getReplicas,
  listDirectory,
  pathProblem,
  removeFiles,
  removeReplicas,
  setMetadata,
} from './index.ts';

const fixtures = generateFixtures({ seed: 1, size: 'small' }).config;
const [openSE] = Object.keys(fixtures.Resources.StorageElements) as [string];
const config: Config = {
  ...fixtures,
  Resources: {
    ...fixtures.Resources,
    StorageElements: {
      ...fixtures.Resources.StorageElements,
      'OTHER-VO-DISK': { ...fixtures.Resources.StorageElements[openSE]!, VO: ['other'] },
      'SHARED-DISK': { ...fixtures.Resources.StorageElements[openSE]!, VO: ['other', 'lhcb'] },
    },
  },
};
const alice = {
  vo: 'lhcb',
  preferred_username: 'alice',
  dirac_group: 'lhcb_user',
  dirac_properties: ['NormalUser'],
};
const mallory = {
  vo: 'evil',
  preferred_username: 'mallory',
  dirac_group: 'evil_user',
  dirac_properties: ['NormalUser'],
};

const newFile = (overrides: Partial<NewFile> = {}): NewFile => ({
  PFN: 'root://se.example.org/x',
  SE: openSE,
  Size: 10,
  Checksum: 'ABCDEF01',
  ...overrides,
});

let databases: StartedDatabases;
let deps: CatalogDeps & { clock: ManualClock };
beforeEach(async () => {
  databases = await openDatabases('sqlite::memory:', [fileCatalogDb]);
  deps = {
    fileCatalogDb: databases.dbs.get('FileCatalogDB') as FileCatalogDB,
    config,
    clock: new ManualClock(Date.UTC(2026, 0, 2, 3, 4, 5)),
  };
});
afterEach(() => databases.close());

describe('LFN rules', () => {
  const valid: [string, 'file' | 'directory'][] = [
    ['/lhcb/data/file.root', 'file'],
    ['/lhcb/a', 'file'],
    ['/lhcb', 'directory'],
    ['/lhcb/user/a/alice/with space/x.y', 'file'],
    ['/lhcb/' + 'd'.repeat(100) + '/' + 'f'.repeat(128), 'file'],
    ['/lhcb/ünïcödé/名前', 'file'],
  ];
  const invalid: [string, 'file' | 'directory', string][] = [
    ['lhcb/relative', 'file', CatalogFailure.invalidLfn],
    ['', 'file', CatalogFailure.invalidLfn],
    ['/lhcb', 'file', CatalogFailure.invalidLfn],
    ['/', 'directory', CatalogFailure.invalidLfn],
    ['/lhcb//double', 'file', CatalogFailure.invalidLfn],
    ['/lhcb/trailing/', 'directory', CatalogFailure.invalidLfn],
    ['/lhcb/./x', 'file', CatalogFailure.invalidLfn],
    ['/lhcb/../gridbox/x', 'file', CatalogFailure.invalidLfn],
    ['/lhcb/a/..', 'directory', CatalogFailure.invalidLfn],
    ['/lhcb/nul\u0000byte', 'file', CatalogFailure.invalidLfn],
    ['/lhcb/new\nline', 'file', CatalogFailure.invalidLfn],
    ['/lhcb/c1\u0085control', 'file', CatalogFailure.invalidLfn],
    ['/lhcb/lone\ud800surrogate', 'file', CatalogFailure.invalidLfn],
    ['/lhcb/trailing-space /x', 'file', CatalogFailure.invalidLfn],
    ['/lhcb/' + 'f'.repeat(129), 'file', CatalogFailure.invalidLfn],
    ['/lhcb/' + 'd/'.repeat(125) + 'toolong', 'file', CatalogFailure.invalidLfn],
    ['/gridbox/x', 'file', CatalogFailure.permissionDenied],
    ['/lhcbx/x', 'file', CatalogFailure.permissionDenied],
    ['/LHCB/x', 'file', CatalogFailure.permissionDenied],
    ['/gridbox', 'directory', CatalogFailure.permissionDenied],
  ];
  it.each(valid)('accepts %j as a %s', (path, kind) => {
    expect(pathProblem(path, 'lhcb', kind)).toBeUndefined();
  });
  it.each(invalid)('refuses %j as a %s: %s', (path, kind, reason) => {
    expect(pathProblem(path, 'lhcb', kind)).toBe(reason);
  });
});

describe('registering files', () => {
  it('answers per LFN, for the caller as owner, and checks names, VOs and SEs', async () => {
    const result = await addFiles(deps, alice, {
      '/lhcb/ok': newFile(),
      '/lhcb/shared': newFile({ SE: 'SHARED-DISK' }),
      '/lhcb/../x': newFile(),
      '/evil/x': newFile(),
      '/lhcb/unknown-se': newFile({ SE: 'NOWHERE' }),
      '/lhcb/other-vo-se': newFile({ SE: 'OTHER-VO-DISK' }),
      '/lhcb/proto-se': newFile({ SE: '__proto__' }),
    });
    expect(result).toEqual({
      Successful: { '/lhcb/ok': true, '/lhcb/shared': true },
      Failed: {
        '/lhcb/../x': 'Invalid LFN',
        '/evil/x': 'Permission denied',
        '/lhcb/unknown-se': 'Unknown storage element NOWHERE',
        '/lhcb/other-vo-se': 'Storage element OTHER-VO-DISK is not available to VO lhcb',
        '/lhcb/proto-se': 'Unknown storage element __proto__',
      },
    });
    const metadata = await getFileMetadata(deps, alice, ['/lhcb/ok']);
    expect(metadata.Successful['/lhcb/ok']).toMatchObject({
      Size: 10,
      Checksum: 'abcdef01',
      Owner: 'alice',
      OwnerGroup: 'lhcb_user',
      CreationDate: '2026-01-02T03:04:05Z',
    });
  });

  it('accepts the same registration again, whatever the case of its checksum and GUID', async () => {
    const guid = '0f0e0d0c-0b0a-4000-8000-000000000001';
    await addFiles(deps, alice, { '/lhcb/f': newFile({ GUID: guid }) });
    expect(
      await addFiles(deps, alice, {
        '/lhcb/f': newFile({ Checksum: 'abcdef01', GUID: guid.toUpperCase() }),
      }),
    ).toEqual({ Successful: { '/lhcb/f': true }, Failed: {} });
    expect(await addFiles(deps, alice, { '/lhcb/f': newFile({ Size: 11 }) })).toEqual({
      Successful: {},
      Failed: { '/lhcb/f': CatalogFailure.alternativeMetadata },
    });
  });

  it('gives a file registered without a GUID the same derived GUID each time', async () => {
    await addFiles(deps, alice, { '/lhcb/g': newFile() });
    const first = (await getFileMetadata(deps, alice, ['/lhcb/g'])).Successful['/lhcb/g']!.GUID;
    await removeFiles(deps, alice, ['/lhcb/g']);
    await addFiles(deps, alice, { '/lhcb/g': newFile() });
    expect((await getFileMetadata(deps, alice, ['/lhcb/g'])).Successful['/lhcb/g']!.GUID).toBe(
      first,
    );
  });

  it('removes files, counting missing ones as removed and refusing foreign ones', async () => {
    await addFiles(deps, alice, { '/lhcb/f': newFile() });
    expect(await removeFiles(deps, alice, ['/lhcb/f', '/lhcb/never', '/evil/f'])).toEqual({
      Successful: { '/lhcb/f': true, '/lhcb/never': true },
      Failed: { '/evil/f': 'Permission denied' },
    });
    expect(await getFileMetadata(deps, alice, ['/lhcb/f'])).toEqual({
      Successful: {},
      Failed: { '/lhcb/f': 'No such file or directory' },
    });
  });
});

describe('replicas', () => {
  it('shows visible replicas unless all statuses are asked for', async () => {
    await addFiles(deps, alice, { '/lhcb/f': newFile({ PFN: 'root://a/f' }) });
    expect(
      await addReplicas(deps, alice, {
        '/lhcb/f': { SE: 'SHARED-DISK', PFN: 'root://b/f' },
        '/lhcb/missing': { SE: openSE, PFN: 'root://a/missing' },
        '/lhcb/other-vo': { SE: 'OTHER-VO-DISK', PFN: 'root://c/f' },
      }),
    ).toEqual({
      Successful: { '/lhcb/f': true },
      Failed: {
        '/lhcb/missing': 'No such file or directory',
        '/lhcb/other-vo': 'Storage element OTHER-VO-DISK is not available to VO lhcb',
      },
    });
    await deps.fileCatalogDb.setReplicaStatus(
      [{ lfn: '/lhcb/f', se: 'SHARED-DISK', status: 'Trash' }],
      deps.clock.nowMs(),
    );
    expect(await getReplicas(deps, alice, ['/lhcb/f', '/lhcb/missing', '/evil/f'])).toEqual({
      Successful: { '/lhcb/f': { [openSE]: 'root://a/f' } },
      Failed: { '/lhcb/missing': 'No such file or directory', '/evil/f': 'Permission denied' },
    });
    expect((await getReplicas(deps, alice, ['/lhcb/f'], true)).Successful['/lhcb/f']).toEqual({
      [openSE]: 'root://a/f',
      'SHARED-DISK': 'root://b/f',
    });
    expect(
      await removeReplicas(deps, alice, {
        '/lhcb/f': { SE: openSE },
        '/lhcb/missing': { SE: openSE },
      }),
    ).toEqual({ Successful: { '/lhcb/f': true, '/lhcb/missing': true }, Failed: {} });
    expect((await getReplicas(deps, alice, ['/lhcb/f'])).Successful['/lhcb/f']).toEqual({});
  });
});

describe('directories and metadata', () => {
  it('lists directories of the caller’s VO only, and 404s missing ones', async () => {
    await createDirectory(deps, alice, '/lhcb/a/b');
    expect(await listDirectory(deps, alice, '/lhcb/a')).toEqual({
      Path: '/lhcb/a',
      SubDirs: ['/lhcb/a/b'],
      Files: {},
    });
    await expect(listDirectory(deps, alice, '/lhcb/none')).rejects.toMatchObject({
      statusCode: 404,
    });
    await expect(listDirectory(deps, mallory, '/lhcb/a')).rejects.toMatchObject({
      statusCode: 403,
      message: 'Permission denied',
    });
    await expect(listDirectory(deps, alice, '/lhcb/a/../b')).rejects.toMatchObject({
      statusCode: 400,
      message: 'Invalid LFN',
    });
  });

  it('refuses to create a directory where a file is', async () => {
    await addFiles(deps, alice, { '/lhcb/f': newFile() });
    await expect(createDirectory(deps, alice, '/lhcb/f/sub')).rejects.toMatchObject({
      statusCode: 409,
    });
  });

  it('finds files by metadata set on their directories and on themselves', async () => {
    await addFiles(deps, alice, {
      '/lhcb/mc/a': newFile(),
      '/lhcb/mc/sub/b': newFile(),
      '/lhcb/raw/c': newFile(),
    });
    await setMetadata(deps, alice, '/lhcb/mc', { Type: 'MC' });
    await setMetadata(deps, alice, '/lhcb/raw/c', { Type: 'MC' });
    expect(await findFilesByMetadata(deps, alice, '/lhcb', { Type: 'MC' })).toEqual([
      '/lhcb/mc/a',
      '/lhcb/mc/sub/b',
      '/lhcb/raw/c',
    ]);
    await expect(setMetadata(deps, alice, '/lhcb/nothing', { Type: 'MC' })).rejects.toMatchObject({
      statusCode: 404,
    });
    await expect(findFilesByMetadata(deps, mallory, '/lhcb', { Type: 'MC' })).rejects.toMatchObject(
      { statusCode: 403 },
    );
  });
});
