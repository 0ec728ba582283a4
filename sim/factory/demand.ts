import { type DiracxClient, DiracxHttpError } from '../../client/index.ts';
import { MAX_SLOTS_PER_REQUEST, type ResourceDescriptionBody } from '../../services/core/index.ts';

/** Waiting jobs a queue's slots could run, and a way to book pilots against them. */
export interface QueueDemand {
  /** The jobs not booked yet. */
  readonly jobs: number;
  /** Books `pilots` against the task queues this demand came from. */
  take(pilots: number): void;
}

/** Stands for every waiting job of the VO when the server cannot say which queues match. */
const WHOLE_VO = -1;

type MatchingQueues = { TaskQueueID: number; Jobs: number }[];

/**
 * What a SiteDirector cycle knows of the waiting jobs of one VO. DIRAC sizes a queue's
 * pilots by the jobs of the task queues matching it (getMatchingTaskQueues), minus its
 * waiting pilots. The cycle asks once for every slot it may fill
 * (POST /api/jobs/match/queues/bulk): nothing else runs during a cycle, so the answers are
 * those a question per queue would get, at a fraction of the calls. Queues often match the
 * same task queues, so pilots are booked against those task queues as the cycle goes: a
 * cycle never sends more pilots than there are jobs for them, which DIRAC leaves to
 * MaxWaitingJobs. A server without the route (DiracX has no matcher yet) is asked for the
 * VO's count of waiting jobs instead, shared by every queue.
 */
export class DemandProbe {
  #matcherRoute = true;

  /** The demand of each slot in `slots` (keyed as the caller likes) for this cycle. */
  async cycle<K>(
    client: DiracxClient,
    vo: string,
    slots: ReadonlyMap<K, ResourceDescriptionBody>,
  ): Promise<Map<K, QueueDemand>> {
    const remaining = new Map<number, number>();
    const answers = await this.#matching(client, [...slots.values()]);
    const perSlot =
      answers ?? [...slots].map(() => [{ TaskQueueID: WHOLE_VO, Jobs: 0 }] as MatchingQueues);
    if (answers === undefined) remaining.set(WHOLE_VO, await voWaiting(client, vo));
    for (const queues of perSlot)
      for (const { TaskQueueID, Jobs } of queues)
        if (!remaining.has(TaskQueueID)) remaining.set(TaskQueueID, Jobs);
    const demands = new Map<K, QueueDemand>();
    for (const [index, key] of [...slots.keys()].entries())
      demands.set(key, bookable(perSlot[index]!, remaining));
    return demands;
  }

  /** Matching task queues with their job counts, per slot; undefined without the route. */
  async #matching(
    client: DiracxClient,
    slots: readonly ResourceDescriptionBody[],
  ): Promise<MatchingQueues[] | undefined> {
    if (!this.#matcherRoute) return undefined;
    const answers: MatchingQueues[] = [];
    try {
      for (let first = 0; first < slots.length; first += MAX_SLOTS_PER_REQUEST)
        answers.push(
          ...(await client.request<MatchingQueues[]>(
            'Finding matching task queues',
            'POST',
            '/api/jobs/match/queues/bulk',
            { Slots: slots.slice(first, first + MAX_SLOTS_PER_REQUEST) },
          )),
        );
    } catch (error) {
      if (!(error instanceof DiracxHttpError) || error.status !== 404) throw error;
      this.#matcherRoute = false;
      return undefined;
    }
    return answers;
  }
}

function bookable(queues: MatchingQueues, remaining: Map<number, number>): QueueDemand {
  const ids = queues.map((q) => q.TaskQueueID);
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

async function voWaiting(client: DiracxClient, vo: string): Promise<number> {
  const rows = await client.summarizeJobs(
    ['Status'],
    [
      { parameter: 'Status', operator: 'eq', value: 'Waiting' },
      { parameter: 'VO', operator: 'eq', value: vo },
    ],
  );
  return rows.reduce((sum, row) => sum + Number(row.count ?? 0), 0);
}
