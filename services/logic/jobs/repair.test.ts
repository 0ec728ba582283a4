import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateFixtures } from '../../../fixtures/index.ts';
import type { Config } from '../../core/index.ts';
import type { StartedDatabases } from '../../db/index.ts';
import { type JobDbs, openJobDbs } from './jobs.testkit.ts';
import { repairInterruptedJobs } from './repair.ts';
import { type SubmissionDeps, submitJdlJobs } from './submit.ts';

const { config } = generateFixtures({ seed: 1, size: 'small' });
const vo = Object.keys(config.Registry)[0]!;
const submitter = { preferred_username: 'alice', dirac_group: `${vo}_user`, vo };
const [grid, sites] = Object.entries(config.Resources.Sites)[0]!;
const site = Object.keys(sites)[0]!;
const NOW = Date.UTC(2026, 5, 1, 12);

let databases: StartedDatabases;
let deps: SubmissionDeps;
beforeEach(async () => {
  const opened: JobDbs = await openJobDbs(NOW);
  databases = opened.databases;
  deps = { ...opened.deps, config };
});
afterEach(() => databases.close());

const statusOf = async (jobId: number) => (await deps.jobDb.getStates([jobId])).get(jobId)?.status;
const queued = async (jobId: number) => (await deps.taskQueueDb.taskQueueOf(jobId)) !== undefined;

/** A job submitted to the end, then put back where a kill at some step would have left it. */
async function interrupted(status: string, isQueued: boolean, jdl = 'Executable = "x"') {
  const [job] = await submitJdlJobs(deps, submitter, [jdl]);
  const jobId = job!.JobID;
  await deps.jobDb.setAttributes([jobId], { Status: status });
  if (!isQueued) await deps.taskQueueDb.deleteJobs([jobId]);
  return jobId;
}

describe('repairInterruptedJobs', () => {
  it('finishes what a kill left half done, and then finds nothing left to do', async () => {
    const received = await interrupted('Received', false);
    const checking = await interrupted('Checking', false);
    const submitting = await interrupted('Submitting', false);
    const lostClaim = await interrupted('Waiting', false);
    const killedButQueued = await interrupted('Killed', true);
    const fine = await interrupted('Waiting', true);
    const running = await interrupted('Running', false);

    expect(await repairInterruptedJobs(deps)).toEqual({
      optimized: 3,
      requeued: 1,
      failed: 0,
      dequeued: 1,
    });
    for (const jobId of [received, checking, submitting, lostClaim, fine]) {
      expect(await statusOf(jobId)).toBe('Waiting');
      expect(await queued(jobId)).toBe(true);
    }
    expect(await statusOf(killedButQueued)).toBe('Killed');
    expect(await queued(killedButQueued)).toBe(false);
    expect(await statusOf(running)).toBe('Running');
    expect(await queued(running)).toBe(false);
    const history = await deps.jobLoggingDb.getRecords(submitting);
    expect(history.slice(-4).map((r) => [r.Status, r.MinorStatus])).toEqual(
      [
        ['Received', 'Job accepted'],
        ['Checking', 'JobSanity'],
        ['Checking', 'JobScheduling'],
        ['Waiting', 'Pilot Agent Submission'],
      ].slice(-5),
    );

    expect(await repairInterruptedJobs(deps)).toEqual({
      optimized: 0,
      requeued: 0,
      failed: 0,
      dequeued: 0,
    });
  });

  it('fails a job the optimizers now refuse (its site left the configuration)', async () => {
    const jobId = await interrupted('Received', false, `Executable = "x"; Site = "${site}"`);
    const withoutSite = structuredClone(config) as Config;
    withoutSite.Resources.Sites[grid] = Object.fromEntries(
      Object.entries(sites).filter(([name]) => name !== site),
    );
    expect(await repairInterruptedJobs({ ...deps, config: withoutSite })).toMatchObject({
      optimized: 0,
      failed: 1,
    });
    expect(await statusOf(jobId)).toBe('Failed');
    expect(await queued(jobId)).toBe(false);
    const last = (await deps.jobLoggingDb.getRecords(jobId)).at(-1)!;
    expect(last.MinorStatus).toMatch(/^Optimizers at restart: .*Site .* is not a known site/);
  });
});
