import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateFixtures } from '../../../fixtures/index.ts';
import type { Config } from '../../core/index.ts';
import type { FileCatalogDB } from '../../db/index.ts';
import { testBox } from '../../app/test-box.testkit.ts';

const fixtures = generateFixtures({ seed: 1, size: 'small' }).config;
const [vo, otherVo] = Object.keys(fixtures.Registry) as [string, string];
const [se, se2] = Object.keys(fixtures.Resources.StorageElements) as [string, string];
const config: Config = {
  ...fixtures,
  Resources: {
    ...fixtures.Resources,
    StorageElements: {
      ...fixtures.Resources.StorageElements,
      'FOREIGN-DISK': { ...fixtures.Resources.StorageElements[se]!, VO: [otherVo] },
    },
  },
};
const box = await testBox({ config });
afterAll(() => box.close());
const tokenFor = (tokenVo: string, group: string, properties: string[], user = 'alice') =>
  box.token({ vo: tokenVo, group, properties, user, lifetimeMinutes: 20 });
const alice = await tokenFor(vo, `${vo}_user`, ['NormalUser']);
const bob = await tokenFor(otherVo, `${otherVo}_user`, ['NormalUser'], 'bob');
const pilot = await tokenFor(vo, `${vo}_pilot`, ['GenericPilot', 'LimitedDelegation'], 'pilot-1');
const monitor = await tokenFor(vo, `${vo}_monitor`, ['JobMonitor'], 'carol');

const call = (
  method: 'GET' | 'POST' | 'PUT' | 'PATCH',
  url: string,
  token?: string,
  body?: unknown,
) => box.inject(method, url, token, body);
const post = (url: string, token: string | undefined, body: unknown) =>
  call('POST', `/api/catalog${url}`, token, body);

const root = `/${vo}/catalog-test`;
const newFile = (overrides: object = {}) => ({
  PFN: 'root://se.example.org//data/f',
  SE: se,
  Size: 2048,
  Checksum: '1234abcd',
  ...overrides,
});

