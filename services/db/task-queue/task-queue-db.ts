import { type Insertable, type Kysely, sql } from 'kysely';
import { type Database, SqlDatabase } from '../database.ts';
import { MAX_BOUND_VALUES, chunksOf } from '../sql/chunks.ts';
import { PreparedQuery } from '../sql/prepared-query.ts';
import { transaction } from '../sql/node-sqlite-adapter.ts';
import { type PriorityCounts, QueuePriorityCounts, meanOf } from './priority-counts.ts';
import { JobWindows } from './job-windows.ts';
import type { TaskQueueDefinition } from './matching.ts';
import { TQ_REQUIREMENT_TABLES, type TaskQueueDBTables } from './schema.ts';

/** What groups jobs into one task queue: equal owner, group, VO, CPU bucket and sets. */
export interface TaskQueueKey {
  owner: string;
  ownerGroup: string;
  vo: string;
  /** Seconds, before bucketing. */
  cpuTime: number;
  sites: readonly string[];
  gridCEs: readonly string[];
  bannedSites: readonly string[];
  platforms: readonly string[];
  jobTypes: readonly string[];
  tags: readonly string[];
}

type SetName = Exclude<keyof TaskQueueKey, 'owner' | 'ownerGroup' | 'vo' | 'cpuTime'>;

/** Which table holds which set of a task queue's requirements. */
const SET_TABLES: Record<SetName, (typeof TQ_REQUIREMENT_TABLES)[number]> = {
  sites: 'tq_TQToSites',
  gridCEs: 'tq_TQToGridCEs',
  bannedSites: 'tq_TQToBannedSites',
  platforms: 'tq_TQToPlatforms',
  jobTypes: 'tq_TQToJobTypes',
  tags: 'tq_TQToTags',
};
const SET_NAMES = Object.keys(SET_TABLES) as SetName[];

/** DIRAC's CPU-time buckets (seconds): a job's CPUTime is rounded up to the first that holds it. */
export const CPU_TIME_BUCKETS_S = [
  360, 1800, 3600, 21600, 43200, 86400, 172800, 259200, 345600, 518400, 691200, 864000, 1080000,
];
/** A task queue holds at most this many jobs; more open a new queue with the same key. */
export const MAX_JOBS_PER_TASK_QUEUE = 5000;
const ROWS_PER_INSERT = 1000;
/** Queue signatures one TaskQueueDB keeps before it starts afresh (LHCb runs ~500 queues). */
const MAX_REMEMBERED_QUEUES = 100_000;
/** A queue's jobs are read this many times the matcher's window at once (see JobWindows). */
const WINDOW_READ_FACTOR = 4;
/** How long kept jobs of a database other processes may share are trusted, in milliseconds. */
const SHARED_WINDOW_TTL_MS = 1000;

/** One string for a queue's requirement sets, each sorted and without repeats. */
function signatureOf(sets: Record<SetName, readonly string[]>): string {
  return SET_NAMES.map((name) => sets[name].join('\u0000')).join('\u0001');
}

export function cpuTimeBucket(cpuTimeS: number): number {
  return CPU_TIME_BUCKETS_S.find((bucket) => bucket >= cpuTimeS) ?? CPU_TIME_BUCKETS_S.at(-1)!;
}

/** DIRAC's RealPriority: 0 becomes 1e-5 and 10 becomes 1e6, so 10 nearly always wins. */
export function realPriority(priority: number): number {
  const p = Math.trunc(priority);
  if (p <= 0) return 1e-5;
  if (p >= 10) return 1e6;
  return p;
}

/** A VO's group, whose queues share the group's JobShare. */
export interface QueueGroup {
  vo: string;
  ownerGroup: string;
}

