import { type DiracxClient, DiracxHttpError } from '../../client/index.ts';
import type { ResourceDescriptionBody } from '../../services/core/index.ts';

/**
 * How many waiting jobs a queue's slots could run: DIRAC's SiteDirector sums the jobs of
 * the task queues that match the queue's description. gridbox answers that at
 * /api/jobs/match/queues; a server without it (DiracX has no matcher yet) gets the VO's
 * whole count of waiting jobs instead, which over-supplies pilots but never starves a queue.
 */
export class DemandProbe {
  #matcherRoute = true;

  async waitingJobs(client: DiracxClient, slot: ResourceDescriptionBody): Promise<number> {
    if (this.#matcherRoute) {
      try {
        const queues = await client.request<{ Jobs: number }[]>(
          'Finding matching task queues',
          'POST',
          '/api/jobs/match/queues',
          slot,
        );
        return queues.reduce((sum, q) => sum + q.Jobs, 0);
      } catch (error) {
        if (!(error instanceof DiracxHttpError) || error.status !== 404) throw error;
        this.#matcherRoute = false;
      }
    }
    const rows = await client.summarizeJobs(
      ['Status'],
      [
        { parameter: 'Status', operator: 'eq', value: 'Waiting' },
        { parameter: 'VO', operator: 'eq', value: slot.VO },
      ],
    );
    return rows.reduce((sum, row) => sum + Number(row.count ?? 0), 0);
  }
}