describe('the file catalog API', () => {
  it('registers files, describes them and resolves their replicas', async () => {
    const lfn = `${root}/run1/out.root`;
    const added = await post('/files', alice, { [lfn]: newFile({ PFN: 'root://a/out.root' }) });
    expect(added.statusCode).toBe(200);
    expect(added.json()).toEqual({ Successful: { [lfn]: true }, Failed: {} });

    const metadata = await post('/files/metadata', alice, { lfns: [lfn, `${root}/nope`] });
    expect(metadata.statusCode).toBe(200);
    expect(metadata.json()).toEqual({
      Successful: {
        [lfn]: {
          Size: 2048,
          Checksum: '1234abcd',
          GUID: expect.stringMatching(/^[0-9A-F-]{36}$/),
          Owner: 'alice',
          OwnerGroup: `${vo}_user`,
          Mode: 0o775,
          Status: 'AprioriGood',
          CreationDate: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
          ModificationDate: expect.stringMatching(/Z$/),
        },
      },
      Failed: { [`${root}/nope`]: 'No such file or directory' },
    });

    expect(
      (await post('/replicas', alice, { [lfn]: { SE: se2, PFN: 'root://b/out.root' } })).json(),
    ).toEqual({ Successful: { [lfn]: true }, Failed: {} });
    expect((await post('/replicas/query', alice, { lfns: [lfn] })).json()).toEqual({
      Successful: { [lfn]: { [se]: 'root://a/out.root', [se2]: 'root://b/out.root' } },
      Failed: {},
    });
  });

  it('accepts an identical re-registration and refuses a conflicting one', async () => {
    const lfn = `${root}/again/f`;
    expect((await post('/files', alice, { [lfn]: newFile() })).json().Successful).toEqual({
      [lfn]: true,
    });
    expect((await post('/files', alice, { [lfn]: newFile() })).json()).toEqual({
      Successful: { [lfn]: true },
      Failed: {},
    });
    expect((await post('/files', alice, { [lfn]: newFile({ Size: 1 }) })).json()).toEqual({
      Successful: {},
      Failed: { [lfn]: 'File already registered with alternative metadata' },
    });
    expect((await post('/files', alice, { [lfn]: newFile({ SE: se2 }) })).json()).toEqual({
      Successful: {},
      Failed: { [lfn]: 'File already registered with alternative replicas' },
    });
  });

  it('creates parent directories and lists them', async () => {
    await post('/files', alice, {
      [`${root}/tree/a/x`]: newFile(),
      [`${root}/tree/b/y`]: newFile(),
      [`${root}/tree/z`]: newFile(),
    });
    const listing = await call('GET', `/api/catalog/directory?path=${root}/tree`, alice);
    expect(listing.statusCode).toBe(200);
    expect(listing.json()).toEqual({
      Path: `${root}/tree`,
      SubDirs: [`${root}/tree/a`, `${root}/tree/b`],
      Files: { [`${root}/tree/z`]: expect.objectContaining({ Size: 2048, Owner: 'alice' }) },
    });
    const missing = await call('GET', `/api/catalog/directory?path=${root}/absent`, alice);
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ detail: expect.any(String) });
  });

  it('creates directories idempotently', async () => {
    for (let i = 0; i < 2; i++) {
      const created = await call('PUT', '/api/catalog/directory', alice, {
        path: `${root}/made/deep`,
      });
      expect(created.statusCode).toBe(204);
    }
    expect(
      (await call('GET', `/api/catalog/directory?path=${root}/made`, alice)).json().SubDirs,
    ).toEqual([`${root}/made/deep`]);
  });

  it('removes files and replicas, counting missing ones as removed', async () => {
    const [f, g] = [`${root}/rm/f`, `${root}/rm/g`];
    await post('/files', alice, { [f]: newFile(), [g]: newFile() });
    await post('/replicas', alice, { [g]: { SE: se2, PFN: 'root://b/g' } });
    expect((await post('/replicas/remove', alice, { [g]: { SE: se } })).json()).toEqual({
      Successful: { [g]: true },
      Failed: {},
    });
    expect((await post('/replicas/remove', alice, { [g]: { SE: 'NOT-THERE' } })).json()).toEqual({
      Successful: { [g]: true },
      Failed: {},
    });
    expect((await post('/replicas/query', alice, { lfns: [g] })).json().Successful).toEqual({
      [g]: { [se2]: 'root://b/g' },
    });
    expect((await post('/files/remove', alice, { lfns: [f, `${root}/rm/never`] })).json()).toEqual({
      Successful: { [f]: true, [`${root}/rm/never`]: true },
      Failed: {},
    });
    expect((await post('/files/metadata', alice, { lfns: [f] })).json().Failed).toEqual({
      [f]: 'No such file or directory',
    });
  });

  it('hides replicas that are not AprioriGood unless all statuses are asked for', async () => {
    const lfn = `${root}/status/f`;
    await post('/files', alice, { [lfn]: newFile({ PFN: 'root://a/f' }) });
    await post('/replicas', alice, { [lfn]: { SE: se2, PFN: 'root://b/f' } });
    const db = box.app.dbs.get('FileCatalogDB') as FileCatalogDB;
    await db.setReplicaStatus([{ lfn, se: se2, status: 'Trash' }], 0);
    expect((await post('/replicas/query', alice, { lfns: [lfn] })).json().Successful).toEqual({
      [lfn]: { [se]: 'root://a/f' },
    });
    expect(
      (await post('/replicas/query', alice, { lfns: [lfn], all_statuses: true })).json().Successful,
    ).toEqual({ [lfn]: { [se]: 'root://a/f', [se2]: 'root://b/f' } });
  });

  it('finds files by metadata inherited from their directories', async () => {
    await post('/files', alice, {
      [`${root}/meta/mc/a`]: newFile(),
      [`${root}/meta/mc/sub/b`]: newFile(),
      [`${root}/meta/data/c`]: newFile(),
    });
    const set = await call('PATCH', '/api/catalog/metadata', alice, {
      path: `${root}/meta/mc`,
      metadata: { DataType: 'MC', Energy: 13 },
    });
    expect(set.statusCode).toBe(204);
    expect(
      (
        await call('PATCH', '/api/catalog/metadata', alice, {
          path: `${root}/meta/data/c`,
          metadata: { DataType: 'MC', Energy: 7 },
        })
      ).statusCode,
    ).toBe(204);
    const found = await post('/find', alice, {
      path: `${root}/meta`,
      metadata: { DataType: 'MC', Energy: 13 },
    });
    expect(found.statusCode).toBe(200);
    expect(found.json()).toEqual({ lfns: [`${root}/meta/mc/a`, `${root}/meta/mc/sub/b`] });
    expect(
      (
        await call('PATCH', '/api/catalog/metadata', alice, {
          path: `${root}/meta/none`,
          metadata: { DataType: 'MC' },
        })
      ).statusCode,
    ).toBe(404);
  });
});

