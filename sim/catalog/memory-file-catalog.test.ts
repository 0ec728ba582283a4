import { describe, expect, it } from 'vitest';
import { MemoryFileCatalog } from './memory-file-catalog.ts';

const file = (se: string, size = 10) => ({
  PFN: `https://${se.toLowerCase()}/x`,
  SE: se,
  Size: size,
  Checksum: '0000ABCD',
});

describe('the simulator’s own file catalog', () => {
  const catalog = () => new MemoryFileCatalog(() => '2026-01-01T00:00:00.000Z');

  it('registers a file, its replicas, and answers DIRAC’s bulk shape', async () => {
    const fc = catalog();
    const lfn = '/vo/user/a/alice/1/out.dat';
    expect(await fc.addFiles({ [lfn]: file('SE-A') })).toEqual({
      Successful: { [lfn]: true },
      Failed: {},
    });
    await fc.addReplicas({ [lfn]: { PFN: 'p2', SE: 'SE-B' } });
    const replicas = await fc.getReplicas([lfn, '/vo/missing']);
    expect(Object.keys(replicas.Successful[lfn]!)).toEqual(['SE-A', 'SE-B']);
    expect(replicas.Failed['/vo/missing']).toBe('No such file or directory');
    expect((await fc.getFileMetadata([lfn])).Successful[lfn]).toMatchObject({
      Size: 10,
      Checksum: '0000abcd',
    });
  });

  it('refuses the same LFN with other metadata, and lists and finds by directory', async () => {
    const fc = catalog();
    await fc.addFiles({ '/vo/d/a': file('SE-A'), '/vo/d/sub/b': file('SE-A') });
    expect((await fc.addFiles({ '/vo/d/a': file('SE-A', 11) })).Failed['/vo/d/a']).toMatch(
      /alternative metadata/,
    );
    const listing = await fc.listDirectory('/vo/d');
    expect(listing.SubDirs).toEqual(['/vo/d/sub']);
    expect(Object.keys(listing.Files)).toEqual(['/vo/d/a']);
    await fc.setMetadata('/vo/d/sub', { run: 7 });
    expect(await fc.findFiles('/vo', { run: 7 })).toEqual(['/vo/d/sub/b']);
    await fc.removeReplicas({ '/vo/d/a': { SE: 'SE-A' } });
    expect((await fc.getReplicas(['/vo/d/a'])).Successful['/vo/d/a']).toEqual({});
  });
});
