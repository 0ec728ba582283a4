import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadExtensions } from '../../../cli/extensions.ts';
import { generateFixtures } from '../../../fixtures/index.ts';
import { type Registry, buildApp } from '../../../services/app/index.ts';
import { type TestBox, testBox } from '../../../services/app/test-box.testkit.ts';
import { type Config, snapshotOf, staticConfigSource } from '../../../services/core/index.ts';

const EXAMPLE_DIR = fileURLToPath(new URL('..', import.meta.url));
const JDL = 'Executable = "echo";';

/** The fixtures' configuration with `section` as Operations.<first VO>.Example. */
function withExampleSection(section: unknown): { config: Config; vo: string } {
  const { config } = generateFixtures({ seed: 1, size: 'small' });
  const vo = Object.keys(config.Registry)[0]!;
  const operations = { ...config.Operations[vo]!, Example: section };
  return { vo, config: { ...config, Operations: { ...config.Operations, [vo]: operations } } };
}

describe('the example extension, loaded into the app', () => {
  let registry: Registry;
  let box: TestBox;
  let vo: string;
  let frozen: string;

  beforeAll(async () => {
    ({ registry } = await loadExtensions([EXAMPLE_DIR]));
    const fixtures = generateFixtures({ seed: 1, size: 'small' });
    vo = Object.keys(fixtures.config.Registry)[0]!;
    const probe = await testBox({ fixtures });
    frozen = probe.plainUser(vo, 1).username;
    await probe.close();
    const { config } = withExampleSection({ FrozenUsers: [frozen], MaxTagsPerJob: 3 });
    box = await testBox({ fixtures, config, registry });
  });
  afterAll(() => box?.close());

  it('lists its new routes in the OpenAPI document', async () => {
    const paths = Object.keys(
      (await box.inject('GET', '/api/openapi.json')).json<{ paths: object }>().paths,
    );
    expect(paths).toEqual(
      expect.arrayContaining([
        '/api/lollygag/insert_owner/{owner_name}',
        '/api/lollygag/get_owners',
        '/api/lollygag/jobs/{job_id}/tags',
      ]),
    );
  });

  it('records owners per VO in its own DB', async () => {
    const alice = await box.user(vo);
    const inserted = await box.inject('POST', '/api/lollygag/insert_owner/gubbins', alice);
    expect(inserted.statusCode).toBe(200);
    const again = await box.inject('POST', '/api/lollygag/insert_owner/gubbins', alice);
    expect(again.json()).toEqual(inserted.json());
    expect((await box.inject('GET', '/api/lollygag/get_owners', alice)).json()).toEqual([
      'gubbins',
    ]);
    const otherVo = box.vos[1]!;
    expect(
      (await box.inject('GET', '/api/lollygag/get_owners', await box.user(otherVo))).json(),
    ).toEqual([]);
  });

  it('keeps job tags in the table it adds to JobDB, behind the wms policy', async () => {
    const owner = await box.user(vo);
    const submitted = await box.inject('POST', '/api/jobs/jdl', owner, [JDL]);
    expect(submitted.statusCode).toBe(201);
    const jobId = submitted.json<{ JobID: number }[]>()[0]!.JobID;
    const tags = `/api/lollygag/jobs/${jobId}/tags`;

    const cases: [string, string, unknown, number, unknown][] = [
      ['owner sets tags', owner, ['b', 'a', 'b'], 204, null],
      ['owner reads them sorted', owner, undefined, 200, ['a', 'b']],
      ['too many tags', owner, ['1', '2', '3', '4'], 400, undefined],
      ['another user of the VO', await box.user(vo, 2), undefined, 403, undefined],
      ['a pilot without a match', await box.pilot(vo), ['x'], 403, undefined],
    ];
    for (const [title, token, body, status, expected] of cases) {
      const response = await box.inject(body === undefined ? 'GET' : 'PUT', tags, token, body);
      expect({ title, status: response.statusCode }).toEqual({ title, status });
      if (expected !== undefined)
        expect(response.body === '' ? null : response.json()).toEqual(expected);
    }
    const missing = await box.inject('GET', '/api/lollygag/jobs/999999/tags', await box.admin(vo));
    expect(missing.statusCode).toBe(404);
  });

  it('lets its own policy refuse owners to callers without NormalUser', async () => {
    const response = await box.inject(
      'POST',
      '/api/lollygag/insert_owner/x',
      await box.token({ vo, properties: ['GenericPilot'] }),
    );
    expect(response.statusCode).toBe(403);
    expect(response.json()).toEqual({ detail: 'Only a NormalUser records owners' });
  });

  it('replaces the wms policy: a frozen user may not submit, others still may', async () => {
    const refused = await box.inject('POST', '/api/jobs/jdl', await box.user(vo, 1), [JDL]);
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toEqual({ detail: `${frozen} is frozen and may not submit jobs` });
    expect((await box.inject('POST', '/api/jobs/jdl', await box.user(vo), [JDL])).statusCode).toBe(
      201,
    );
  });

  it('refuses to start on a configuration section that does not match its schema', async () => {
    const { config, vo: first } = withExampleSection({ FrozenUsers: 'alice' });
    await expect(
      buildApp({ configSource: staticConfigSource(snapshotOf(config, 0)), registry }),
    ).rejects.toThrow(
      `The configuration section Operations.${first}.Example does not match its extension's schema: /FrozenUsers must be array`,
    );
  });
});