describe('the file catalog under attack', () => {
  it.each([
    `/${vo}/../${otherVo}/x`,
    `${vo}/relative`,
    `/${vo}//double`,
    `/${vo}/./x`,
    `/${vo}/nul\u0000`,
    `/${vo}/${'x'.repeat(300)}`,
  ])('fails the invalid LFN %j without touching the others', async (lfn) => {
    const good = `${root}/attack/good`;
    const response = await post('/files', alice, { [lfn]: newFile(), [good]: newFile() });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      Successful: { [good]: true },
      Failed: { [lfn]: 'Invalid LFN' },
    });
  });

  it('keeps each VO out of the other’s tree, for reads and writes', async () => {
    const lfn = `${root}/private/f`;
    await post('/files', alice, { [lfn]: newFile() });
    const denied = { Successful: {}, Failed: { [lfn]: 'Permission denied' } };
    expect((await post('/files/metadata', bob, { lfns: [lfn] })).json()).toEqual(denied);
    expect((await post('/replicas/query', bob, { lfns: [lfn] })).json()).toEqual(denied);
    expect((await post('/files/remove', bob, { lfns: [lfn] })).json()).toEqual(denied);
    expect((await post('/files', bob, { [lfn]: newFile() })).json()).toEqual(denied);
    expect(
      (await post('/replicas', bob, { [lfn]: { SE: se, PFN: 'root://evil/f' } })).json(),
    ).toEqual(denied);
    expect((await post('/replicas/remove', bob, { [lfn]: { SE: se } })).json()).toEqual(denied);
    for (const response of [
      await call('GET', `/api/catalog/directory?path=${root}/private`, bob),
      await call('PUT', '/api/catalog/directory', bob, { path: `${root}/bobs` }),
      await call('PATCH', '/api/catalog/metadata', bob, { path: lfn, metadata: { A: 1 } }),
      await post('/find', bob, { path: `/${vo}`, metadata: { A: 1 } }),
    ]) {
      expect(response.statusCode).toBe(403);
      expect(response.json()).toEqual({ detail: 'Permission denied' });
    }
    expect((await post('/replicas/query', alice, { lfns: [lfn] })).json().Successful).toEqual({
      [lfn]: { [se]: 'root://se.example.org//data/f' },
    });
  });

  it('answers 400 for an invalid path on routes that take one', async () => {
    for (const response of [
      await call('GET', `/api/catalog/directory?path=/${vo}/a/../b`, alice),
      await call('PUT', '/api/catalog/directory', alice, { path: `/${vo}//b` }),
      await post('/find', alice, { path: 'relative', metadata: { A: 1 } }),
    ]) {
      expect(response.statusCode).toBe(400);
      expect(response.json()).toEqual({ detail: 'Invalid LFN' });
    }
  });

  it('refuses storage elements that are unknown or closed to the caller’s VO', async () => {
    const [unknown, foreign] = [`${root}/se/unknown`, `${root}/se/foreign`];
    expect(
      (
        await post('/files', alice, {
          [unknown]: newFile({ SE: 'NO-SUCH-SE' }),
          [foreign]: newFile({ SE: 'FOREIGN-DISK' }),
        })
      ).json(),
    ).toEqual({
      Successful: {},
      Failed: {
        [unknown]: 'Unknown storage element NO-SUCH-SE',
        [foreign]: `Storage element FOREIGN-DISK is not available to VO ${vo}`,
      },
    });
  });

  it('answers 401 without a token', async () => {
    for (const response of [
      await post('/files', undefined, { [`${root}/x`]: newFile() }),
      await call('GET', `/api/catalog/directory?path=/${vo}`),
    ]) {
      expect(response.statusCode).toBe(401);
      expect(response.json()).toEqual({ detail: 'Authorization header is missing' });
    }
  });

  it('lets callers without a writing property read but not write', async () => {
    expect((await post('/files', monitor, { [`${root}/m`]: newFile() })).statusCode).toBe(403);
    expect((await post('/files/metadata', monitor, { lfns: [`${root}/m`] })).statusCode).toBe(200);
  });

  it.each([
    ['a file without a checksum', '/files', { [`${root}/x`]: { PFN: 'p', SE: se, Size: 1 } }],
    ['a negative size', '/files', { [`${root}/x`]: newFile({ Size: -1 }) }],
    ['a checksum that is not Adler32', '/files', { [`${root}/x`]: newFile({ Checksum: 'xyz' }) }],
    ['an unknown field', '/files', { [`${root}/x`]: newFile({ Owner: 'root' }) }],
    ['a list where an object is due', '/files', [`${root}/x`]],
    ['lfns that are not strings', '/files/metadata', { lfns: [{ lfn: `${root}/x` }] }],
    ['no lfns', '/files/remove', { lfn: [`${root}/x`] }],
    [
      'too many LFNs',
      '/replicas/query',
      { lfns: Array.from({ length: 10001 }, (_, i) => `${root}/${i}`) },
    ],
    ['an LFN far too long', '/files/remove', { lfns: [`/${vo}/${'x'.repeat(2000)}`] }],
    ['a metadata name that is not an identifier', '/find', { path: root, metadata: { 'a b': 1 } }],
    ['no metadata to find by', '/find', { path: root, metadata: {} }],
  ])('answers 422 to %s', async (_name, url, body) => {
    const response = await post(url, alice, body);
    expect(response.statusCode).toBe(422);
    expect(Array.isArray(response.json().detail)).toBe(true);
  });
});

