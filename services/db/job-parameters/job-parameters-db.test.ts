import { randomBytes } from 'node:crypto';
import { Client } from '@opensearch-project/opensearch';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { DatabaseUnavailableError, InvalidRequestError } from '../../core/index.ts';
import { openSearchClientOptions, parseOpenSearchConnection } from '../opensearch/index.ts';
import { startStallingProxy } from '../opensearch/stalling-proxy.testkit.ts';
import {
  JOB_PARAMETERS_FIELDS,
  type JobParametersDB,
  MemoryJobParametersDB,
  OpenSearchJobParametersDB,
  jobParametersIndex,
} from './index.ts';

// The OpenSearch backend runs where a server is given, e.g.
// TEST_OPENSEARCH_URL=http://127.0.0.1:9200, or on the test run's container (TEST_CONTAINERS=1).
// Each test writes under a VO of its own, so runs and tests never see each other's indices;
// the indices are deleted afterwards.
const openSearchUrl = process.env.TEST_OPENSEARCH_URL ?? inject('containers')?.openSearchUrl;
const openSearch =
  openSearchUrl === undefined
    ? undefined
    : parseOpenSearchConnection(JSON.stringify({ hosts: openSearchUrl }), 'TEST_OPENSEARCH_URL');
/** Generous: a loaded machine's OpenSearch may take seconds to create an index. */
const TIMEOUT_MS = 30_000;
/** The deadline of the DB whose write is stalled on purpose: the test waits it out once. */
const STALL_TIMEOUT_MS = 5_000;

interface Backend {
  name: string;
  open(): Promise<JobParametersDB & { close?(): Promise<void> }>;
}
const backends: Backend[] = [
  { name: 'in-process', open: () => Promise.resolve(new MemoryJobParametersDB()) },
];
if (openSearch !== undefined)
  backends.push({
    name: 'OpenSearch',
    open: () => OpenSearchJobParametersDB.open(openSearch, TIMEOUT_MS),
  });

/** A VO nobody else uses, in mixed case to exercise the lower-casing of index names. */
function freshVo(): string {
  return `GbxTest${randomBytes(6).toString('hex')}`;
}

/** A raw client to look at what the DB left on the server, and to clean up after it. */
const admin =
  openSearch === undefined
    ? undefined
    : new Client(openSearchClientOptions(openSearch, TIMEOUT_MS));
const usedVos: string[] = [];
afterAll(async () => {
  if (admin === undefined) return;
  for (const vo of usedVos)
    await admin.indices.delete(
      { index: `job_parameters_${vo.toLowerCase()}_*` },
      { ignore: [404] },
    );
  await admin.close();
});

async function withDb(
  backend: Backend,
  test: (db: JobParametersDB, vo: string) => Promise<void>,
): Promise<void> {
  const db = await backend.open();
  const vo = freshVo();
  usedVos.push(vo);
  try {
    await test(db, vo);
  } finally {
    await db.close?.();
  }
}

