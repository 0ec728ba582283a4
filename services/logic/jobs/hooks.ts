import {
  type Clock,
  type Config,
  ExtensionFailedError,
  GridboxError,
  type JdlRecord,
} from '../../core/index.ts';
import type { DbInterfaces, DbName, DbSet } from '../../db/index.ts';
import type { Submitter } from './prepare-job.ts';

/**
 * The DBs a hook declared in its `needs`, typed through the registry's DbInterfaces (an
 * extension's own DBs too, once it augments DbInterfaces). Asking for one it did not declare
 * throws: the app checks only the declared ones at start-up.
 */
export interface HookDbs<D extends DbName = DbName> {
  get<N extends D>(name: N): DbInterfaces[N];
}

/** What every hook is called with besides its input. */
export interface HookContext<D extends DbName = DbName> {
  readonly dbs: HookDbs<D>;
  readonly clock: Clock;
}

/** A submission hook's context: the configuration the request is served with. */
export interface SubmissionContext<D extends DbName = DbName> extends HookContext<D> {
  readonly config: Config;
}

/**
 * A status observer's context: the configuration of now, undefined while none is loaded
 * (status reports are taken before it is).
 */
export interface ObserverContext<D extends DbName = DbName> extends HookContext<D> {
  readonly config: Config | undefined;
}

/** One job description on its way to JobDB, as a submission hook sees it. */
export interface SubmittedJob {
  /**
   * The JDL as parsed, a parametric job already expanded into this one job; the owner
   * attributes the server sets (Owner, OwnerGroup, VirtualOrganization, JobRequirements…)
   * are not trusted from it, whatever a hook returns.
   */
  readonly jdl: JdlRecord;
  /** Who submits: from the token, never from the JDL. */
  readonly submitter: Readonly<Submitter>;
  /** `submit` for a new job; `reschedule` when a job goes back to the queue. */
  readonly reason: 'submit' | 'reschedule';
  /** The job's id on reschedule; undefined at submission (it has none yet). */
  readonly jobId: number | undefined;
}

/**
 * A submission hook's answer: nothing (or `{}`) keeps the JDL, `{ jdl }` uses that JDL
 * instead (checked by gridbox as if the user had sent it), `{ refuse }` refuses the job with
 * that reason (a 400 at submission; a failed job of the report on reschedule).
 */
export type SubmissionVerdict =
  { readonly jdl?: JdlRecord } | { readonly refuse: string } | undefined;

/** A status a job was moved to and committed; what a status observer receives. */
export interface StatusChange {
  readonly JobID: number;
  readonly Owner: string;
  readonly OwnerGroup: string;
  readonly VO: string;
  /** The status before; null when the job was just created. */
  readonly from: string | null;
  readonly to: string;
  readonly MinorStatus: string | null;
  /** Who reported it (`JobManager`, `Matcher`, `JobWrapper`…). */
  readonly Source: string;
  /** When it happened (the report's time), in ms since the epoch. */
  readonly timeMs: number;
}

/**
 * An extension's logic hooks, as DIRAC lets an installation add optimizer steps (LHCb's
 * checks and additions before a job is queued) and DiracX extensions wrap logic functions.
 * Every hook is optional; hooks of several entries run in the order the extensions were
 * loaded (and, within one, the order its module exports them).
 */
export interface JobHookDefinition<D extends DbName = DbName> {
  /** Its registry name; two entries may not share one. */
  readonly name: string;
  /** The DBs its hooks use; the app refuses to start when one is missing. */
  readonly needs: { readonly dbs: readonly D[] };
  /**
   * Called for each job before anything of its submission is written (and again when it is
   * rescheduled), after the JDL is parsed and before gridbox checks it. It may read its DBs;
   * it should not write (a later hook or gridbox's own check may still refuse the job).
   * Throwing one of gridbox's errors (InvalidRequestError…) answers with it; throwing
   * anything else answers 500 GBX_EXTENSION_FAILED naming the extension and the hook, with
   * nothing written.
   */
  readonly beforeSubmit?: (
    job: SubmittedJob,
    context: SubmissionContext<D>,
  ) => SubmissionVerdict | Promise<SubmissionVerdict>;
  /**
   * Called once per request with every status change it committed (in commit order), after
   * they are in JobDB and JobLoggingDB and before the answer is sent. Committed changes
   * cannot be undone, so what it throws is logged (naming the extension and the hook) and
   * the request is answered as if it had not been called.
   */
  readonly afterStatusChange?: (
    changes: readonly StatusChange[],
    context: ObserverContext<D>,
  ) => void | Promise<void>;
}

/** The hooks of every entry, composed, as the jobs logic calls them. */
export interface JobHooks {
  /** Every submission hook in turn on one job: the JDL to check, or the reason it is refused. */
  review(
    job: SubmittedJob,
    config: Config,
  ): Promise<{ readonly jdl: JdlRecord } | { readonly refuse: string }>;
  /** Every status observer in turn on the committed changes (none: not called). */
  statusChanged(changes: readonly StatusChange[], config: Config | undefined): Promise<void>;
}

/** No hooks: what gridbox alone runs. */
export const noJobHooks: JobHooks = {
  review: (job) => Promise.resolve({ jdl: job.jdl }),
  statusChanged: () => Promise.resolve(),
};

/**
 * Composes hook entries, in the order given, into what the logic calls. `origin` names the
 * extension of an entry (for messages); `logError` receives what a hook threw, with a
 * sentence naming the extension and the hook, since no answer carries it.
 */
export function composeJobHooks(
  definitions: readonly JobHookDefinition[],
  dbs: DbSet,
  clock: Clock,
  origin: (name: string) => string,
  logError: (error: unknown, message: string) => void,
): JobHooks {
  if (definitions.length === 0) return noJobHooks;
  const entries = definitions.map((definition) => ({
    definition,
    dbs: declaredDbs(definition, dbs),
    who: `the ${definition.name} hooks of the extension "${origin(definition.name)}"`,
  }));
  return {
    async review(job, config) {
      let jdl = job.jdl;
      for (const { definition, dbs, who } of entries) {
        if (definition.beforeSubmit === undefined) continue;
        let verdict: SubmissionVerdict;
        try {
          verdict = await definition.beforeSubmit({ ...job, jdl }, { dbs, config, clock });
        } catch (error) {
          if (error instanceof GridboxError) throw error;
          const message = `The submission hook of ${who} failed; the job was not ${job.reason === 'submit' ? 'submitted' : 'rescheduled'}`;
          logError(error, message);
          throw new ExtensionFailedError(message);
        }
        if (verdict === undefined) continue;
        if ('refuse' in verdict) return { refuse: verdict.refuse };
        if (verdict.jdl !== undefined) jdl = verdict.jdl;
      }
      return { jdl };
    },
    async statusChanged(changes, config) {
      if (changes.length === 0) return;
      for (const { definition, dbs, who } of entries) {
        if (definition.afterStatusChange === undefined) continue;
        try {
          await definition.afterStatusChange(changes, { dbs, config, clock });
        } catch (error) {
          logError(error, `The status observer of ${who} failed; the changes stand`);
        }
      }
    },
  };
}

function declaredDbs(definition: JobHookDefinition, dbs: DbSet): HookDbs {
  const declared = new Set<string>(definition.needs.dbs);
  return {
    get(name) {
      if (!declared.has(name))
        throw new Error(
          `the hooks "${definition.name}" use the DB ${name} without declaring it in needs.dbs`,
        );
      return dbs.get(name);
    },
  };
}
