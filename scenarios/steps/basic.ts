import { placeReplica } from '../../sim/index.ts';
import type { Step } from '../model.ts';
import type { ScenarioContext, UserSpec } from '../context.ts';
import {
  DEFAULT_SHAPE,
  type JobShape,
  type Template,
  offeredTags,
  templateJdl,
} from '../templates.ts';

/** DiracX's statuses after which nothing happens to a job unless someone reschedules it. */
export const TERMINAL = new Set(['Done', 'Failed', 'Killed', 'Deleted']);

const hours = (s: number) =>
  s >= 3600 ? `${+(s / 3600).toFixed(1)} h` : `${Math.round(s / 60)} min`;

/** Logs a fixture user in, under a name the later steps use. */
export function login(alias: string, spec: UserSpec = {}): Step {
  const who = `${spec.role ?? 'user'} ${spec.index ?? 0} of VO ${spec.vo ?? 0}`;
  return {
    kind: 'login',
    title: `log in as ${alias} (${who})`,
    needs: spec.vo !== undefined && spec.vo > 0 ? ['identities'] : [],
    run: async (ctx) => {
      await ctx.login(alias, spec);
    },
    skipped: (ctx, reason) => ctx.absent(alias, reason),
  };
}

export interface SubmitOptions {
  template?: Template;
  /** For parametric jobs: the jobs each JDL expands to (at most 20, DiracX's limit). */
  parameters?: number;
  shape?: Partial<JobShape>;
}

/**
 * Submits `count` jobs of a template as the user, with an input sandbox uploaded once per
 * user; plain JDLs go 20 to a request (DiracX's limit), parametric ones one to a request.
 */
export function submit(alias: string, count: number, options: SubmitOptions = {}): Step {
  const template = options.template ?? 'plain';
  return {
    kind: 'submit',
    title: `${alias} submits ${count} ${template} jobs`,
    run: async (ctx) => {
      const { client, identity } = ctx.user(alias);
      const rng = ctx.world.rng.fork(`submit/${alias}/${ctx.submitted.get(alias)?.length ?? 0}`);
      let sandbox = ctx.sandboxes.get(alias);
      if (sandbox === undefined) {
        const tarball = new Uint8Array(2048);
        for (let i = 0; i < tarball.length; i++) tarball[i] = rng.int(0, 255);
        sandbox = await client.uploadSandbox(tarball);
        ctx.sandboxes.set(alias, sandbox);
      }
      const shape = { ...DEFAULT_SHAPE, ...options.shape };
      const tags = template === 'tagged' ? offeredTags(ctx.target.fixtureSet.config) : undefined;
      if (template === 'tagged' && tags === undefined)
        throw new Error('no queue of this grid offers a tag for tagged jobs to require');
      const dataset = ctx.datasets.get(identity.vo) ?? [];
      if (template === 'input-data' && dataset.length === 0)
        throw new Error(`VO ${identity.vo} has no dataset: add an upload-dataset step first`);
      const perJdl = template === 'parametric' ? Math.min(20, options.parameters ?? 10) : 1;
      const jdls: string[] = [];
      for (let made = 0; made < count; made += perJdl) {
        const pick = () => dataset[rng.int(0, dataset.length - 1)]!;
        jdls.push(
          templateJdl(
            {
              template,
              name: `${ctx.scenario.name}_${alias}_${jdls.length}`,
              jobGroup: ctx.jobGroup,
              sandbox,
              shape,
              parameters: Math.min(perJdl, count - made),
              ...(tags === undefined ? {} : { tags }),
              ...(template === 'input-data'
                ? { inputData: [...new Set([pick(), ...(rng.next() < 0.5 ? [pick()] : [])])] }
                : {}),
            },
            rng,
          ),
        );
      }
      const batch = template === 'parametric' ? 1 : 20;
      for (let first = 0; first < jdls.length; first += batch) {
        const inserted = await client.submitJdl(jdls.slice(first, first + batch));
        ctx.noteSubmitted(
          alias,
          inserted.map((job) => job.JobID),
        );
      }
    },
  };
}

/**
 * Puts a dataset for the VO of `alias` on the VO's disk SEs (one or two replicas each) and
 * registers it in the catalog, as a production manager does, for input-data jobs to read.
 */
export function uploadDataset(alias: string, files: number, replicas?: 1 | 2): Step {
  return {
    kind: 'upload-dataset',
    title: `a dataset of ${files} files for ${alias}'s VO`,
    run: async (ctx) => {
      const { vo } = ctx.user(alias).identity;
      const rng = ctx.world.rng.fork(`dataset/${vo}`);
      const disks = (ctx.target.fixtureSet.config.Resources.StorageElementGroups['SE-USER'] ?? [])
        .filter((se) => {
          const config = ctx.target.fixtureSet.config.Resources.StorageElements[se];
          return ctx.storage.has(se) && (config?.VO.length === 0 || config?.VO.includes(vo));
        })
        .sort();
      if (disks.length === 0) throw new Error(`no disk SE of SE-USER serves VO ${vo}`);
      const catalog = ctx.world.catalog(ctx.admin(vo));
      const lfns = ctx.datasets.get(vo) ?? [];
      for (let i = 0; i < files; i++) {
        const lfn = `/${vo}/scenario/${ctx.jobGroup}/input/f${String(lfns.length).padStart(5, '0')}.dat`;
        const data = new Uint8Array(rng.int(512, 4096));
        for (let b = 0; b < data.length; b++) data[b] = rng.int(0, 255);
        const copies = Math.min(disks.length, replicas ?? (rng.next() < 0.5 ? 2 : 1));
        const first = rng.int(0, disks.length - 1);
        for (let n = 0; n < copies; n++) {
          const se = disks[(first + n) % disks.length]!;
          await placeReplica(ctx.world, catalog, { lfn, data, vo, se, first: n === 0 });
        }
        lfns.push(lfn);
      }
      ctx.datasets.set(vo, lfns);
    },
  };
}

