import { describe, expect, it } from 'vitest';
import { backlogJdl, lhcbBacklog } from '../../../fixtures/index.ts';
import { parseJdl } from '../../core/index.ts';
import { prepareJob } from './prepare-job.ts';

describe('the lhcb-like backlog', () => {
  it('describes only jobs that submission accepts, with their queue requirements', () => {
    const { queues, fixtureSet } = lhcbBacklog({ seed: 1, totalJobs: 1_000 });
    for (const [index, queue] of queues.entries()) {
      const job = prepareJob(
        parseJdl(backlogJdl(queue, index)),
        { preferred_username: queue.owner, dirac_group: queue.group, vo: 'lhcb' },
        fixtureSet.config,
      );
      expect(job.jobType).toBe(queue.jobType);
      expect(job.requirements.cpuTime).toBe(queue.cpuTime);
      expect(job.requirements.sites).toEqual([...queue.sites].sort());
    }
  });
});
