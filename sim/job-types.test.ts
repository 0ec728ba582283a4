import { describe, expect, it } from 'vitest';
import { createRng } from '../services/core/index.ts';
import { LHCB_JOB_TYPES, drawJobType, drawWork, payloadArguments } from './job-types.ts';
import { describeJobModel } from './pilot/job-description.ts';

describe('LHCb-like job types', () => {
  it.each(LHCB_JOB_TYPES.map((model) => [model.jobType, model] as const))(
    'gives a pilot that reads only the JDL the type, work, outputs and failure rate of %s',
    (jobType, model) => {
      const run = {
        work: model.medianWork,
        outputBytes: model.outputBytes[1],
        failureProbability: model.failureProbability,
      };
      const jdl = `[ Executable = "gridbox-payload"; JobType = "${jobType}"; Arguments = "${payloadArguments(run)}"; CPUTime = 1000000 ]`;
      expect(describeJobModel(jdl)).toEqual({ jobType, ...run });
    },
  );

  it.each([
    [
      'a JDL without type or arguments',
      'Executable = "x"; CPUTime = 1000',
      { jobType: 'User', work: 500, outputBytes: 1024, failureProbability: 0 },
    ],
    [
      'a failure probability in exponent form',
      'Executable = "x"; JobType = "Merge"; Arguments = "--work 10 --failure-probability 5e-3"',
      { jobType: 'Merge', work: 10, outputBytes: 1024, failureProbability: 0.005 },
    ],
    [
      'a failure probability above 1',
      'Executable = "x"; Arguments = "--work 10 --failure-probability 3"',
      { jobType: 'User', work: 10, outputBytes: 1024, failureProbability: 0 },
    ],
  ])('reads %s', (_name, jdl, model) => {
    expect(describeJobModel(jdl)).toEqual(model);
  });

  it('draws types by their weight and work around each median, within bounds', () => {
    const rng = createRng(1).fork('job-types');
    const counts = new Map<string, number>();
    for (let i = 0; i < 20_000; i++) {
      const model = drawJobType(LHCB_JOB_TYPES, rng);
      counts.set(model.jobType, (counts.get(model.jobType) ?? 0) + 1);
      const work = drawWork(model, rng);
      expect(work).toBeGreaterThanOrEqual(model.medianWork / 20);
      expect(work).toBeLessThanOrEqual(model.medianWork * 20);
    }
    // MCSimulation is about 54% of the weight; Merge about 0.7%.
    expect(counts.get('MCSimulation')! / 20_000).toBeGreaterThan(0.5);
    expect(counts.get('MCSimulation')! / 20_000).toBeLessThan(0.58);
    expect(counts.get('Merge') ?? 0).toBeLessThan(counts.get('WGProduction')!);
  });
});