/** Waiting jobs grouped by their requirements, ready for the matcher. */
export interface TaskQueueDB extends Database {
  /**
   * Puts jobs sharing one key in task queues of that key, each in the smallest queue with
   * room (creating one when none has); returns each job's queue id, in order.
   */
  insertJobs(
    jobs: readonly { jobId: number; userPriority: number }[],
    key: TaskQueueKey,
  ): Promise<number[]>;
  /**
   * insertJobs, telling also which queues it created: DIRAC splits a group's shares again
   * only when one of its queues appears (or goes), not for every job.
   */
  insertJobsReportingNewQueues(
    jobs: readonly { jobId: number; userPriority: number }[],
    key: TaskQueueKey,
  ): Promise<{ tqIds: number[]; newTqIds: number[] }>;
  /** The enabled queues of a VO that hold jobs, with their current priority. */
  candidateQueues(vo: string): Promise<{ tqId: number; priority: number }[]>;
  /**
   * Per queue of a group: its owner, its priority now, and the mean RealPriority of its jobs
   * (what shares are split by).
   */
  queueStats(
    vo: string,
    ownerGroup: string,
  ): Promise<{ tqId: number; owner: string; priority: number; meanRealPriority: number }[]>;
  setPriorities(priorities: ReadonlyMap<number, number>): Promise<void>;
  /**
   * A number that changes whenever this DB object changes what `candidateQueues(vo)` (or
   * `definitions`) would answer: a queue created, deleted, or going from empty to holding
   * jobs, or priorities set. Caches of those answers are valid while it stays the same.
   * Changes made through another connection to the database (another replica) are not
   * counted.
   */
  changeCount(vo: string): number;
  /** The requirements of these queues (they never change once a queue exists). */
  definitions(tqIds: readonly number[]): Promise<TaskQueueDefinition[]>;
  /** How many jobs each of these queues holds (queues without jobs are left out). */
  jobCounts(tqIds: readonly number[]): Promise<Map<number, number>>;
  /** Up to `limit` jobs of a queue with their priorities, lowest ids first. */
  queueJobs(tqId: number, limit: number): Promise<{ jobId: number; realPriority: number }[]>;
  /** Takes one job out of its queue; true only for the one caller that got it. */
  claimJob(tqId: number, jobId: number): Promise<boolean>;
  /** Deletes the queue if no job is left in it; true when it did. */
  dropIfEmpty(tqId: number): Promise<boolean>;
  /**
   * Takes jobs out of their queues, and deletes queues left empty. Returns the groups that
   * lost a queue, each once: their shares are to be split again (DIRAC's
   * deleteTaskQueueIfEmpty recalculates them).
   */
  deleteJobs(jobIds: readonly number[]): Promise<QueueGroup[]>;
  /** The queue a job waits in, if any. */
  taskQueueOf(jobId: number): Promise<number | undefined>;
  /** Which of these jobs wait in a queue. */
  queuedAmong(jobIds: readonly number[]): Promise<Set<number>>;
  /** Up to `limit` ids of queued jobs above `afterJobId`, lowest first: a walk over every queue. */
  queuedJobIds(afterJobId: number, limit: number): Promise<number[]>;
}

export class SqlTaskQueueDB extends SqlDatabase<TaskQueueDBTables> implements TaskQueueDB {
  /** Changes that concern one VO (queues created or refilled), by VO. */
  readonly #voChanges = new Map<string, number>();
  /** Changes whose VO is not at hand (queues deleted, priorities set): they count for every VO. */
  #allChanges = 0;
  /**
   * Only this process writes a private in-memory database; any other may be shared by
   * replicas, whose changes are seen within a second, as the matcher's snapshot sees theirs.
   */
  readonly #isPrivate = this.conn.displayUrl === 'sqlite::memory:';
  /** The jobs matches draw from, kept between matches (see JobWindows). */
  readonly #windows = new JobWindows(this.#isPrivate ? Infinity : SHARED_WINDOW_TTL_MS);
  /** The RealPriorities of each queue's jobs, kept on a private database only. */
  readonly #priorityCounts = new QueuePriorityCounts(this.#isPrivate);

