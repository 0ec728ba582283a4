import Type, { type Static } from 'typebox';

/** DiracX's job statuses (its JobStatus enum). */
export const JOB_STATUSES = [
  'Submitting',
  'Received',
  'Checking',
  'Staging',
  'Waiting',
  'Matched',
  'Running',
  'Stalled',
  'Completing',
  'Done',
  'Completed',
  'Failed',
  'Deleted',
  'Killed',
  'Rescheduled',
] as const;

export type JobStatus = (typeof JOB_STATUSES)[number];

/** What submission answers for each job created. */
export const InsertedJobSchema = Type.Object({
  JobID: Type.Integer(),
  Status: Type.String(),
  MinorStatus: Type.String(),
  TimeStamp: Type.String({ description: 'ISO 8601, UTC.' }),
});

export type InsertedJob = Static<typeof InsertedJobSchema>;
