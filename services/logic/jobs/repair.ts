import { GridboxError, JdlSyntaxError, parseJdl } from '../../core/index.ts';
import { toSqlDateTime } from '../../db/index.ts';
import { type PreparedJob, type Submitter, prepareJob } from './prepare-job.ts';
import { removeFromTaskQueues } from './shares.ts';
import { type SubmissionDeps, queueJobs, runOptimizers } from './submit.ts';

export type RepairDeps = Pick<
  SubmissionDeps,
  'jobDb' | 'jobLoggingDb' | 'taskQueueDb' | 'clock' | 'config'
>;

/** What a repair did, job by job count. */
export interface RepairReport {
  /** Jobs taken through the optimizer chain again (left Submitting, Received or Checking). */
  optimized: number;
  /** Waiting jobs put back in a task queue. */
  requeued: number;
  /** Jobs whose JDL no longer passes the optimizers (the configuration changed): Failed. */
  failed: number;
  /** Task-queue rows removed because their job is no longer Waiting (or gone). */
  dequeued: number;
}

/** Jobs read per query, and the most pages one step reads: the walk is bounded. */
const PAGE = 500;
const MAX_PAGES = 100_000;

const UNOPTIMIZED = ['Submitting', 'Received', 'Checking'];

/**
 * Finishes what a stopped box left half done, as DIRAC's optimizers do on their next cycle.
 * A submission, a reschedule and a match each write several DBs one after the other, so a
 * kill in between can leave a job before the end of the optimizer chain, a Waiting job
 * outside every task queue (a match that claimed it but never recorded it), or a queue row
 * for a job that moved on (a kill that never reached the queue). Run at start, before any
 * request: with replicas sharing a database, starting one while another is submitting can
 * optimize a job twice (the second queue insert is refused), so start replicas first.
 */
export async function repairInterruptedJobs(deps: RepairDeps): Promise<RepairReport> {
  const report: RepairReport = { optimized: 0, requeued: 0, failed: 0, dequeued: 0 };

  // 1. Jobs the optimizer chain never finished: run it again from their original JDL.
  await eachPage(deps, UNOPTIMIZED, async (rows) => {
    for (const [submitter, jobs] of bySubmitter(rows)) {
      const prepared = await prepareAll(deps, submitter, jobs, report);
      for (const confirmFirst of [true, false]) {
        const batch = prepared.filter((job) => (job.status === 'Submitting') === confirmFirst);
        if (batch.length === 0) continue;
        await runOptimizers(
          deps,
          submitter,
          batch.map((job) => job.jobId),
          batch.map((job) => job.prepared),
          confirmFirst,
        );
        report.optimized += batch.length;
      }
    }
  });

  // 2. Waiting jobs in no task queue: queue them as the optimizers would have.
  await eachPage(deps, ['Waiting'], async (rows) => {
    const queued = await deps.taskQueueDb.queuedAmong(rows.map((row) => row.jobId));
    const lost = rows.filter((row) => !queued.has(row.jobId));
    for (const [submitter, jobs] of bySubmitter(lost)) {
      const prepared = await prepareAll(deps, submitter, jobs, report);
      if (prepared.length === 0) continue;
      await queueJobs(
        deps,
        submitter,
        prepared.map((job) => job.jobId),
        prepared.map((job) => job.prepared),
      );
      report.requeued += prepared.length;
    }
  });

  // 3. Queue rows of jobs that are no longer Waiting: the matcher would drop them one by one.
  let after = 0;
  for (let page = 0; page < MAX_PAGES; page++) {
    const ids = await deps.taskQueueDb.queuedJobIds(after, PAGE);
    if (ids.length === 0) break;
    after = ids[ids.length - 1]!;
    const states = await deps.jobDb.getStates(ids);
    const stale = ids.filter((id) => states.get(id)?.status !== 'Waiting');
    await removeFromTaskQueues(deps, stale);
    report.dequeued += stale.length;
  }
  return report;
}

interface StuckJob {
  jobId: number;
  status: string;
  submitter: Submitter;
}

/** Calls `work` with every job in one of `statuses`, a page at a time, by increasing id. */
async function eachPage(
  deps: RepairDeps,
  statuses: readonly string[],
  work: (rows: StuckJob[]) => Promise<void>,
): Promise<void> {
  let after = 0;
  for (let page = 0; page < MAX_PAGES; page++) {
    const { rows } = await deps.jobDb.search({
      parameters: ['JobID', 'Status', 'Owner', 'OwnerGroup', 'VO'],
      filters: [
        { parameter: 'Status', operator: 'in', values: [...statuses] },
        { parameter: 'JobID', operator: 'gt', value: after },
      ],
      sorts: [{ parameter: 'JobID', direction: 'asc' }],
      distinct: false,
      offset: 0,
      limit: PAGE,
    });
    if (rows.length === 0) return;
    after = Number(rows[rows.length - 1]!.JobID);
    await work(
      rows.map((row) => ({
        jobId: Number(row.JobID),
        status: String(row.Status),
        submitter: {
          preferred_username: String(row.Owner),
          dirac_group: String(row.OwnerGroup),
          vo: String(row.VO),
        },
      })),
    );
    if (rows.length < PAGE) return;
  }
}

function bySubmitter(rows: readonly StuckJob[]): Map<Submitter, StuckJob[]> {
  const groups = new Map<string, { submitter: Submitter; jobs: StuckJob[] }>();
  for (const row of rows) {
    const key = JSON.stringify(row.submitter);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, { submitter: row.submitter, jobs: [row] });
    else group.jobs.push(row);
  }
  return new Map([...groups.values()].map(({ submitter, jobs }) => [submitter, jobs]));
}

/** Each job prepared again from its original JDL; one that no longer passes is Failed. */
async function prepareAll(
  deps: RepairDeps,
  submitter: Submitter,
  jobs: readonly StuckJob[],
  report: RepairReport,
): Promise<(StuckJob & { prepared: PreparedJob })[]> {
  const prepared: (StuckJob & { prepared: PreparedJob })[] = [];
  const nowMs = deps.clock.nowMs();
  for (const job of jobs) {
    try {
      const record = parseJdl(await deps.jobDb.getOriginalJdl(job.jobId));
      prepared.push({ ...job, prepared: prepareJob(record, submitter, deps.config) });
    } catch (error) {
      if (!(error instanceof GridboxError || error instanceof JdlSyntaxError)) throw error;
      const minorStatus = `Optimizers at restart: ${error.message}`.slice(0, 128);
      await deps.jobDb.setAttributes([job.jobId], {
        Status: 'Failed',
        MinorStatus: minorStatus,
        LastUpdateTime: toSqlDateTime(nowMs),
      });
      await deps.jobLoggingDb.insertRecords([
        {
          jobId: job.jobId,
          status: 'Failed',
          minorStatus,
          applicationStatus: 'Unknown',
          timeMs: nowMs,
          source: 'JobScheduling',
        },
      ]);
      report.failed++;
    }
  }
  return prepared;
}
