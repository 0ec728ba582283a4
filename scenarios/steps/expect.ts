import { DiracxHttpError } from '../../client/index.ts';
import { outputLfn } from '../../sim/index.ts';
import type { ScenarioContext } from '../context.ts';
import {
  type JobRow,
  forgottenStatuses,
  listed,
  lostJobs,
  matchedTooOften,
  pilotOutcomes,
} from '../invariants.ts';
import type { Step } from '../model.ts';
import { SessionEndedError } from '../session.ts';
import { TERMINAL } from './basic.ts';

const PAGE = 1000;

/** The run's jobs as the server stores them, read through each VO's administrator. */
export async function jobRows(ctx: ScenarioContext): Promise<Map<number, JobRow>> {
  const rows = new Map<number, JobRow>();
  const vos = [...new Set(ctx.aliases().map((a) => ctx.user(a).identity.vo))].sort();
  for (const vo of vos) {
    const admin = ctx.admin(vo);
    for (let page = 1; ; page++) {
      const found = await admin.searchJobs(
        {
          parameters: ['JobID', 'Status', 'MinorStatus', 'RescheduleCounter', 'VO', 'Owner'],
          search: [
            { parameter: 'JobGroup', operator: 'eq', value: ctx.jobGroup },
            { parameter: 'VO', operator: 'eq', value: vo },
          ],
          sort: [{ parameter: 'JobID', direction: 'asc' }],
        },
        page,
        PAGE,
      );
      for (const row of found) rows.set(Number(row.JobID), row as unknown as JobRow);
      if (found.length < PAGE) break;
    }
  }
  return rows;
}

/** A count, a range, or `all`: every job the run submitted (whoever could log in). */
type Expected = number | 'all' | { min?: number; max?: number };

function within(value: number, expected: Expected, submitted: number): boolean {
  if (expected === 'all') return value === submitted;
  if (typeof expected === 'number') return value === expected;
  return value >= (expected.min ?? -Infinity) && value <= (expected.max ?? Infinity);
}

function describeExpected(expected: Expected): string {
  if (typeof expected === 'number' || expected === 'all') return String(expected);
  if (expected.max === undefined) return `at least ${expected.min}`;
  if (expected.min === undefined) return `at most ${expected.max}`;
  return `${expected.min} to ${expected.max}`;
}

/** The server's count of the run's jobs in each status named. */
export function expectJobs(counts: Record<string, Expected>): Step {
  return {
    kind: 'expect.jobs',
    title: `jobs by status: ${Object.entries(counts)
      .map(([s, e]) => `${s} ${describeExpected(e)}`)
      .join(', ')}`,
    run: async (ctx) => {
      const byStatus: Record<string, number> = {};
      for (const row of (await jobRows(ctx)).values())
        byStatus[row.Status] = (byStatus[row.Status] ?? 0) + 1;
      const submitted = ctx.allJobIds().length;
      for (const [status, expected] of Object.entries(counts)) {
        const found = byStatus[status] ?? 0;
        ctx.check(
          `${describeExpected(expected)} jobs ${status}`,
          within(found, expected, submitted),
          `${found} ${status}${expected === 'all' ? ` of ${submitted} submitted` : ''} (all statuses: ${JSON.stringify(byStatus)})`,
        );
      }
    },
  };
}

/**
 * The invariants every run must keep, checked against the event log and the server:
 * every submitted job known and in a terminal state, none matched more often than queued,
 * and every final status the server acknowledged still stored.
 */
export function expectInvariants(): Step {
  return {
    kind: 'expect.invariants',
    title: 'no job lost, none matched twice, every job ended',
    run: async (ctx) => {
      const rows = await jobRows(ctx);
      const submitted = ctx.allJobIds();
      const lost = lostJobs(submitted, rows);
      ctx.check(
        'no submitted job was lost',
        lost.length === 0,
        lost.length === 0
          ? `all ${submitted.length} submitted jobs are known to the server`
          : `${lost.length} unknown to the server: ${listed(lost)}`,
      );
      const unfinished = submitted.filter((id) => !TERMINAL.has(rows.get(id)?.Status ?? ''));
      ctx.check(
        'every submitted job reached a terminal state',
        unfinished.length === 0,
        unfinished.length === 0
          ? `${submitted.length} jobs in ${[...new Set([...rows.values()].map((r) => r.Status))].sort().join(', ')}`
          : `${unfinished.length} not ended: ${listed(unfinished.map((id) => ({ job: id, status: rows.get(id)?.Status })))}`,
      );
      const twice = matchedTooOften(ctx.events, rows);
      ctx.check(
        'no job was matched twice',
        twice.length === 0,
        twice.length === 0
          ? `${ctx.events.filter((e) => e.kind === 'job.matched').length} matches, each to one pilot`
          : `${twice.length} jobs matched more often than queued: ${listed(twice)}`,
      );
      const forgotten = forgottenStatuses(ctx.events, rows);
      ctx.check(
        'every acknowledged final status is stored',
        forgotten.length === 0,
        forgotten.length === 0
          ? 'the server holds every final status it accepted'
          : `${forgotten.length} differ: ${listed(forgotten)}`,
      );
    },
  };
}