describe('the file catalog’s owners, groups and modes', () => {
  const home = `/${vo}/user/a/alice`;
  let identities: Record<string, string>;
  beforeAll(async () => {
    identities = {
      'the owner': alice,
      'a user of the owner’s group': await tokenFor(vo, `${vo}_user`, ['NormalUser'], 'dave'),
      'a user of another group': await tokenFor(
        vo,
        `${vo}_prod`,
        ['NormalUser', 'ProductionManagement'],
        'paul',
      ),
      'a pilot of the VO': pilot,
      'a VO administrator without FileCatalogManagement': await tokenFor(
        vo,
        `${vo}_admin`,
        ['NormalUser', 'ServiceAdministrator'],
        'root',
      ),
      'a catalog manager of the VO': await tokenFor(
        vo,
        `${vo}_dm`,
        ['FileCatalogManagement'],
        'dm',
      ),
    };
  });

  // DIRAC's default mode, 0o775, lets the owner and the owner's group write, others read.
  const cases: [string, boolean][] = [
    ['the owner', true],
    ['a user of the owner’s group', true],
    ['a user of another group', false],
    ['a pilot of the VO', false],
    ['a VO administrator without FileCatalogManagement', false],
    ['a catalog manager of the VO', true],
  ];

  it.each(cases)(
    'lets %s remove, replicate and re-register in a user’s files: %s',
    async (who, allowed) => {
      const token = identities[who]!;
      const dir = `${home}/${who.replaceAll(/[^a-z]/g, '-')}`;
      const [f, g, h] = [`${dir}/f`, `${dir}/g`, `${dir}/h`];
      expect(
        (await post('/files', alice, { [f]: newFile(), [g]: newFile(), [h]: newFile() })).json()
          .Failed,
      ).toEqual({});
      const outcome = (lfn: string) =>
        allowed
          ? { Successful: { [lfn]: true }, Failed: {} }
          : { Successful: {}, Failed: { [lfn]: 'Permission denied' } };

      expect((await post('/files/remove', token, { lfns: [f] })).json()).toEqual(outcome(f));
      expect(
        (await post('/replicas', token, { [g]: { SE: se2, PFN: 'root://b/g' } })).json(),
      ).toEqual(outcome(g));
      expect((await post('/replicas/remove', token, { [h]: { SE: se } })).json()).toEqual(
        outcome(h),
      );
      expect((await post('/files', token, { [`${dir}/new`]: newFile() })).json()).toEqual(
        outcome(`${dir}/new`),
      );
      const patched = await call('PATCH', '/api/catalog/metadata', token, {
        path: g,
        metadata: { Tag: 1 },
      });
      const created = await call('PUT', '/api/catalog/directory', token, { path: `${dir}/sub` });
      for (const response of [patched, created]) {
        expect(response.statusCode).toBe(allowed ? 204 : 403);
        if (!allowed) expect(response.json()).toEqual({ detail: 'Permission denied' });
      }

      // What a refused caller tried left the owner's files as they were.
      const replicas = (await post('/replicas/query', alice, { lfns: [f, g, h] })).json();
      if (allowed) expect(Object.keys(replicas.Failed)).toEqual([f]);
      else {
        expect(replicas).toEqual({
          Successful: {
            [f]: { [se]: 'root://se.example.org//data/f' },
            [g]: { [se]: 'root://se.example.org//data/f' },
            [h]: { [se]: 'root://se.example.org//data/f' },
          },
          Failed: {},
        });
      }
    },
  );

  it('gives what a caller creates to the caller, with DIRAC’s default mode', async () => {
    const lfn = `/${vo}/pilot-outputs/job1/out.root`;
    expect((await post('/files', pilot, { [lfn]: newFile() })).json().Failed).toEqual({});
    expect((await post('/files/metadata', alice, { lfns: [lfn] })).json().Successful).toEqual({
      [lfn]: expect.objectContaining({
        Owner: 'pilot-1',
        OwnerGroup: `${vo}_pilot`,
        Mode: 0o775,
      }),
    });
    // The pilot's directory is its own: the owner of the job cannot write there...
    expect((await post('/files/remove', alice, { lfns: [lfn] })).json().Failed).toEqual({
      [lfn]: 'Permission denied',
    });
    // ...and the pilot cannot write in the job owner's: a payload registers its outputs
    // with its owner's token, as DIRAC's pilots run payloads with their owner's proxy.
    const owned = `/${vo}/user/a/alice/job1/out.root`;
    expect((await post('/files', alice, { [owned]: newFile() })).json().Failed).toEqual({});
    expect(
      (await post('/files', pilot, { [`/${vo}/user/a/alice/job1/other.root`]: newFile() })).json()
        .Failed,
    ).toEqual({ [`/${vo}/user/a/alice/job1/other.root`]: 'Permission denied' });
  });

  it('lets every caller of the VO create below the VO’s own directory, whoever made it', async () => {
    const paul = await tokenFor(vo, `${vo}_prod`, ['NormalUser'], 'paul');
    expect(
      (await call('PUT', '/api/catalog/directory', paul, { path: `/${vo}/prod/2026` })).statusCode,
    ).toBe(204);
    const listing = await call('GET', `/api/catalog/directory?path=/${vo}`, paul);
    expect(listing.json().SubDirs).toContain(`/${vo}/prod`);
  });
});

describe('the file catalog at scale', () => {
  it('registers and resolves ten thousand files in one request each', async () => {
    const lfns = Array.from(
      { length: 10000 },
      (_, i) => `${root}/bulk/run${i % 20}/job${i}/output_${i}.root`,
    );
    const body = Object.fromEntries(
      lfns.map((lfn) => [lfn, newFile({ PFN: `root://eos.example.org:1094//eos/grid${lfn}` })]),
    );
    const added = await post('/files', alice, body);
    expect(added.statusCode).toBe(200);
    expect(Object.keys(added.json().Successful)).toHaveLength(10000);
    const replicas = await post('/replicas/query', alice, { lfns });
    expect(replicas.statusCode).toBe(200);
    expect(replicas.json().Successful[lfns[9999]!]).toEqual({
      [se]: `root://eos.example.org:1094//eos/grid${lfns[9999]}`,
    });
  });
});
