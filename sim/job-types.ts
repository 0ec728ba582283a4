import type { Rng } from '../services/core/index.ts';

/**
 * How the jobs of one DIRAC JobType run in the simulator: what a pilot's payload does with
 * them. Only the JDL carries this to the worker node (JobType, and the payload's Arguments),
 * so the same jobs run alike against gridbox or a real DiracX.
 */
export interface JobTypeModel {
  jobType: string;
  /**
   * Weight of the type in a production-shaped workload: its waiting jobs in LHCb's task
   * queues (fixtures/data/lhcb-taskqueue-shape-2026-03-28.json, `job_types`), except User,
   * whose share is an assumption (user jobs wait little, so the snapshot undercounts them).
   */
  weight: number;
  /** Median work, HS06·s (a 10 HS06 core does 36,000 in an hour). */
  medianWork: number;
  /** Spread of the work: the sigma of a log-normal around the median. */
  workSigma: number;
  /** Input files per job: none for simulation, several for merging. */
  inputFiles: number;
  /** Output bytes per file, at the simulator's scale (real sizes divided by about 10^6). */
  outputBytes: readonly [min: number, max: number];
  /** Chance the payload fails on its own (application error), whatever the grid does. */
  failureProbability: number;
}

const HOUR = 36_000;

/**
 * LHCb-like job types. The weights come from the snapshot; durations, I/O and failure rates
 * are assumptions of production-like orders of magnitude, not measurements: simulation runs
 * for hours and reads nothing, merging and sprucing are short and read many files, user
 * jobs are short and fail most often.
 */
export const LHCB_JOB_TYPES: readonly JobTypeModel[] = [
  job('MCSimulation', 520_258, 8 * HOUR, 0.5, 0, [1024, 4096], 0.03),
  job('MCFastSimulation', 187_908, 2 * HOUR, 0.5, 0, [512, 2048], 0.03),
  job('WGProduction', 141_317, 1 * HOUR, 0.7, 1, [256, 1024], 0.05),
  job('Sprucing', 14_465, 1.5 * HOUR, 0.4, 2, [1024, 4096], 0.04),
  job('Merge', 6_812, 0.5 * HOUR, 0.4, 4, [2048, 8192], 0.02),
  job('MCReconstruction', 1_002, 3 * HOUR, 0.4, 1, [512, 2048], 0.03),
  job('APMerge', 50, 0.5 * HOUR, 0.4, 4, [2048, 8192], 0.02),
  job('APPostProc', 29, 0.3 * HOUR, 0.5, 1, [256, 1024], 0.05),
  job('MCMerge', 10, 0.5 * HOUR, 0.4, 4, [2048, 8192], 0.02),
  job('LbAPI', 6, 0.3 * HOUR, 0.5, 1, [256, 1024], 0.05),
  // An assumed tenth of the jobs: the snapshot's 17 waiting User jobs reflect how fast
  // they are matched, not how many are submitted.
  job('User', 96_000, 0.5 * HOUR, 1, 1, [128, 2048], 0.1),
];

function job(
  jobType: string,
  weight: number,
  medianWork: number,
  workSigma: number,
  inputFiles: number,
  outputBytes: readonly [number, number],
  failureProbability: number,
): JobTypeModel {
  return { jobType, weight, medianWork, workSigma, inputFiles, outputBytes, failureProbability };
}

/** One type, drawn by weight. */
export function drawJobType(models: readonly JobTypeModel[], rng: Rng): JobTypeModel {
  const total = models.reduce((sum, m) => sum + m.weight, 0);
  let draw = rng.next() * total;
  for (const model of models) {
    draw -= model.weight;
    if (draw < 0) return model;
  }
  return models.at(-1)!;
}

/** A job's work: log-normal around the type's median, within 1/20 and 20 times it. */
export function drawWork(model: JobTypeModel, rng: Rng): number {
  // Box-Muller, from two draws of the run's generator.
  const u = Math.max(rng.next(), Number.EPSILON);
  const normal = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
  const work = model.medianWork * Math.exp(model.workSigma * normal);
  return Math.round(Math.min(Math.max(work, model.medianWork / 20), model.medianWork * 20));
}

/** The payload's Arguments for a job: what describeJobModel reads back on the worker node. */
export function payloadArguments(run: {
  work: number;
  outputBytes: number;
  failureProbability: number;
}): string {
  return `--work ${run.work} --output-bytes ${run.outputBytes} --failure-probability ${run.failureProbability}`;
}
