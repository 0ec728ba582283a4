import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadExtensions } from '../../../cli/extensions.ts';
import { type TestBox, testBox } from '../../../services/app/test-box.testkit.ts';
import { exampleSmall } from './fixtures.ts';

const EXAMPLE_DIR = fileURLToPath(new URL('..', import.meta.url));

/**
 * The example's hooks over HTTP, on its own fixture set: the first VO turns them on
 * (BannedExecutables rm, DefaultJobGroup example, RecordEndedJobs), the second has no
 * Example section and runs as gridbox alone.
 */
describe("the example's logic hooks", () => {
  let box: TestBox;
  let vo: string;
  let otherVo: string;

  beforeAll(async () => {
    const { registry } = await loadExtensions([EXAMPLE_DIR]);
    box = await testBox({ fixtures: exampleSmall.generate(1), registry });
    [vo, otherVo] = box.vos as [string, string];
  });
  afterAll(() => box?.close());

  /** The jobs of `username` with the given attributes, by JobID. */
  async function jobsOf(token: string, username: string, parameters: string[]) {
    const found = await box.inject('POST', '/api/jobs/search', token, {
      parameters: ['JobID', ...parameters],
      search: [{ parameter: 'Owner', operator: 'eq', value: username }],
      sort: [{ parameter: 'JobID', direction: 'asc' }],
    });
    expect(found.statusCode, found.body).toBeLessThan(300);
    return found.json<Record<string, unknown>[]>();
  }

  it('refuse a job running a banned executable with a 400, creating none of its submission', async () => {
    const token = await box.user(vo, 1);
    const refused = await box.inject('POST', '/api/jobs/jdl', token, [
      'Executable = "echo";',
      'Executable = "rm"; Arguments = "-rf /";',
    ]);
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toEqual({
      detail: `JDL 2: The executable rm is banned in VO ${vo} (Operations/${vo}/Example/BannedExecutables)`,
    });
    expect(await jobsOf(token, box.plainUser(vo, 1).username, [])).toEqual([]);

    const elsewhere = await box.inject('POST', '/api/jobs/jdl', await box.user(otherVo, 1), [
      'Executable = "rm";',
    ]);
    expect(elsewhere.statusCode).toBe(201);
  });

  it("give a job naming no JobGroup the VO's default one, and leave the others as they are", async () => {
    const token = await box.user(vo, 2);
    const submitted = await box.inject('POST', '/api/jobs/jdl', token, [
      'Executable = "echo";',
      'Executable = "echo"; JobGroup = "mine";',
    ]);
    expect(submitted.statusCode, submitted.body).toBe(201);
    expect(
      (await jobsOf(token, box.plainUser(vo, 2).username, ['JobGroup'])).map((j) => j.JobGroup),
    ).toEqual(['example', 'mine']);

    const other = await box.user(otherVo, 2);
    await box.inject('POST', '/api/jobs/jdl', other, ['Executable = "echo";']);
    expect(
      (await jobsOf(other, box.plainUser(otherVo, 2).username, ['JobGroup'])).map(
        (j) => j.JobGroup,
      ),
    ).toEqual(['00000000']);
  });

  it('record the jobs of the VO as they end, through the status observer', async () => {
    const ended: Record<string, unknown>[] = [];
    for (const which of [vo, otherVo]) {
      const token = await box.user(which);
      const submitted = await box.inject('POST', '/api/jobs/jdl', token, [
        'Executable = "echo";',
        'Executable = "echo";',
      ]);
      const [killed, running] = submitted.json<{ JobID: number }[]>().map((j) => j.JobID);
      const report = await box.inject('PATCH', '/api/jobs/status', token, {
        [killed!]: { '2099-01-01T00:00:00Z': { Status: 'Killed', Source: 'User' } },
        [running!]: { '2099-01-01T00:00:00Z': { MinorStatus: 'still waiting' } },
      });
      expect(report.statusCode, report.body).toBe(200);
      const read = await box.inject('GET', '/api/lollygag/ended_jobs', token);
      expect(read.statusCode, read.body).toBe(200);
      ended.push({ vo: which, jobs: read.json(), killed });
    }
    expect(ended).toEqual([
      {
        vo,
        killed: ended[0]!.killed,
        jobs: [
          {
            JobID: ended[0]!.killed,
            VO: vo,
            Owner: box.plainUser(vo).username,
            Status: 'Killed',
          },
        ],
      },
      { vo: otherVo, killed: ended[1]!.killed, jobs: [] },
    ]);
  });
});