/**
 * Each Done job's output is in the catalog with at least `replicas` replicas, on SEs of
 * its output group, and each of those SEs holds the bytes the catalog describes.
 */
export function expectOutputsRegistered(replicas = 1): Step {
  return {
    kind: 'expect.outputs',
    title: `outputs of Done jobs registered with ${replicas}+ replica(s)`,
    run: async (ctx) => {
      const rows = [...(await jobRows(ctx)).values()].filter((r) => r.Status === 'Done');
      const problems: string[] = [];
      const byVo = Map.groupBy(rows, (row) => row.VO);
      for (const [vo, done] of [...byVo].sort(([a], [b]) => (a < b ? -1 : 1))) {
        const catalog = ctx.world.catalog(ctx.admin(vo));
        const lfns = done.map((row) => outputLfn(vo, row.Owner, row.JobID, 'out.dat'));
        for (let first = 0; first < lfns.length; first += 1000) {
          const slice = lfns.slice(first, first + 1000);
          const found = await catalog.getReplicas(slice);
          const metadata = await catalog.getFileMetadata(slice);
          for (const lfn of slice) {
            const at = Object.keys(found.Successful[lfn] ?? {}).sort();
            if (at.length < replicas) {
              problems.push(`${lfn}: ${at.length} replicas`);
              continue;
            }
            const size = metadata.Successful[lfn]?.Size;
            for (const se of at) {
              const stored = await ctx.storage.get(se)?.stat(lfn, vo);
              if (stored === undefined || stored.size !== size)
                problems.push(
                  `${lfn}: ${se} holds ${stored?.size ?? 'nothing'}, catalog says ${size}`,
                );
            }
          }
        }
      }
      ctx.check(
        'outputs are registered in the catalog with their replicas',
        problems.length === 0 && rows.length > 0,
        problems.length === 0
          ? `${rows.length} outputs, each on its SE with the catalogued size`
          : `${problems.length} problems: ${listed(problems)}`,
      );
    },
  };
}

/**
 * Every pilot the SiteDirector submitted is registered at the server, and those that ended
 * are stored with the final status the batch system reported.
 */
export function expectPilotsAccounted(): Step {
  return {
    kind: 'expect.pilots',
    title: 'every pilot accounted for',
    run: async (ctx) => {
      const outcomes = pilotOutcomes(ctx.events);
      const stored = new Map<string, string>();
      const vos = [...new Set(ctx.aliases().map((a) => ctx.user(a).identity.vo))].sort();
      const stamps = [...outcomes.keys()];
      for (const vo of vos)
        for (let first = 0; first < stamps.length; first += 500) {
          const rows = await ctx.admin(vo).searchPilots(
            {
              parameters: ['PilotStamp', 'Status'],
              search: [
                {
                  parameter: 'PilotStamp',
                  operator: 'in',
                  values: stamps.slice(first, first + 500),
                },
              ],
            },
            1,
            500,
          );
          for (const row of rows) stored.set(String(row.PilotStamp), String(row.Status));
        }
      const problems: string[] = [];
      for (const [stamp, outcome] of outcomes) {
        const status = stored.get(stamp);
        if (status === undefined) problems.push(`${stamp}: not registered`);
        else if (outcome !== undefined && status !== outcome)
          problems.push(`${stamp}: ended ${outcome}, stored ${status}`);
      }
      const ended = [...outcomes.values()].filter((o) => o !== undefined).length;
      ctx.check(
        'every pilot is accounted for',
        problems.length === 0 && outcomes.size > 0,
        problems.length === 0
          ? `${outcomes.size} pilots registered, ${ended} ended with the status reported`
          : `${problems.length} of ${outcomes.size}: ${listed(problems)}`,
      );
    },
  };
}

/**
 * Nothing of `other`'s VO is visible to `alias`, nor to their VO's administrator: not in
 * searches or summaries, not by job id, not their sandboxes, not their files.
 */