/** Starts the SiteDirector, push agents and StalledJobAgent for the VOs logged in. */
export function startGrid(): Step {
  return {
    kind: 'grid.start',
    title: 'start the simulated grid',
    run: async (ctx) => ctx.startGrid(),
  };
}

/**
 * A check of the scenario's own, over what the run saw (`ctx.events`, `ctx.jobStatus`…):
 * `verdict` says whether it holds and what was found.
 */
export function expectThat(
  name: string,
  verdict: (ctx: ScenarioContext) => { passed: boolean; message: string },
): Step {
  return {
    kind: 'expect.custom',
    title: name,
    run: async (ctx) => {
      const { passed, message } = verdict(ctx);
      ctx.check(name, passed, message);
    },
  };
}

/** Lets model time pass with the grid running. */
export function advance(modelS: number): Step {
  return {
    kind: 'advance',
    title: `let ${hours(modelS)} pass`,
    run: (ctx) => ctx.advance(modelS),
  };
}

/**
 * Runs the grid until `what` holds, at most `timeoutS` model seconds. The wait is a check:
 * a run that never gets there fails with the state it was in, and the steps after it still
 * run, so the report shows what else broke.
 */
export function waitFor(
  what: string,
  condition: (ctx: ScenarioContext) => boolean,
  timeoutS: number,
): Step {
  return {
    kind: 'wait',
    title: `wait until ${what} (at most ${hours(timeoutS)})`,
    run: async (ctx) => {
      const startS = ctx.modelS();
      const held = await ctx.waitUntil(() => condition(ctx), timeoutS);
      ctx.check(
        `${what} within ${hours(timeoutS)}`,
        held,
        held
          ? `after ${hours(ctx.modelS() - startS)}`
          : `not after ${hours(timeoutS)}; jobs by status: ${JSON.stringify(countStatuses(ctx))}`,
      );
    },
  };
}

/** The run's jobs by the status the grid last saw. */
export function countStatuses(ctx: ScenarioContext): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const jobId of ctx.allJobIds()) {
    const status = ctx.jobStatus.get(jobId) ?? 'Unknown';
    counts[status] = (counts[status] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Conditions for `waitFor`. */
export const when = {
  allEnded: (ctx: ScenarioContext) => ctx.world.jobs.total > 0 && ctx.world.jobs.open === 0,
  inStatus:
    (status: string, atLeast: number) =>
    (ctx: ScenarioContext): boolean =>
      ctx.allJobIds().filter((id) => ctx.jobStatus.get(id) === status).length >= atLeast,
  pilotsRunning:
    (atLeast: number) =>
    (ctx: ScenarioContext): boolean =>
      [...ctx.world.controls.pilots.values()].length >= atLeast,
  noLivePilots: (ctx: ScenarioContext) => ctx.world.controls.pilots.size === 0,
  /** Every job that ran on a killed pilot was noticed: Stalled, or already Failed. */
  orphansStalled: (ctx: ScenarioContext) =>
    ctx.orphans.size > 0 &&
    [...ctx.orphans].every((job) => ['Stalled', 'Failed'].includes(ctx.jobStatus.get(job) ?? '')),
};

/**
 * The user sends their jobs now in `status` back to the queue (DiracX's reschedule), and
 * the grid waits for them again.
 */
export function reschedule(alias: string, statuses: readonly string[]): Step {
  return {
    kind: 'reschedule',
    title: `${alias} reschedules their ${statuses.join(' and ')} jobs`,
    run: async (ctx) => {
      const { client } = ctx.user(alias);
      const ids = (ctx.submitted.get(alias) ?? []).filter((id) =>
        statuses.includes(ctx.jobStatus.get(id) ?? ''),
      );
      ctx.check(
        `${alias} has ${statuses.join(' or ')} jobs to reschedule`,
        ids.length > 0,
        `${ids.length} jobs`,
      );
      if (ids.length === 0) return;
      const result = await client.request<{ success: Record<string, unknown>; failed: object }>(
        'Rescheduling jobs',
        'POST',
        '/api/jobs/reschedule',
        { job_ids: ids },
      );
      for (const id of Object.keys(result.success).map(Number)) {
        ctx.world.jobs.reopened(id);
        ctx.record('job.rescheduled', { job: id });
      }
      ctx.check(
        `every ${statuses.join(' or ')} job of ${alias} was rescheduled`,
        Object.keys(result.failed).length === 0,
        `${Object.keys(result.success).length} rescheduled, failed: ${JSON.stringify(result.failed)}`,
      );
    },
  };
}
