import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { CatalogFailure } from '../../core/index.ts';
import { openDatabases } from '../open-databases.ts';
import { openSql } from '../sql/connection.ts';
import { sqlBackends } from '../sql-backends.testkit.ts';
import { type FileCatalogDB, type FileEntry, fileCatalogDb } from './index.ts';
import { fileCatalogDBMigrations } from './schema.ts';

const T0 = Date.UTC(2026, 5, 1, 12, 0, 0);
const alice = { owner: 'alice', group: 'lhcb_user' };

async function openCatalog(url: string) {
  const databases = await openDatabases(url, [fileCatalogDb]);
  return {
    db: databases.dbs.get('FileCatalogDB') as FileCatalogDB,
    [Symbol.asyncDispose]: () => databases.close(),
  };
}

const file = (lfn: string, overrides: Partial<FileEntry> = {}): FileEntry => ({
  lfn,
  pfn: `root://se.example.org/data${lfn}`,
  se: 'CERN-DISK',
  size: 1024,
  checksum: '0a1b2c3d',
  ...overrides,
});

describe.each(sqlBackends)('FileCatalogDB on %s', (backend, url) => {
  it('keeps the owner, group and mode of every file and directory', async () => {
    await using opened = await openCatalog(await url());
    const { db } = opened;
    await db.addFiles([file('/lhcb/user/a/alice/f')], alice, T0);
    await db.createDirectory('/lhcb/prod/2026', { owner: 'paul', group: 'lhcb_prod' }, T0);
    const permissions = await db.getPathPermissions([
      '/lhcb',
      '/lhcb/user/a/alice',
      '/lhcb/user/a/alice/f',
      '/lhcb/prod/2026',
      '/lhcb/absent',
      '/lhcb/user/a/alice/absent',
    ]);
    expect(Object.fromEntries(permissions)).toEqual({
      '/lhcb': { kind: 'directory', owner: 'alice', group: 'lhcb_user', mode: 0o775 },
      '/lhcb/user/a/alice': { kind: 'directory', owner: 'alice', group: 'lhcb_user', mode: 0o775 },
      '/lhcb/user/a/alice/f': { kind: 'file', owner: 'alice', group: 'lhcb_user', mode: 0o775 },
      '/lhcb/prod/2026': { kind: 'directory', owner: 'paul', group: 'lhcb_prod', mode: 0o775 },
    });
  });

  it.skipIf(backend === 'SQLite in memory')(
    'gives rows written with the column’s decimal default DIRAC’s mode when migrated',
    async () => {
      const where = await url();
      // 1. A catalog at the first migration, its modes as the column default left them.
      const first = await openDatabases(where, [
        {
          ...fileCatalogDb,
          migrations: (t) => ({ '0001_initial': fileCatalogDBMigrations(t)['0001_initial']! }),
        },
      ]);
      const old = first.dbs.get('FileCatalogDB') as FileCatalogDB;
      await old.addFiles([file('/lhcb/old/f')], alice, T0);
      await first.close();
      const conn = await openSql(where);
      await sql`update FC_Files set Mode = 775`.execute(conn.kysely);
      await sql`update FC_DirectoryTree set Mode = 775`.execute(conn.kysely);
      await conn.close();
      // 2. Opened again, the later migrations run.
      await using opened = await openCatalog(where);
      const modes = await opened.db.getPathPermissions(['/lhcb', '/lhcb/old', '/lhcb/old/f']);
      expect([...modes.values()].map((p) => p.mode)).toEqual([0o775, 0o775, 0o775]);
    },
  );

  it('registers files, creating their directories, and describes them', async () => {
    await using opened = await openCatalog(await url());
    const { db } = opened;
    const failed = await db.addFiles(
      [
        file('/lhcb/data/run1/a.root', { guid: '6F1B2D2A-0000-4000-8000-000000000001' }),
        file('/lhcb/data/run1/b.root'),
      ],
      alice,
      T0,
    );
    expect(failed).toEqual(new Map());
    const metadata = await db.getFileMetadata(['/lhcb/data/run1/a.root', '/lhcb/nope']);
    expect([...metadata.keys()]).toEqual(['/lhcb/data/run1/a.root']);
    expect(metadata.get('/lhcb/data/run1/a.root')).toEqual({
      Size: 1024,
      Checksum: '0a1b2c3d',
      GUID: '6F1B2D2A-0000-4000-8000-000000000001',
      Owner: 'alice',
      OwnerGroup: 'lhcb_user',
      Mode: 0o775,
      Status: 'AprioriGood',
      CreationDate: '2026-06-01T12:00:00Z',
      ModificationDate: '2026-06-01T12:00:00Z',
    });
    const root = await db.listDirectory('/lhcb');
    expect(root).toEqual({ Path: '/lhcb', SubDirs: ['/lhcb/data'], Files: {} });
    const run = await db.listDirectory('/lhcb/data/run1');
    expect(Object.keys(run!.Files)).toEqual(['/lhcb/data/run1/a.root', '/lhcb/data/run1/b.root']);
    expect(run!.Files['/lhcb/data/run1/b.root']!.GUID).toMatch(
      /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/,
    );
    expect(await db.listDirectory('/lhcb/data/run2')).toBeUndefined();
  });

  it('accepts the same registration again and refuses a conflicting one with DIRAC’s reasons', async () => {
    await using opened = await openCatalog(await url());
    const { db } = opened;
    await db.addFiles([file('/lhcb/f1'), file('/lhcb/f2')], alice, T0);
    await db.removeReplicas([{ lfn: '/lhcb/f2', se: 'CERN-DISK' }]);
    const failed = await db.addFiles(
      [file('/lhcb/f1'), file('/lhcb/f1b'), file('/lhcb/f2')],
      alice,
      T0 + 1000,
    );
    expect(failed).toEqual(new Map([['/lhcb/f2', CatalogFailure.noReplicas]]));
    expect(
      await db.addFiles(
        [file('/lhcb/f1', { size: 7 }), file('/lhcb/f1b', { se: 'RAL-DISK' }), file('/lhcb/new')],
        alice,
        T0,
      ),
    ).toEqual(
      new Map([
        ['/lhcb/f1', CatalogFailure.alternativeMetadata],
        ['/lhcb/f1b', CatalogFailure.alternativeReplicas],
      ]),
    );
    expect(
      await db.addFiles(
        [file('/lhcb/f1', { guid: '00000000-0000-0000-0000-000000000000' })],
        alice,
        T0,
      ),
    ).toEqual(new Map([['/lhcb/f1', CatalogFailure.alternativeMetadata]]));
  });

  it('keeps files and directories apart', async () => {
    await using opened = await openCatalog(await url());
    const { db } = opened;
    await db.addFiles([file('/lhcb/a/f')], alice, T0);
    expect(
      await db.addFiles(
        [file('/lhcb/a'), file('/lhcb/a/f/g'), file('/lhcb/b'), file('/lhcb/b/c')],
        alice,
        T0,
      ),
    ).toEqual(
      new Map([
        ['/lhcb/a', CatalogFailure.isDirectory],
        ['/lhcb/a/f/g', CatalogFailure.notDirectory],
        ['/lhcb/b', CatalogFailure.isDirectory],
      ]),
    );
    expect((await db.listDirectory('/lhcb/b'))?.Files).toHaveProperty(['/lhcb/b/c']);
    expect(await db.createDirectory('/lhcb/a/f/sub', alice, T0)).toBe(CatalogFailure.notDirectory);
    expect(await db.createDirectory('/lhcb/new/deep', alice, T0)).toBeUndefined();
    expect(await db.createDirectory('/lhcb/new/deep', alice, T0)).toBeUndefined();
    expect((await db.listDirectory('/lhcb'))?.SubDirs).toEqual(['/lhcb/a', '/lhcb/b', '/lhcb/new']);
  });

  it('tells paths apart by case, as DIRAC stores them byte for byte', async () => {
    await using opened = await openCatalog(await url());
    const { db } = opened;
    expect(await db.addFiles([file('/lhcb/A/x'), file('/lhcb/a/x')], alice, T0)).toEqual(new Map());
    expect((await db.listDirectory('/lhcb'))?.SubDirs).toEqual(['/lhcb/A', '/lhcb/a']);
  });

  it('adds, lists by status and removes replicas', async () => {
    await using opened = await openCatalog(await url());
    const { db } = opened;
    await db.addFiles([file('/lhcb/f'), file('/lhcb/g')], alice, T0);
    expect(
      await db.addReplicas(
        [
          { lfn: '/lhcb/f', se: 'RAL-DISK', pfn: 'root://ral/f' },
          { lfn: '/lhcb/f', se: 'CERN-DISK', pfn: 'root://se.example.org/data/lhcb/f' },
          { lfn: '/lhcb/g', se: 'CERN-DISK', pfn: 'root://elsewhere/g' },
          { lfn: '/lhcb/missing', se: 'RAL-DISK', pfn: 'root://ral/missing' },
        ],
        T0,
      ),
    ).toEqual(
      new Map([
        ['/lhcb/g', CatalogFailure.alternativePfn],
        ['/lhcb/missing', CatalogFailure.noSuchFile],
      ]),
    );
    const visible = ['AprioriGood'];
    expect(await db.getReplicas(['/lhcb/f', '/lhcb/missing'], visible)).toEqual(
      new Map([
        [
          '/lhcb/f',
          { 'CERN-DISK': 'root://se.example.org/data/lhcb/f', 'RAL-DISK': 'root://ral/f' },
        ],
      ]),
    );
    expect(
      await db.setReplicaStatus(
        [
          { lfn: '/lhcb/f', se: 'RAL-DISK', status: 'Trash' },
          { lfn: '/lhcb/g', se: 'RAL-DISK', status: 'Trash' },
        ],
        T0,
      ),
    ).toEqual(new Map([['/lhcb/g', 'No replica at RAL-DISK']]));
    expect((await db.getReplicas(['/lhcb/f'], visible)).get('/lhcb/f')).toEqual({
      'CERN-DISK': 'root://se.example.org/data/lhcb/f',
    });
    expect(Object.keys((await db.getReplicas(['/lhcb/f'], undefined)).get('/lhcb/f')!)).toEqual(
      expect.arrayContaining(['CERN-DISK', 'RAL-DISK']),
    );
    await db.removeReplicas([
      { lfn: '/lhcb/f', se: 'CERN-DISK' },
      { lfn: '/lhcb/f', se: 'NOWHERE' },
      { lfn: '/lhcb/missing', se: 'CERN-DISK' },
    ]);
    expect((await db.getReplicas(['/lhcb/f'], undefined)).get('/lhcb/f')).toEqual({
      'RAL-DISK': 'root://ral/f',
    });
  });

  it('removes files with their replicas and metadata, and ignores missing ones', async () => {
    await using opened = await openCatalog(await url());
    const { db } = opened;
    await db.addFiles([file('/lhcb/d/f'), file('/lhcb/d/g')], alice, T0);
    await db.setMetadata('/lhcb/d/f', { kind: 'raw' });
    await db.removeFiles(['/lhcb/d/f', '/lhcb/d/never']);
    expect(Object.keys((await db.listDirectory('/lhcb/d'))!.Files)).toEqual(['/lhcb/d/g']);
    expect(await db.getReplicas(['/lhcb/d/f'], undefined)).toEqual(new Map());
    await db.addFiles([file('/lhcb/d/f')], alice, T0);
    expect(await db.findFilesByMetadata('/lhcb', { kind: 'raw' })).toEqual([]);
  });

  it('finds files by metadata inherited from directories and overridden by files', async () => {
    await using opened = await openCatalog(await url());
    const { db } = opened;
    await db.addFiles(
      [
        file('/lhcb/mc/2026/a'),
        file('/lhcb/mc/2026/sub/b'),
        file('/lhcb/mc/2025/c'),
        file('/lhcb/mc/2026/d'),
        file('/lhcb/mc_other/e'),
        file('/lhcb/raw/f'),
      ],
      alice,
      T0,
    );
    expect(await db.setMetadata('/lhcb/mc', { type: 'MC', energy: 13 })).toBe(true);
    expect(await db.setMetadata('/lhcb/mc/2025', { energy: 7 })).toBe(true);
    expect(await db.setMetadata('/lhcb/mc/2026/d', { energy: 14 })).toBe(true);
    expect(await db.setMetadata('/lhcb/raw/f', { type: 'MC', energy: 13 })).toBe(true);
    expect(await db.setMetadata('/lhcb/mc_other/e', { type: 'MC', energy: 13 })).toBe(true);
    expect(await db.setMetadata('/lhcb/nowhere', { type: 'MC' })).toBe(false);

    expect(await db.findFilesByMetadata('/lhcb', { type: 'MC', energy: 13 })).toEqual([
      '/lhcb/mc/2026/a',
      '/lhcb/mc/2026/sub/b',
      '/lhcb/mc_other/e',
      '/lhcb/raw/f',
    ]);
    expect(await db.findFilesByMetadata('/lhcb/mc', { energy: 7 })).toEqual(['/lhcb/mc/2025/c']);
    expect(await db.findFilesByMetadata('/lhcb/mc/2026', { type: 'MC' })).toEqual([
      '/lhcb/mc/2026/a',
      '/lhcb/mc/2026/d',
      '/lhcb/mc/2026/sub/b',
    ]);
    expect(await db.findFilesByMetadata('/lhcb/mc', { energy: '13' })).toEqual([]);
    expect(await db.findFilesByMetadata('/lhcb/absent', { energy: 13 })).toEqual([]);
    // A new value replaces the old one.
    await db.setMetadata('/lhcb/mc', { energy: 8 });
    expect(await db.findFilesByMetadata('/lhcb/mc', { energy: 13 })).toEqual([]);
  });

  it('registers ten thousand files in one call', async () => {
    await using opened = await openCatalog(await url());
    const { db } = opened;
    const files = Array.from({ length: 10000 }, (_, i) =>
      file(`/lhcb/bulk/${i % 50}/f${i}`, { se: `SE-${i % 7}` }),
    );
    expect(await db.addFiles(files, alice, T0)).toEqual(new Map());
    const replicas = await db.getReplicas(
      files.map((f) => f.lfn),
      undefined,
    );
    expect(replicas.size).toBe(10000);
    expect(replicas.get('/lhcb/bulk/3/f9953')).toEqual({
      'SE-6': 'root://se.example.org/data/lhcb/bulk/3/f9953',
    });
    expect(await db.addFiles(files, alice, T0)).toEqual(new Map());
  });
});