export function expectIsolation(alias: string, other: string): Step {
  return {
    kind: 'expect.isolation',
    title: `${alias} sees nothing of ${other}'s VO`,
    needs: ['identities'],
    run: async (ctx) => {
      const me = ctx.user(alias);
      const them = ctx.user(other);
      const theirIds = ctx.submitted.get(other) ?? [];
      if (me.identity.vo === them.identity.vo)
        throw new Error(`${alias} and ${other} are in the same VO`);
      if (theirIds.length === 0) throw new Error(`${other} has submitted no job`);
      const theirVo = them.identity.vo;
      const check = async (name: string, what: () => Promise<string[]>) => {
        const seen = await what();
        ctx.check(
          name,
          seen.length === 0,
          seen.length === 0 ? 'nothing visible' : `visible: ${listed(seen)}`,
        );
      };
      for (const [who, client] of [
        [alias, me.client],
        [`${me.identity.vo}'s administrator`, ctx.admin(me.identity.vo)],
      ] as const) {
        await check(`${who}'s job search shows no job of VO ${theirVo}`, async () => {
          const rows = await client.searchJobs({ parameters: ['JobID', 'VO'] }, 1, 10000);
          return rows
            .filter((r) => r.VO === theirVo || theirIds.includes(Number(r.JobID)))
            .map((r) => `job ${r.JobID}`);
        });
        await check(`${who} cannot find ${other}'s jobs by id`, async () => {
          const rows = await client.searchJobs(
            {
              parameters: ['JobID'],
              search: [{ parameter: 'JobID', operator: 'in', values: theirIds.slice(0, 100) }],
            },
            1,
            100,
          );
          return rows.map((r) => `job ${r.JobID}`);
        });
        await check(`${who}'s summary counts no job of VO ${theirVo}`, async () => {
          const rows = await client.summarizeJobs(['VO']);
          return rows.filter((r) => r.VO === theirVo).map((r) => JSON.stringify(r));
        });
      }
      const job = theirIds[0]!;
      const sandbox = ctx.sandboxes.get(other);
      const attempts: [string, () => Promise<unknown>][] = [
        [`${alias} cannot list ${other}'s job sandboxes`, () => me.client.jobSandbox(job, 'input')],
        [
          `${alias} cannot reschedule ${other}'s job`,
          () =>
            me.client.request('Rescheduling', 'POST', '/api/jobs/reschedule', { job_ids: [job] }),
        ],
        [
          `${alias} cannot change ${other}'s job status`,
          () =>
            me.client.setJobStatuses({
              [job]: { [new Date(ctx.world.engine.now()).toISOString()]: { Status: 'Killed' } },
            }),
        ],
        ...(sandbox === undefined
          ? []
          : ([
              [
                `${alias} cannot download ${other}'s sandbox`,
                () => me.client.downloadSandbox(sandbox),
              ],
            ] as [string, () => Promise<unknown>][])),
        ...(ctx.target.capabilities.has('catalog')
          ? ([
              [
                `${alias} cannot list VO ${theirVo}'s files`,
                () => ctx.world.catalog(me.client).listDirectory(`/${theirVo}`),
              ],
            ] as [string, () => Promise<unknown>][])
          : []),
      ];
      for (const [name, attempt] of attempts) {
        let outcome: string | undefined;
        try {
          outcome = await refusedOrFailed(attempt);
        } catch (error) {
          outcome = `failed unexpectedly: ${(error as Error).message}`;
        }
        ctx.check(name, outcome === undefined, outcome ?? 'refused');
      }
    },
  };
}

/** Undefined when the server refused (403/404, or a bulk answer that failed every item). */
async function refusedOrFailed(call: () => Promise<unknown>): Promise<string | undefined> {
  try {
    const answer = (await call()) as { success?: object; failed?: object } | undefined;
    if (
      answer !== undefined &&
      typeof answer === 'object' &&
      'success' in answer &&
      Object.keys(answer.success ?? {}).length === 0
    )
      return undefined;
    return `answered ${JSON.stringify(answer).slice(0, 160)}`;
  } catch (error) {
    if (error instanceof DiracxHttpError && [400, 403, 404].includes(error.status)) {
      // A reschedule that failed every job answers 400 with the report: refused too.
      return undefined;
    }
    throw error;
  }
}

/**
 * After its refresh token was revoked, the user's next call that needs a new token is
 * refused by the server, and the client stops cleanly (no retry loop, no crash).
 */
export function expectSessionEnded(alias: string): Step {
  return {
    kind: 'expect.session-ended',
    title: `${alias}'s session has ended`,
    needs: ['identities'],
    run: async (ctx) => {
      const { client } = ctx.user(alias);
      let outcome: string;
      let ended = false;
      try {
        await client.searchJobs({ parameters: ['JobID'] }, 1, 1);
        outcome = 'the call still succeeded';
      } catch (error) {
        if (!(error instanceof SessionEndedError)) throw error;
        ended = error.status >= 400 && error.status < 500;
        outcome = error.message;
      }
      ctx.check(`${alias} can no longer act once the refresh token is revoked`, ended, outcome);
    },
  };
}

/** Users' tokens expired and were renewed by refresh (with DiracX's short lifetimes). */
export function expectRefreshed(alias: string): Step {
  return {
    kind: 'expect.refreshed',
    title: `${alias}'s access token was refreshed`,
    needs: ['identities'],
    run: async (ctx) => {
      const { session } = ctx.user(alias);
      ctx.check(
        `${alias}'s expired access tokens were refreshed`,
        session.refreshes > 0 && session.ended === undefined,
        `${session.refreshes} refreshes${session.ended === undefined ? '' : `; ${session.ended.message}`}`,
      );
    },
  };
}
