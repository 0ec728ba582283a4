import { monotonicClock } from '../../core/index.ts';
import { ReadTickets } from './read-tickets.ts';

/** A job of a task queue as the matcher draws it. */
export interface QueuedJob {
  readonly jobId: number;
  readonly realPriority: number;
}

/** What was read of one queue, less the jobs claimed through this object since. */
interface Window {
  readonly jobs: QueuedJob[];
  /** The read saw every job of the queue (it asked for more than there were). */
  readonly complete: boolean;
  readonly readAtMs: number;
}

/** The most queues whose jobs are kept; past it, everything is dropped at once. */
const MAX_WINDOWS = 10_000;

/**
 * The first jobs of each task queue, lowest ids first, as the matcher reads them on every
 * match: kept between matches, and told of every change this process makes to the queues'
 * jobs, so that what it answers is what a read would give. A read costs more than a match's
 * other statements but one (it visits the queue's rows afresh each time, cache-cold under
 * load); consecutive matches on a queue take one job each out of the same rows.
 *
 * - A claim that succeeds removes its job; a claim that fails (another replica, or a job
 *   deleted behind the DB's back) drops the queue's window, as it was stale.
 * - An insertion or deletion of jobs drops every window, before and after it runs, and a
 *   read that overlapped one is not kept.
 * - A window is read again when it holds fewer jobs than asked for and did not see the
 *   whole queue, and when it is empty: an empty answer always comes from the database.
 * - Changes made by other processes on a shared database are seen once a window is
 *   `ttlMs` old (a monotonic wall clock); jobs are always claimed in the database, so until
 *   then a stale window can only offer jobs that turn out taken.
 */
export class JobWindows {
  readonly #windows = new Map<number, Window>();
  readonly #ttlMs: number;
  readonly #nowMs: () => number;
  readonly #tickets = new ReadTickets();

  constructor(ttlMs: number, nowMs: () => number = () => monotonicClock.nowMs()) {
    this.#ttlMs = ttlMs;
    this.#nowMs = nowMs;
  }

  /** The first `limit` jobs of the queue, or undefined when the database must be read. */
  jobs(tqId: number, limit: number): QueuedJob[] | undefined {
    const window = this.#windows.get(tqId);
    if (window === undefined) return undefined;
    if (
      window.jobs.length === 0 ||
      (window.jobs.length < limit && !window.complete) ||
      this.#nowMs() - window.readAtMs > this.#ttlMs
    ) {
      this.#windows.delete(tqId);
      return undefined;
    }
    return window.jobs.slice(0, limit);
  }

  /** Call before reading a queue's jobs; hand the answer to `keep` with the ticket. */
  ticket(): number {
    return this.#tickets.ticket();
  }

  /** Keeps what was read (lowest ids first), unless a change ran meanwhile. */
  keep(tqId: number, ticket: number, jobs: readonly QueuedJob[], complete: boolean): void {
    if (!this.#tickets.isCurrent(ticket)) return;
    if (this.#windows.size >= MAX_WINDOWS) this.#windows.clear();
    this.#windows.set(tqId, { jobs: [...jobs], complete, readAtMs: this.#nowMs() });
  }

  /** A claim of `jobId` in the queue won (true) or lost (false); the job, if it was kept. */
  claimed(tqId: number, jobId: number, won: boolean): QueuedJob | undefined {
    const window = this.#windows.get(tqId);
    if (window === undefined) return undefined;
    const at = window.jobs.findIndex((job) => job.jobId === jobId);
    if (won && at !== -1) return window.jobs.splice(at, 1)[0];
    this.#windows.delete(tqId);
    return undefined;
  }

  /** The queue is gone (deleted once empty). */
  dropped(tqId: number): void {
    this.#windows.delete(tqId);
  }

  /** Runs a change to the queues' jobs (insertion, deletion) with every window dropped. */
  change<T>(work: () => Promise<T>): Promise<T> {
    return this.#tickets.change(() => this.#windows.clear(), work);
  }
}
