import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateFixtures } from '../../../fixtures/index.ts';
import type { StartedDatabases, TaskQueueDB, TaskQueueKey } from '../../db/index.ts';
import { type JobDbs, openJobDbs, taskQueueKey } from './jobs.testkit.ts';
import { recalculateShares } from './shares.ts';

const { config } = generateFixtures({ seed: 1, size: 'small' });
const vo = Object.keys(config.Registry)[0]!;
let databases: StartedDatabases;
let queues: TaskQueueDB;
beforeEach(async () => {
  const opened: JobDbs = await openJobDbs(0);
  databases = opened.databases;
  queues = opened.deps.taskQueueDb;
});
afterEach(() => databases.close());

const key = (owner: string, group: string, cpuTime: number): TaskQueueKey =>
  taskQueueKey({ owner, ownerGroup: group, vo, cpuTime });

const priorities = async () =>
  Object.fromEntries(
    (
      await databases.sql.kysely
        .selectFrom('tq_TaskQueues')
        .select(['Owner', 'CPUTime', 'Priority'])
        .execute()
    ).map((row) => [`${row.Owner}/${row.CPUTime}`, Number(row.Priority)]),
  );

describe('recalculateShares', () => {
  it('splits a group’s share between its owners, then by the priority of their jobs', async () => {
    const group = `${vo}_user`; // JobShare 1000, no JobSharing
    await queues.insertJobs([{ jobId: 1, userPriority: 1 }], key('alice', group, 360));
    await queues.insertJobs([{ jobId: 2, userPriority: 3 }], key('alice', group, 3600));
    await queues.insertJobs([{ jobId: 3, userPriority: 5 }], key('bob', group, 360));
    await recalculateShares(queues, config, vo, group);
    expect(await priorities()).toEqual({ 'alice/360': 125, 'alice/3600': 375, 'bob/360': 500 });
  });

  it('keeps a JobSharing group’s share whole, whoever owns the queues', async () => {
    const group = `${vo}_prod`; // JobShare 4000, JobSharing
    await queues.insertJobs([{ jobId: 1, userPriority: 1 }], key('alice', group, 360));
    await queues.insertJobs([{ jobId: 2, userPriority: 1 }], key('bob', group, 360));
    await recalculateShares(queues, config, vo, group);
    expect(await priorities()).toEqual({ 'alice/360': 2000, 'bob/360': 2000 });
  });

  it('never lets a queue fall below 0.001', async () => {
    const group = `${vo}_user`;
    await queues.insertJobs([{ jobId: 1, userPriority: 0 }], key('alice', group, 360)); // RealPriority 1e-5
    await queues.insertJobs([{ jobId: 2, userPriority: 10 }], key('alice', group, 3600)); // RealPriority 1e6
    await recalculateShares(queues, config, vo, group);
    expect((await priorities())['alice/360']).toBe(0.001);
  });
});
