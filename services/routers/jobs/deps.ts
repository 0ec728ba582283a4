import type { FastifyInstance } from 'fastify';
import {
  type HeartbeatDeps,
  type MatchDeps,
  type QueryDeps,
  type RescheduleDeps,
  type SandboxDeps,
  type SubmissionDeps,
  requireConfig,
} from '../../logic/index.ts';

/**
 * The jobs logic's dependencies, one builder per kind of route. Each is called per request,
 * so a route reads the configuration of now and needs only the DBs and the configuration its
 * logic uses (a status report works before any configuration is loaded).
 */
export interface JobsDeps {
  submission(): SubmissionDeps;
  query(): QueryDeps;
  /** For status reports, heartbeats and metadata. */
  jobs(): HeartbeatDeps;
  reschedule(): RescheduleDeps & HeartbeatDeps;
  sandbox(): SandboxDeps;
  match(): MatchDeps;
}

export function jobsDeps(app: FastifyInstance): JobsDeps {
  const config = () => requireConfig(app.configSource).config;
  const jobDb = () => app.dbs.get('JobDB');
  const jobLoggingDb = () => app.dbs.get('JobLoggingDB');
  const taskQueueDb = () => app.dbs.get('TaskQueueDB');
  const pilotAgentsDb = () => app.dbs.get('PilotAgentsDB');
  const jobs = (): HeartbeatDeps => ({
    jobDb: jobDb(),
    jobLoggingDb: jobLoggingDb(),
    taskQueueDb: taskQueueDb(),
    jobParametersDb: app.dbs.get('JobParametersDB'),
    clock: app.clock,
    hooks: app.jobHooks,
    config: app.configSource.current()?.config,
  });
  return {
    submission: () => ({
      jobDb: jobDb(),
      jobLoggingDb: jobLoggingDb(),
      taskQueueDb: taskQueueDb(),
      config: config(),
      clock: app.clock,
      hooks: app.jobHooks,
    }),
    query: () => ({
      jobDb: jobDb(),
      jobLoggingDb: jobLoggingDb(),
      pilotAgentsDb: pilotAgentsDb(),
      config: config(),
      searchAcrossVOs: app.jobsSettings.searchAcrossVOs,
    }),
    jobs,
    reschedule: () => ({ ...jobs(), config: config() }),
    sandbox: () => ({
      sandboxDb: app.dbs.get('SandboxMetadataDB'),
      store: app.sandboxes.store,
      settings: app.sandboxes.settings,
      clock: app.clock,
    }),
    match: () => ({
      jobDb: jobDb(),
      jobLoggingDb: jobLoggingDb(),
      taskQueueDb: taskQueueDb(),
      pilotAgentsDb: pilotAgentsDb(),
      resourceStatusDb: app.dbs.get('ResourceStatusDB'),
      config: config(),
      clock: app.clock,
      rng: app.rng,
      cache: app.matchCache,
    }),
  };
}
