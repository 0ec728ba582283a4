export { MAX_JOBS_PER_SUBMISSION, type SubmissionDeps, submitJdlJobs } from './submit.ts';
export {
  type HookContext,
  type HookDbs,
  type JobHookDefinition,
  type JobHooks,
  type ObserverContext,
  type StatusChange,
  type SubmissionContext,
  type SubmissionVerdict,
  type SubmittedJob,
  composeJobHooks,
  noJobHooks,
} from './hooks.ts';
export { expandParametric, isParametric } from './parametric.ts';
export { type PreparedJob, type Submitter, prepareJob } from './prepare-job.ts';
export { type Caller, type QueryDeps, jobStatuses, searchJobs, summarizeJobs } from './query.ts';
export {
  type JobStatusUpdate,
  type SetStatusResult,
  type StatusDeps,
  type WrittenAttributes,
  setJobStatuses,
} from './status.ts';
export { type HeartbeatDeps, heartbeat } from './heartbeat.ts';
export { type RescheduleDeps, type RescheduleResult, rescheduleJobs } from './reschedule.ts';
export { type MetadataDeps, setJobMetadata } from './metadata.ts';
export {
  type SandboxDeps,
  type SandboxSettings,
  type SandboxUser,
  assignOutputSandbox,
  initiateSandboxUpload,
  parsePfn,
  readSandbox,
  receiveSandboxUpload,
  checkSandboxUpload,
  type SignedUpload,
  sandboxDownloadUrl,
} from './sandboxes.ts';
export {
  type MatchConditions,
  type MatchDeps,
  type MatchLayer,
  type MatchedJob,
  type ResourceDescription,
  type MatchingQueue,
  matchConditions,
  matchJob,
  matchingQueues,
  matchingQueuesOfSlots,
  queueMatches,
  resourceTags,
} from './match.ts';
export { MATCH_SNAPSHOT_TTL_MS, MatchCache } from './match-cache.ts';
export {
  JOB_COUNT_TTL_MS,
  MatchLimits,
  type NegativeCondition,
  isExcluded,
  isExcludedEverywhere,
} from './match-limits.ts';
export { recalculateShares } from './shares.ts';
export { type RepairDeps, type RepairReport, repairInterruptedJobs } from './repair.ts';
