import { ReadTickets } from './read-tickets.ts';

/** How many jobs of one queue hold each RealPriority. */
export type PriorityCounts = Map<number, number>;

/** The mean RealPriority of a queue's jobs; NaN for none. Summed in priority order. */
export function meanOf(counts: PriorityCounts): number {
  let sum = 0;
  let jobs = 0;
  for (const priority of [...counts.keys()].sort((a, b) => a - b)) {
    const n = counts.get(priority)!;
    sum += priority * n;
    jobs += n;
  }
  return sum / jobs;
}

/** The most queues whose counts are kept; past it, everything is dropped at once. */
const MAX_QUEUES = 100_000;

/**
 * The RealPriorities of each task queue's jobs, counted: what a group's shares are split by
 * (the mean of each queue), kept between splits. DIRAC reads them with an aggregate over
 * every job of the group, and a split runs whenever the matcher empties a queue: with a
 * million waiting jobs that read was about 26 ms, a fifth of the matcher's time.
 *
 * Only for a database no other process writes, told of every change this one makes:
 * - a claim removes its job's priority (given by the job's window), or drops the queue's
 *   counts when the priority is not at hand; a read that overlapped a claim is not kept;
 * - an insertion or deletion of jobs drops every count, before and after it runs, and a
 *   read that overlapped one is not kept;
 * - a deleted queue's counts go with it.
 */
export class QueuePriorityCounts {
  readonly #counts = new Map<number, PriorityCounts>();
  readonly #isEnabled: boolean;
  readonly #tickets = new ReadTickets();

  constructor(isEnabled: boolean) {
    this.#isEnabled = isEnabled;
  }

  /** The kept counts of a queue, or undefined when the database must be read. */
  counts(tqId: number): PriorityCounts | undefined {
    return this.#counts.get(tqId);
  }

  /** Call before reading queues' counts; hand the answer to `keep` with the ticket. */
  ticket(): number {
    return this.#tickets.ticket();
  }

  /** Keeps what was read, unless a change ran meanwhile. */
  keep(tqId: number, ticket: number, counts: PriorityCounts): void {
    if (!this.#isEnabled || !this.#tickets.isCurrent(ticket)) return;
    if (this.#counts.size >= MAX_QUEUES) this.#counts.clear();
    this.#counts.set(tqId, counts);
  }

  /** A job of the queue was claimed; its RealPriority if known. */
  claimed(tqId: number, realPriority: number | undefined): void {
    // A read under way may have counted the job or not: it is not kept.
    this.#tickets.invalidate();
    const counts = this.#counts.get(tqId);
    if (counts === undefined) return;
    const n = realPriority === undefined ? undefined : counts.get(realPriority);
    if (n === undefined) this.#counts.delete(tqId);
    else if (n === 1) counts.delete(realPriority!);
    else counts.set(realPriority!, n - 1);
  }

  /** The queue is gone (deleted once empty). */
  dropped(tqId: number): void {
    this.#tickets.invalidate();
    this.#counts.delete(tqId);
  }

  /** Runs a change to the queues' jobs (insertion, deletion) with every count dropped. */
  change<T>(work: () => Promise<T>): Promise<T> {
    return this.#tickets.change(() => this.#counts.clear(), work);
  }
}
