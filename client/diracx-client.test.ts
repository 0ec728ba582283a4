import { afterAll, describe, expect, it } from 'vitest';
import { testBox } from '../services/app/test-box.testkit.ts';
import { DiracxHttpError } from './diracx-auth.ts';
import { GridboxFileCatalog } from './file-catalog.ts';

// The client against a box, by injection and over HTTP on loopback: the same calls must
// give the same answers, and a refusal the same DiracxHttpError.

const box = await testBox({ listen: true });
afterAll(() => box.close());
const vo = box.vos[0]!;
const [site] = Object.values(box.config.Resources.Sites).flatMap((s) => Object.keys(s));
const [se, se2] = Object.entries(box.config.Resources.StorageElements)
  .filter(([, element]) => element.VO.length === 0 || element.VO.includes(vo))
  .map(([name]) => name) as [string, string];
const tokens = {
  user: await box.user(vo),
  admin: await box.admin(vo),
};

describe.each(['inject', 'http'] as const)('the DiracX client by %s', (transport) => {
  const user = box.client(tokens.user, transport);
  const admin = box.client(tokens.admin, transport);
  const now = () => new Date().toISOString();

  it('submits, searches and summarises jobs', async () => {
    const jobName = `client-${transport}`;
    const inserted = await user.submitJdl([`Executable = "x"; JobName = "${jobName}"`]);
    expect(inserted).toEqual([expect.objectContaining({ Status: 'Received' })]);
    const search = { search: [{ parameter: 'JobName', operator: 'eq' as const, value: jobName }] };
    expect(await user.searchJobs({ ...search, parameters: ['JobID', 'JobName'] })).toEqual([
      { JobID: inserted[0]!.JobID, JobName: jobName },
    ]);
    expect(await user.summarizeJobs(['JobName'], search.search)).toEqual([
      { JobName: jobName, count: 1 },
    ]);
  });

  it('registers a pilot that trades its secret for a token, matches a job, reports on it and is found', async () => {
    const stamp = `client-${transport}`;
    const { pilot_secret } = await admin.registerPilot({ pilot_stamp: stamp, vo });
    const traded = await admin.pilotToken(stamp, pilot_secret);
    expect(traded).toMatchObject({ token_type: 'Bearer', expires_in: expect.any(Number) });
    const pilot = admin.as(() => traded.access_token);
    const [job] = await user.submitJdl([`Executable = "m"; Site = "${site}"`]);
    const slot = { VO: vo, Site: site, CPUTime: 200000 };
    // Every waiting job of the VO fits the slot: ask until none is left (the earlier tests'
    // jobs included), then once more.
    const matched: number[] = [];
    for (let asked = 0; asked < 10; asked++) {
      const next = await pilot.match(slot);
      if (next === undefined) break;
      expect(next).toMatchObject({ VO: vo, JDL: expect.any(String) });
      matched.push(next.JobID);
    }
    expect(matched).toContain(job!.JobID);
    expect(await pilot.match(slot)).toBeUndefined();

    const reported = await pilot.setJobStatuses({
      [job!.JobID]: { [now()]: { Status: 'Running', MinorStatus: 'Job Initialization' } },
    });
    expect(reported.success[job!.JobID]).toMatchObject({ Status: 'Running' });
    expect(reported.failed).toEqual({});
    expect(await pilot.heartbeat({ [job!.JobID]: { LoadAverage: 1 } })).toEqual([]);
    await pilot.updatePilots({ [stamp]: { Status: 'Running' } });
    expect(
      await user.searchPilots({
        parameters: ['PilotStamp', 'Status'],
        search: [{ parameter: 'PilotStamp', operator: 'eq', value: stamp }],
      }),
    ).toEqual([{ PilotStamp: stamp, Status: 'Running' }]);
  });

  it('uploads a sandbox once, lists it as a job output and downloads it', async () => {
    const tarball = Buffer.from(`sandbox of ${transport} `.repeat(20));
    const pfn = await user.uploadSandbox(tarball, 'tar.zst');
    expect(await user.uploadSandbox(tarball, 'tar.zst')).toBe(pfn);
    const [job] = await user.submitJdl(['Executable = "s"']);
    expect(await user.jobSandbox(job!.JobID, 'output')).toEqual([]);
    await user.request('Assigning', 'PATCH', `/api/jobs/${job!.JobID}/sandbox/output`, pfn);
    // Stored as DiracX stores them: without the `SB:<SE>|` prefix.
    expect(await user.jobSandbox(job!.JobID, 'output')).toEqual([pfn.replace(/^SB:[^|]+\|/, '')]);
    expect(await user.downloadSandbox(pfn)).toEqual(tarball);
  });

  it('sets a site status for the VO', async () => {
    await admin.setSiteStatus(site!, 'Banned', `by ${transport}`);
    const response = await admin.request<Record<string, unknown>>(
      'Site mask',
      'GET',
      '/api/rss/site',
    );
    expect(response[site!]).toEqual({ all: { allowed: false, reason: `by ${transport}` } });
    await admin.setSiteStatus(site!, 'Active');
  });

  it('registers files and replicas in the catalog, finds them and removes them', async () => {
    const catalog = new GridboxFileCatalog(user);
    const dir = `/${vo}/client-${transport}`;
    const lfn = `${dir}/out.root`;
    await catalog.createDirectory(dir);
    const file = { PFN: 'root://se/out.root', SE: se, Size: 10, Checksum: '0000000a' };
    expect(await catalog.addFiles({ [lfn]: file })).toEqual({
      Successful: { [lfn]: true },
      Failed: {},
    });
    expect((await catalog.getFileMetadata([lfn])).Successful[lfn]).toMatchObject({ Size: 10 });
    expect(await catalog.getReplicas([lfn])).toEqual({
      Successful: { [lfn]: { [se]: file.PFN } },
      Failed: {},
    });
    expect(
      (await catalog.addReplicas({ [lfn]: { PFN: 'root://se2/out.root', SE: se2 } })).Failed,
    ).toEqual({});
    expect((await catalog.getReplicas([lfn])).Successful[lfn]).toEqual({
      [se]: file.PFN,
      [se2]: 'root://se2/out.root',
    });
    expect((await catalog.removeReplicas({ [lfn]: { SE: se2 } })).Failed).toEqual({});
    expect(Object.keys((await catalog.listDirectory(dir)).Files)).toEqual([lfn]);
    await catalog.setMetadata(dir, { Run: 7 });
    expect(await catalog.findFiles(`/${vo}`, { Run: 7 })).toEqual([lfn]);
    expect((await catalog.removeFiles([lfn])).Successful).toEqual({ [lfn]: true });
  });

  it.each([
    [
      'a JDL that does not parse',
      () => user.submitJdl(['[ Executable = ']),
      400,
      /^Error in JDL syntax at line 1, column 16: /,
    ],
    ['a user asking for a job', () => user.match({ VO: vo, CPUTime: 1000 }), 403, /^Forbidden$/],
    [
      'a site the configuration does not have',
      () => admin.setSiteStatus('LCG.Nowhere.xx', 'Banned'),
      404,
      /^Unknown site LCG\.Nowhere\.xx$/,
    ],
    [
      'a wrong pilot secret',
      () => admin.pilotToken(`client-${transport}`, 'wrong'),
      401,
      /^Invalid pilot credentials$/,
    ],
    [
      'a token the box did not sign',
      () => user.as(() => 'x.y.z').searchJobs({}),
      401,
      /^Invalid JWT$/,
    ],
  ])('refuses %s with a DiracxHttpError', async (_name, call, status, detail) => {
    const error: unknown = await call().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiracxHttpError);
    expect((error as DiracxHttpError).status).toBe(status);
    expect(((error as DiracxHttpError).body as { detail: string }).detail).toMatch(detail);
    expect((error as DiracxHttpError).message).toMatch(`failed with HTTP ${status}: `);
  });
});
