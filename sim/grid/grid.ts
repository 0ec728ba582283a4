import type { CEConfig, Config, QueueConfig, Rng } from '../../services/core/index.ts';
import { type CeFlavour, ceFlavour } from './ce-flavour.ts';

/** One batch queue of one CE: where pilots are submitted and what their slots offer. */
export interface SimQueue {
  /** `<site>/<ce>/<queue>`, unique, used in the event log. */
  readonly id: string;
  readonly site: string;
  readonly gridType: string;
  readonly ce: string;
  readonly queue: string;
  readonly ceConfig: CEConfig;
  readonly config: QueueConfig;
  readonly flavour: CeFlavour;
  /** Platforms a worker node of this queue runs (its own, as DIRAC's CE description lists). */
  readonly platforms: string[];
  /** HS06·s a slot gives per wall-clock second (DIRAC: SI00 × 60/250 per minute). */
  readonly cpuPower: number;
  /** The batch wall-clock limit, in model seconds. */
  readonly wallLimitS: number;
  /** The site's SEs, tried first for outputs and input data. */
  readonly localSEs: readonly string[];
  readonly rng: Rng;
}

/** The CPU a fresh pilot of the queue offers (HS06·s). */
export function queueCpu(queue: SimQueue): number {
  return Math.floor(queue.wallLimitS * queue.cpuPower);
}

/** DIRAC caps a queue's CPU time at 12.5 days. */
const MAX_CPU_MINUTES = 18000;

/** Every queue of every CE of every site in the configuration, in a stable order. */
export function gridQueues(config: Config, rng: Rng): SimQueue[] {
  const queues: SimQueue[] = [];
  for (const gridType of Object.keys(config.Resources.Sites).sort()) {
    const sites = config.Resources.Sites[gridType]!;
    for (const site of Object.keys(sites).sort()) {
      const siteConfig = sites[site]!;
      for (const ce of Object.keys(siteConfig.CEs).sort()) {
        const ceConfig = siteConfig.CEs[ce]!;
        for (const queue of Object.keys(ceConfig.Queues).sort()) {
          const queueConfig = ceConfig.Queues[queue]!;
          const id = `${site}/${ce}/${queue}`;
          const minutes = Math.min(queueConfig.maxCPUTime, MAX_CPU_MINUTES);
          queues.push({
            id,
            site,
            gridType,
            ce,
            queue,
            ceConfig,
            config: queueConfig,
            flavour: ceFlavour(ceConfig),
            platforms: [queueConfig.Platform],
            cpuPower: (queueConfig.SI00 * 60) / 250 / 60,
            wallLimitS: minutes * 60,
            localSEs: siteConfig.SE,
            rng: rng.fork(id),
          });
        }
      }
    }
  }
  return queues;
}
