import { type DiracxClient, DiracxHttpError } from '../../client/index.ts';
import type { ResourceDescriptionBody } from '../../services/core/index.ts';

/** Waiting jobs a queue's slots could run, and a way to book pilots against them. */
export interface QueueDemand {
  /** The jobs not booked yet. */
  readonly jobs: number;
  /** Books `pilots` against the task queues this demand came from. */
  take(pilots: number): void;
}

/** Stands for every waiting job of the VO when the server cannot say which queues match. */
const WHOLE_VO = -1;

/**
 * What a SiteDirector cycle knows of the waiting jobs of one VO. DIRAC sizes a queue's
 * pilots by the jobs of the task queues matching it (getMatchingTaskQueues, here
 * POST /api/jobs/match/queues), minus its waiting pilots. Queues often match the same task
 * queues, so pilots are booked against those task queues as the cycle goes: a cycle never
 * sends more pilots than there are jobs for them, which DIRAC leaves to MaxWaitingJobs.
 * A server without the route (DiracX has no matcher yet) is asked for the VO's count of
 * waiting jobs instead, shared by every queue.
 */
export class DemandProbe {
  #matcherRoute = true;

  cycle(client: DiracxClient, vo: string): CycleDemand {
    return new CycleDemand(this, client, vo);
  }

  /** Matching task queues with their job counts, by task-queue id. */
  async matching(
    client: DiracxClient,
    slot: ResourceDescriptionBody,
  ): Promise<{ TaskQueueID: number; Jobs: number }[] | undefined> {
    if (!this.#matcherRoute) return undefined;
    try {
      return await client.request(
        'Finding matching task queues',
        'POST',
        '/api/jobs/match/queues',
        slot,
      );
    } catch (error) {
      if (!(error instanceof DiracxHttpError) || error.status !== 404) throw error;
      this.#matcherRoute = false;
      return undefined;
    }
  }
}

export class CycleDemand {
  readonly #probe: DemandProbe;
  readonly #client: DiracxClient;
  readonly #vo: string;
  readonly #remaining = new Map<number, number>();

  constructor(probe: DemandProbe, client: DiracxClient, vo: string) {
    this.#probe = probe;
    this.#client = client;
    this.#vo = vo;
  }

  async forSlot(slot: ResourceDescriptionBody): Promise<QueueDemand> {
    const queues = (await this.#probe.matching(this.#client, slot)) ?? [
      { TaskQueueID: WHOLE_VO, Jobs: await this.#voWaiting() },
    ];
    for (const { TaskQueueID, Jobs } of queues)
      if (!this.#remaining.has(TaskQueueID)) this.#remaining.set(TaskQueueID, Jobs);
    const ids = queues.map((q) => q.TaskQueueID);
    const remaining = this.#remaining;
    return {
      get jobs() {
        return ids.reduce((sum, id) => sum + remaining.get(id)!, 0);
      },
      take(pilots: number) {
        for (const id of ids) {
          const booked = Math.min(pilots, remaining.get(id)!);
          remaining.set(id, remaining.get(id)! - booked);
          pilots -= booked;
          if (pilots <= 0) return;
        }
      },
    };
  }

  async #voWaiting(): Promise<number> {
    if (this.#remaining.has(WHOLE_VO)) return this.#remaining.get(WHOLE_VO)!;
    const rows = await this.#client.summarizeJobs(
      ['Status'],
      [
        { parameter: 'Status', operator: 'eq', value: 'Waiting' },
        { parameter: 'VO', operator: 'eq', value: this.#vo },
      ],
    );
    return rows.reduce((sum, row) => sum + Number(row.count ?? 0), 0);
  }
}
