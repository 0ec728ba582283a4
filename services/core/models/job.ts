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
export const InsertedJobSchema = Type.Object(
  {
    JobID: Type.Integer(),
    Status: Type.String(),
    MinorStatus: Type.String(),
    TimeStamp: Type.String({ description: 'ISO 8601, UTC.' }),
  },
  { title: 'InsertedJob' },
);

export type InsertedJob = Static<typeof InsertedJobSchema>;

/** What a job's wrapper reports with each heartbeat (DiracX's HeartbeatData). */
export interface HeartbeatData {
  LoadAverage?: number;
  MemoryUsed?: number;
  Vsize?: number;
  AvailableDiskSpace?: number;
  CPUConsumed?: number;
  WallClockTime?: number;
  StandardOutput?: string;
}

/** A command for a job, delivered with the answer to its heartbeat. */
export interface JobCommand {
  job_id: number;
  command: string;
  arguments: string | null;
}