  // The queries of every match, compiled once (see PreparedQuery).
  readonly #queueJobs = new PreparedQuery(this.db, (db, tqId: number, limit: number) =>
    db
      .selectFrom('tq_Jobs')
      .select(['JobId', 'RealPriority'])
      .where('TQId', '=', tqId)
      .orderBy('JobId')
      .limit(limit),
  );
  readonly #claimJob = new PreparedQuery(this.db, (db, tqId: number, jobId: number) =>
    db.deleteFrom('tq_Jobs').where('TQId', '=', tqId).where('JobId', '=', jobId),
  );
  readonly #hasJobs = new PreparedQuery(this.db, (db, tqId: number) =>
    db.selectFrom('tq_Jobs').select('JobId').where('TQId', '=', tqId).limit(1),
  );
  readonly #jobCounts = new PreparedQuery(this.db, (db, tqIds: readonly number[]) =>
    db
      .selectFrom('tq_Jobs')
      .select(['TQId', (eb) => eb.fn.countAll<number>().as('jobs')])
      .where('TQId', 'in', tqIds)
      .groupBy('TQId'),
  );
  readonly #groupQueues = new PreparedQuery(this.db, (db, vo: string, ownerGroup: string) =>
    db
      .selectFrom('tq_TaskQueues')
      .select(['TQId', 'Owner', 'Priority'])
      .where('VO', '=', vo)
      .where('OwnerGroup', '=', ownerGroup)
      .orderBy('TQId'),
  );
  readonly #priorityCountsOf = new PreparedQuery(this.db, (db, tqIds: readonly number[]) =>
    db
      .selectFrom('tq_Jobs')
      .select(['TQId', 'RealPriority', (eb) => eb.fn.countAll<number>().as('jobs')])
      .where('TQId', 'in', tqIds)
      .groupBy(['TQId', 'RealPriority']),
  );
  readonly #candidateQueues = new PreparedQuery(this.db, (db, vo: string) =>
    db
      .selectFrom('tq_TaskQueues')
      .select(['TQId', 'Priority'])
      .where('VO', '=', vo)
      .where('Enabled', '=', 1)
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom('tq_Jobs')
            .select('JobId')
            .whereRef('tq_Jobs.TQId', '=', 'tq_TaskQueues.TQId'),
        ),
      ),
  );
  // Those of submissions and of the share calculation.
  readonly #queuesOfKey = new PreparedQuery(
    this.db,
    (db, owner: string, ownerGroup: string, vo: string, cpuTime: number) =>
      db
        .selectFrom('tq_TaskQueues')
        .select('TQId')
        .where('Owner', '=', owner)
        .where('OwnerGroup', '=', ownerGroup)
        .where('VO', '=', vo)
        .where('CPUTime', '=', cpuTime),
  );
  readonly #insertJobs = new PreparedQuery(
    this.db,
    (db, rows: readonly Insertable<TaskQueueDBTables['tq_Jobs']>[]) =>
      db.insertInto('tq_Jobs').values(rows),
  );

  changeCount(vo: string): number {
    return this.#allChanges + (this.#voChanges.get(vo) ?? 0);
  }

  /** Counted once the change is committed, so that a read seeing the old count may be stale, never the other way round. */
  #changed(vo?: string): void {
    if (vo === undefined) this.#allChanges++;
    else this.#voChanges.set(vo, (this.#voChanges.get(vo) ?? 0) + 1);
  }

  /**
   * The requirement sets of queues this DB has read, by id, as signatureOf gives them. A
   * queue's sets never change, and ids are never reused (AUTOINCREMENT on SQLite, InnoDB's
   * persistent counter on MariaDB), so an entry stays true; queues this process creates are
   * read back like any other, as their transaction may yet roll back.
   */
  readonly #signatures = new Map<number, string>();

  async #learnSignatures(tx: Kysely<TaskQueueDBTables>, tqIds: readonly number[]) {
    if (tqIds.length === 0) return;
    if (this.#signatures.size + tqIds.length > MAX_REMEMBERED_QUEUES) this.#signatures.clear();
    const sets = new Map(
      tqIds.map((id) => [
        id,
        Object.fromEntries(SET_NAMES.map((n) => [n, [] as string[]])) as Record<SetName, string[]>,
      ]),
    );
    for (const chunk of chunksOf(tqIds))
      for (const name of SET_NAMES) {
        const rows = await tx
          .selectFrom(SET_TABLES[name])
          .select(['TQId', 'Value'])
          .where('TQId', 'in', chunk)
          .execute();
        for (const row of rows) sets.get(row.TQId)![name].push(row.Value);
      }
    for (const [id, values] of sets) {
      for (const name of SET_NAMES) values[name].sort();
      this.#signatures.set(id, signatureOf(values));
    }
  }

  async insertJobs(
    jobs: readonly { jobId: number; userPriority: number }[],
    key: TaskQueueKey,
  ): Promise<number[]> {
    return (await this.insertJobsReportingNewQueues(jobs, key)).tqIds;
  }

  async insertJobsReportingNewQueues(
    jobs: readonly { jobId: number; userPriority: number }[],
    key: TaskQueueKey,
  ): Promise<{ tqIds: number[]; newTqIds: number[] }> {
    if (jobs.length === 0) return { tqIds: [], newTqIds: [] };
    const cpuTime = cpuTimeBucket(key.cpuTime);
    const wanted = Object.fromEntries(
      SET_NAMES.map((name) => [name, [...new Set(key[name])].sort()]),
    ) as Record<SetName, string[]>;
    let isQueueFilled = false;
    const inserted = await this.#changeJobs(() =>
      transaction(this.db, async (tx) => {
        // 1. The queues of this key and how many jobs each holds, read once for the batch.
        const candidates = await this.#queuesOfKey.rows(
          tx,
          key.owner,
          key.ownerGroup,
          key.vo,
          cpuTime,
        );
        // Only the queues of exactly this key are counted: counting every queue of the owner's
        // CPU bucket made each request's cost grow with the backlog.
        const ids = candidates.map((c) => c.TQId);
        await this.#learnSignatures(
          tx,
          ids.filter((id) => !this.#signatures.has(id)),
        );
        const wantedSignature = signatureOf(wanted);
        const matching = ids.filter((id) => this.#signatures.get(id) === wantedSignature);
        const sizes = new Map<number, number>(matching.map((id) => [id, 0]));
        if (matching.length > 0) {
          const counted = await this.#jobCounts.rows(tx, matching);
          for (const c of counted) sizes.set(c.TQId, Number(c.jobs));
        }
        // 2. Each job in turn goes to the smallest queue with room, or to a new one.
        const tqIds: number[] = [];
        const newTqIds: number[] = [];
        while (tqIds.length < jobs.length) {
          let tqId: number | undefined;
          for (const [id, size] of sizes) {
            if (size >= MAX_JOBS_PER_TASK_QUEUE) continue;
            if (
              tqId === undefined ||
              size < sizes.get(tqId)! ||
              (size === sizes.get(tqId) && id < tqId)
            )
              tqId = id;
          }
          if (tqId === undefined) {
            tqId = await createQueue(tx, key, cpuTime, wanted);
            newTqIds.push(tqId);
          }
          // A new queue, or one left empty, now holds jobs: the matcher has a queue more.
          if ((sizes.get(tqId) ?? 0) === 0) isQueueFilled = true;
          sizes.set(tqId, (sizes.get(tqId) ?? 0) + 1);
          tqIds.push(tqId);
        }
        // 3. One insert per slice of rows, under every backend's limit on bound parameters.
        const rows = jobs.map((job, i) => ({
          TQId: tqIds[i]!,
          JobId: job.jobId,
          Priority: job.userPriority,
          RealPriority: realPriority(job.userPriority),
        }));
        for (let first = 0; first < rows.length; first += ROWS_PER_INSERT)
          await this.#insertJobs.execute(tx, rows.slice(first, first + ROWS_PER_INSERT));
        return { tqIds, newTqIds };
      }),
    );
    if (isQueueFilled) this.#changed(key.vo);
    return inserted;
  }

  async candidateQueues(vo: string) {
    const rows = await this.#candidateQueues.rows(this.db, vo);
    return rows.map((row) => ({ tqId: row.TQId, priority: Number(row.Priority) }));
  }

  async queueStats(vo: string, ownerGroup: string) {
    const queues = await this.#groupQueues.rows(this.db, vo, ownerGroup);
    const ticket = this.#priorityCounts.ticket();
    const counts = new Map<number, PriorityCounts>();
    const unread: number[] = [];
    for (const { TQId } of queues) {
      const kept = this.#priorityCounts.counts(TQId);
      if (kept === undefined) unread.push(TQId);
      else counts.set(TQId, kept);
    }
    for (const chunk of chunksOf(unread)) {
      for (const tqId of chunk) counts.set(tqId, new Map());
      for (const row of await this.#priorityCountsOf.rows(this.db, chunk))
        counts.get(row.TQId)!.set(Number(row.RealPriority), Number(row.jobs));
    }
    for (const tqId of unread) this.#priorityCounts.keep(tqId, ticket, counts.get(tqId)!);
    // Queues without jobs have no mean, as they have no row in DIRAC's join.
    return queues
      .filter((queue) => counts.get(queue.TQId)!.size > 0)
      .map((queue) => ({
        tqId: queue.TQId,
        owner: queue.Owner,
        priority: Number(queue.Priority),
        meanRealPriority: meanOf(counts.get(queue.TQId)!),
      }));
  }

  /** Runs an insertion or deletion of queued jobs, with what is kept of them dropped. */
  #changeJobs<T>(work: () => Promise<T>): Promise<T> {
    return this.#windows.change(() => this.#priorityCounts.change(work));
  }

  async setPriorities(priorities: ReadonlyMap<number, number>) {
    if (priorities.size === 0) return;
    // One statement per chunk, not one per queue: a group's share split again after a queue
    // emptied rewrote about 128 queues one by one, 2-3 ms inside a match (a round trip each
    // on MySQL).
    await transaction(this.db, async (tx) => {
      for (const chunk of chunksOf([...priorities], MAX_BOUND_VALUES / 3)) {
        const cases = sql.join(
          chunk.map(([tqId, priority]) => sql`when ${tqId} then ${priority}`),
          sql` `,
        );
        await tx
          .updateTable('tq_TaskQueues')
          .set({ Priority: sql<number>`case ${sql.ref('TQId')} ${cases} end` })
          .where(
            'TQId',
            'in',
            chunk.map(([tqId]) => tqId),
          )
          .execute();
      }
    });
    this.#changed();
  }

  async definitions(tqIds: readonly number[]) {
    if (tqIds.length === 0) return [];
    const queues = await this.db
      .selectFrom('tq_TaskQueues')
      .selectAll()
      .where('TQId', 'in', [...tqIds])
      .execute();
    const byId = new Map<number, TaskQueueDefinition>(
      queues.map((q) => [
        q.TQId,
        {
          tqId: q.TQId,
          owner: q.Owner,
          ownerGroup: q.OwnerGroup,
          vo: q.VO,
          cpuTime: Number(q.CPUTime),
          priority: Number(q.Priority),
          sites: [],
          gridCEs: [],
          bannedSites: [],
          platforms: [],
          jobTypes: [],
          tags: [],
        },
      ]),
    );
    for (const name of SET_NAMES) {
      const rows = await this.db
        .selectFrom(SET_TABLES[name])
        .select(['TQId', 'Value'])
        .where('TQId', 'in', [...tqIds])
        .execute();
      for (const row of rows) (byId.get(row.TQId)![name] as string[]).push(row.Value);
    }
    return [...byId.values()];
  }

  async jobCounts(tqIds: readonly number[]) {
    const counts = new Map<number, number>();
    if (tqIds.length === 0) return counts;
    const rows = await this.#jobCounts.rows(this.db, tqIds);
    for (const row of rows) counts.set(row.TQId, Number(row.jobs));
    return counts;
  }

  async queueJobs(tqId: number, limit: number) {
    const kept = this.#windows.jobs(tqId, limit);
    if (kept !== undefined) return kept;
    const ticket = this.#windows.ticket();
    // More than asked for: the next matches on the queue take theirs from the same read.
    const readLimit = limit * WINDOW_READ_FACTOR;
    const { rows } = await this.#queueJobs.execute(this.db, tqId, readLimit);
    const jobs = rows.map((row) => ({ jobId: row.JobId, realPriority: Number(row.RealPriority) }));
    this.#windows.keep(tqId, ticket, jobs, jobs.length < readLimit);
    return jobs.slice(0, limit);
  }

  async claimJob(tqId: number, jobId: number) {
    const result = await this.#claimJob.execute(this.db, tqId, jobId);
    const won = Number(result.numAffectedRows ?? 0) === 1;
    const kept = this.#windows.claimed(tqId, jobId, won);
    if (won) this.#priorityCounts.claimed(tqId, kept?.realPriority);
    else this.#priorityCounts.dropped(tqId);
    return won;
  }

  async dropIfEmpty(tqId: number): Promise<boolean> {
    const left = this.#hasJobs;
    const hasJobs = async (db: Kysely<TaskQueueDBTables>) =>
      (await left.execute(db, tqId)).rows.length > 0;
    // Most claims leave jobs behind: a plain read answers those without a transaction.
    if (await hasJobs(this.db)) return false;
    const isDropped = await transaction(this.db, async (tx) => {
      if (await hasJobs(tx)) return false;
      for (const table of TQ_REQUIREMENT_TABLES)
        await tx.deleteFrom(table).where('TQId', '=', tqId).execute();
      await tx.deleteFrom('tq_TaskQueues').where('TQId', '=', tqId).execute();
      return true;
    });
    if (isDropped) {
      this.#windows.dropped(tqId);
      this.#priorityCounts.dropped(tqId);
      this.#changed();
    }
    return isDropped;
  }

  async deleteJobs(jobIds: readonly number[]): Promise<QueueGroup[]> {
    if (jobIds.length === 0) return [];
    const groups = new Map<string, QueueGroup>();
    await this.#changeJobs(() =>
      transaction(this.db, async (tx) => {
        const queues = new Set<number>();
        for (const chunk of chunksOf(jobIds)) {
          const rows = await tx
            .selectFrom('tq_Jobs')
            .select('TQId')
            .distinct()
            .where('JobId', 'in', chunk)
            .execute();
          for (const { TQId } of rows) queues.add(TQId);
          await tx.deleteFrom('tq_Jobs').where('JobId', 'in', chunk).execute();
        }
        for (const TQId of queues) {
          if (await hasJobs(tx, TQId)) continue;
          const queue = await tx
            .selectFrom('tq_TaskQueues')
            .select(['VO', 'OwnerGroup'])
            .where('TQId', '=', TQId)
            .executeTakeFirst();
          for (const table of TQ_REQUIREMENT_TABLES)
            await tx.deleteFrom(table).where('TQId', '=', TQId).execute();
          await tx.deleteFrom('tq_TaskQueues').where('TQId', '=', TQId).execute();
          if (queue !== undefined)
            groups.set(`${queue.VO}\u0000${queue.OwnerGroup}`, {
              vo: queue.VO,
              ownerGroup: queue.OwnerGroup,
            });
        }
      }),
    );
    if (groups.size > 0) this.#changed();
    return [...groups.values()];
  }

  async taskQueueOf(jobId: number): Promise<number | undefined> {
    const row = await this.db
      .selectFrom('tq_Jobs')
      .select('TQId')
      .where('JobId', '=', jobId)
      .executeTakeFirst();
    return row?.TQId;
  }

  async queuedAmong(jobIds: readonly number[]): Promise<Set<number>> {
    if (jobIds.length === 0) return new Set();
    const rows = await this.db
      .selectFrom('tq_Jobs')
      .select('JobId')
      .where('JobId', 'in', [...jobIds])
      .execute();
    return new Set(rows.map((row) => Number(row.JobId)));
  }

  async queuedJobIds(afterJobId: number, limit: number): Promise<number[]> {
    const rows = await this.db
      .selectFrom('tq_Jobs')
      .select('JobId')
      .where('JobId', '>', afterJobId)
      .orderBy('JobId')
      .limit(limit)
      .execute();
    return rows.map((row) => Number(row.JobId));
  }
}

async function hasJobs(db: Kysely<TaskQueueDBTables>, tqId: number): Promise<boolean> {
  const left = await db
    .selectFrom('tq_Jobs')
    .select('JobId')
    .where('TQId', '=', tqId)
    .limit(1)
    .executeTakeFirst();
  return left !== undefined;
}

async function createQueue(
  tx: Kysely<TaskQueueDBTables>,
  key: TaskQueueKey,
  cpuTime: number,
  sets: Record<SetName, string[]>,
): Promise<number> {
  const inserted = await tx
    .insertInto('tq_TaskQueues')
    .values({
      Owner: key.owner,
      OwnerGroup: key.ownerGroup,
      VO: key.vo,
      CPUTime: cpuTime,
      Priority: 1,
      Enabled: 1,
    })
    .executeTakeFirstOrThrow();
  const tqId = Number(inserted.insertId);
  for (const name of SET_NAMES) {
    if (sets[name].length === 0) continue;
    await tx
      .insertInto(SET_TABLES[name])
      .values(sets[name].map((value) => ({ TQId: tqId, Value: value })))
      .execute();
  }
  return tqId;
}