describe.each(backends)('JobParametersDB ($name)', (backend) => {
  it('answers its ping', () => withDb(backend, (db) => db.ping()));

  it('has no document for a job nothing was written for', () =>
    withDb(backend, async (db, vo) => {
      expect(await db.get(vo, 1)).toBeUndefined();
      expect(await db.get(vo, 123_456_789)).toBeUndefined();
    }));

  it('merges each write into the document, keeping the fields it does not name', () =>
    withDb(backend, async (db, vo) => {
      await db.upsert(vo, 42, { HostName: 'wn01', 'Memory(MB)': 2048, Extra: { a: 1 } }, 1000);
      await db.upsert(vo, 42, { HostName: 'wn02', Status: 'Running', Extra: { b: 2 } }, 2000);
      expect(await db.get(vo, 42)).toEqual({
        JobID: 42,
        timestamp: 2000,
        HostName: 'wn02',
        'Memory(MB)': 2048,
        Status: 'Running',
        // Objects merge key by key, as OpenSearch's partial update does.
        Extra: { a: 1, b: 2 },
      });
    }));

  it('lets a field the caller names win over the stamp, as DiracX writes it', () =>
    withDb(backend, async (db, vo) => {
      await db.upsert(vo, 7, { timestamp: 5 }, 1000);
      expect(await db.get(vo, 7)).toEqual({ JobID: 7, timestamp: 5 });
    }));

  it('keeps jobs apart by VO and by ID, whatever the case of the VO name', () =>
    withDb(backend, async (db, vo) => {
      const other = freshVo();
      usedVos.push(other);
      await db.upsert(vo, 1, { Owner: 'a' }, 1);
      await db.upsert(other, 1, { Owner: 'b' }, 1);
      await db.upsert(vo, 1_000_001, { Owner: 'c' }, 1);
      expect((await db.get(vo.toUpperCase(), 1))?.Owner).toBe('a');
      expect((await db.get(other, 1))?.Owner).toBe('b');
      expect((await db.get(vo, 1_000_001))?.Owner).toBe('c');
    }));

  it('stores text with 4-byte UTF-8 characters in names and values unchanged', () =>
    withDb(backend, async (db, vo) => {
      const text = 'grid 𝄞 😀 中文 \u0000 "quoted" \\ end';
      await db.upsert(vo, 9, { StandardOutput: text, 'Clé😀': '𠜎' }, 1);
      expect(await db.get(vo, 9)).toMatchObject({ StandardOutput: text, 'Clé😀': '𠜎' });
    }));

  it('stores a large document (4 MB of output) and gives it back whole', () =>
    withDb(backend, async (db, vo) => {
      const output = 'line of job output 😀\n'.repeat(Math.floor((4 * 1024 * 1024) / 24));
      await db.upsert(vo, 10, { StandardOutput: output }, 1);
      expect((await db.get(vo, 10))?.StandardOutput).toBe(output);
    }));

  // What DiracX's template lets OpenSearch take, checked against OpenSearch 2.19.6.
  const fitting: [string, unknown][] = [
    ['Memory(MB)', 2048],
    ['Memory(MB)', '512'],
    ['Memory(MB)', 12.5],
    ['Memory(MB)', [1, '2']],
    ['Memory(MB)', null],
    ['GridCE', 5],
    ['GridCE', true],
    ['GridCE', ['ce1', 'ce2']],
    ['HostName', 7],
    ['timestamp', '2026-01-01'],
    ['timestamp', '2026-01-01T10:00:00Z'],
    ['timestamp', '1700000000000'],
  ];
  it.each(fitting)('takes %s = %j, as the mapping does', (name, value) =>
    withDb(backend, async (db, vo) => {
      await db.upsert(vo, 3, { [name]: value }, 1);
      expect((await db.get(vo, 3))?.[name]).toEqual(value);
    }),
  );

  const refused: [string, unknown, string][] = [
    ['Memory(MB)', 'lots', 'long'],
    ['Memory(MB)', true, 'long'],
    ['Memory(MB)', { a: 1 }, 'long'],
    ['Memory(MB)', 2 ** 63, 'long'],
    ['GridCE', { a: 1 }, 'keyword'],
    ['HostName', { a: 1 }, 'text'],
    ['timestamp', 'yesterday', 'date'],
    ['timestamp', true, 'date'],
  ];
  it.each(refused)(
    'refuses %s = %j with InvalidRequestError, and keeps the document as it was',
    (name, value, type) =>
      withDb(backend, async (db, vo) => {
        await db.upsert(vo, 5, { HostName: 'wn' }, 1);
        const error: unknown = await db
          .upsert(vo, 5, { HostName: 'changed', [name]: value }, 2)
          .catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(InvalidRequestError);
        expect((error as Error).message).toContain(
          `JobParametersDB refused the parameters of job 5: failed to parse field [${name}] of type [${type}]`,
        );
        expect(await db.get(vo, 5)).toEqual({ JobID: 5, timestamp: 1, HostName: 'wn' });
      }),
  );

  it('does not keep the caller’s objects: a later change to them is not stored', () =>
    withDb(backend, async (db, vo) => {
      const fields = { Extra: { a: 1 } };
      await db.upsert(vo, 11, fields, 1);
      fields.Extra.a = 2;
      expect((await db.get(vo, 11))?.Extra).toEqual({ a: 1 });
    }));

  it('keeps every field of writes to one job sent at once (none overwrites another)', () =>
    withDb(backend, async (db, vo) => {
      const writers = Array.from({ length: 12 }, (_, i) => i);
      await Promise.all(writers.map((i) => db.upsert(vo, 12, { [`Field${i}`]: `value ${i}` }, i)));
      const document = await db.get(vo, 12);
      for (const i of writers) expect(document?.[`Field${i}`]).toBe(`value ${i}`);
    }));
});

