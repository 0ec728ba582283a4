import { describe, expect, it } from 'vitest';
import { backlogJdl, backlogParametricJdl, lhcbBacklog } from '../../../fixtures/index.ts';
import { parseJdl } from '../../core/index.ts';
import { expandParametric } from './parametric.ts';
import { prepareJob } from './prepare-job.ts';
import { MAX_JOBS_PER_SUBMISSION } from './submit.ts';

describe('the lhcb-like backlog', () => {
  const { queues, fixtureSet } = lhcbBacklog({ seed: 1, totalJobs: 1_000 });
  const submitterOf = (queue: (typeof queues)[number]) => ({
    preferred_username: queue.owner,
    dirac_group: queue.group,
    vo: 'lhcb',
  });

  it('describes only jobs that submission accepts, with their queue requirements', () => {
    for (const [index, queue] of queues.entries()) {
      const job = prepareJob(
        parseJdl(backlogJdl(queue, index)),
        submitterOf(queue),
        fixtureSet.config,
      );
      expect(job.jobType).toBe(queue.jobType);
      expect(job.requirements.cpuTime).toBe(queue.cpuTime);
      expect(job.requirements.sites).toEqual([...queue.sites].sort());
    }
  });

  it('gives in one parametric JDL of 20 the jobs its plain JDLs describe', () => {
    for (const queue of queues.slice(0, 50)) {
      const children = expandParametric(
        parseJdl(backlogParametricJdl(queue, 40, MAX_JOBS_PER_SUBMISSION)),
        MAX_JOBS_PER_SUBMISSION,
      ).map((child) => prepareJob(child, submitterOf(queue), fixtureSet.config));
      expect(children).toHaveLength(MAX_JOBS_PER_SUBMISSION);
      for (const [i, child] of children.entries()) {
        const plain = prepareJob(
          parseJdl(backlogJdl(queue, 40 + i)),
          submitterOf(queue),
          fixtureSet.config,
        );
        expect(child.jobName).toBe(plain.jobName);
        expect(child.jobType).toBe(plain.jobType);
        expect(child.requirements).toEqual(plain.requirements);
      }
    }
  });
});