describe.runIf(admin !== undefined)('JobParametersDB in OpenSearch, as DiracX lays it out', () => {
  const open = () => OpenSearchJobParametersDB.open(openSearch!, TIMEOUT_MS);

  it('puts the index template DiracX puts: job_parameters for job_parameters*, same mappings', async () => {
    const db = await open();
    await db.close();
    const { body } = await admin!.indices.getIndexTemplate({ name: 'job_parameters' });
    const [entry] = (body as { index_templates: { name: string; index_template: unknown }[] })
      .index_templates;
    expect(entry).toEqual({
      name: 'job_parameters',
      index_template: {
        index_patterns: ['job_parameters*'],
        template: { mappings: { properties: JOB_PARAMETERS_FIELDS } },
        composed_of: [],
      },
    });
  });

  it('writes each job to job_parameters_<vo>_<millions>m, mapped by the template', async () => {
    const db = await open();
    const vo = freshVo();
    usedVos.push(vo);
    try {
      await db.upsert(vo, 12_345_678, { 'Memory(MB)': '512', JobGroup: 7 }, 1000);
      await db.upsert(vo, 999_999, { HostName: 'wn' }, 1000);
      const index = `job_parameters_${vo.toLowerCase()}_12m`;
      expect(jobParametersIndex(vo, 12_345_678)).toBe(index);
      const { body: document } = await admin!.get({ index, id: '12345678' });
      expect(document._source).toEqual({
        JobID: 12_345_678,
        timestamp: 1000,
        'Memory(MB)': '512',
        JobGroup: 7,
      });
      expect(
        (await admin!.exists({ index: `job_parameters_${vo.toLowerCase()}_0m`, id: '999999' }))
          .body,
      ).toBe(true);
      const { body: mapping } = await admin!.indices.getMapping({ index });
      const properties = (
        mapping as Record<string, { mappings: { properties: Record<string, unknown> } }>
      )[index]!.mappings.properties;
      expect(properties['Memory(MB)']).toEqual({ type: 'long' });
      expect(properties.timestamp).toEqual({ type: 'date' });
    } finally {
      await db.close();
    }
  });

  it('lets no write refused for its timeout overwrite one acknowledged after it', async () => {
    // The server keeps the second write unread (a paused container does) until after the
    // third was acknowledged, then applies it: it must find a newer version and be refused.
    await using proxy = await startStallingProxy(openSearchUrl!);
    const db = await OpenSearchJobParametersDB.open(
      parseOpenSearchConnection(JSON.stringify({ hosts: proxy.address })),
      STALL_TIMEOUT_MS,
    );
    const vo = freshVo();
    usedVos.push(vo);
    try {
      await db.upsert(vo, 5, { StandardOutput: 'line 1' }, 1);
      proxy.stallNext((head) => head.startsWith('POST ') && head.includes('/_update/5'));
      await expect(db.upsert(vo, 5, { StandardOutput: 'line 2' }, 2)).rejects.toThrow(
        DatabaseUnavailableError,
      );
      await db.upsert(vo, 5, { StandardOutput: 'line 3' }, 3);
      expect(await proxy.release()).toMatch(/^HTTP\/1\.1 409 /);
      expect(await db.get(vo, 5)).toEqual({ JobID: 5, timestamp: 3, StandardOutput: 'line 3' });
    } finally {
      await db.close();
    }
  });

  it('starts twice at once without either failing (replicas starting together)', async () => {
    const dbs = await Promise.all([open(), open(), open()]);
    await Promise.all(dbs.map((db) => db.close()));
  });
});
