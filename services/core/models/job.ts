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

/** Job ids, as DiracX's bulk routes take them. */
export const JobIdsSchema = Type.Array(Type.Integer({ minimum: 1 }), {
  minItems: 1,
  maxItems: 10000,
});

/** What submission takes: one parametric JDL, or several plain ones. */
export const JdlListSchema = Type.Array(Type.String(), {
  description: 'JDLs; one parametric JDL, or several plain ones.',
});

/** The three statuses of each job, by job id (DiracX's earlier bulk status route). */
export const JobStatusesSchema = Type.Record(
  Type.String(),
  Type.Object({
    Status: Type.String(),
    MinorStatus: Type.String(),
    ApplicationStatus: Type.String(),
  }),
);

/** One status report of a job (DiracX's JobStatusUpdate); every field may be left out. */
export const JobStatusUpdateSchema = Type.Object(
  {
    Status: Type.Optional(Type.Enum([...JOB_STATUSES], { title: 'JobStatus' })),
    MinorStatus: Type.Optional(Type.String({ maxLength: 128 })),
    ApplicationStatus: Type.Optional(Type.String({ maxLength: 255 })),
    Source: Type.Optional(Type.String({ maxLength: 128 })),
  },
  { additionalProperties: false, title: 'JobStatusUpdate' },
);

/** Status reports keyed by job id, then by the (time-zoned) time of each report. */
export const SetJobStatusBodySchema = Type.Record(
  Type.String({ pattern: '^[0-9]+$' }),
  Type.Record(Type.String(), JobStatusUpdateSchema),
  { additionalProperties: false },
);

const Nullable = (schema: ReturnType<typeof Type.String>) => Type.Union([schema, Type.Null()]);

/** What a status report wrote for one job (DiracX's SetJobStatusReturnSuccess). */
export const SetJobStatusReturnSuccessSchema = Type.Object(
  {
    Status: Nullable(Type.String()),
    MinorStatus: Nullable(Type.String()),
    ApplicationStatus: Nullable(Type.String()),
    HeartBeatTime: Nullable(Type.String()),
    StartExecTime: Nullable(Type.String()),
    EndExecTime: Nullable(Type.String()),
    LastUpdateTime: Nullable(Type.String()),
  },
  { title: 'SetJobStatusReturnSuccess' },
);

/** The answer to status reports: what was written, and why the rest was not. */
export const SetJobStatusReturnSchema = Type.Object(
  {
    success: Type.Record(Type.String(), SetJobStatusReturnSuccessSchema),
    failed: Type.Record(Type.String(), Type.Object({ detail: Type.String() })),
  },
  { title: 'SetJobStatusReturn' },
);

const measurement = Type.Optional(Type.Number());

/** What a job's wrapper reports with each heartbeat (DiracX's HeartbeatData). */
export const HeartbeatDataSchema = Type.Object(
  {
    LoadAverage: measurement,
    MemoryUsed: measurement,
    Vsize: measurement,
    AvailableDiskSpace: measurement,
    CPUConsumed: measurement,
    WallClockTime: measurement,
    StandardOutput: Type.Optional(Type.String({ maxLength: 1_000_000 })),
  },
  { additionalProperties: false, title: 'HeartbeatData' },
);

/** Heartbeats keyed by job id. */
export const HeartbeatBodySchema = Type.Record(
  Type.String({ pattern: '^[0-9]+$' }),
  HeartbeatDataSchema,
  { additionalProperties: false },
);

/** A command for a job, delivered with the answer to its heartbeat. */
export const JobCommandSchema = Type.Object(
  {
    job_id: Type.Integer(),
    command: Type.String(),
    arguments: Type.Union([Type.String(), Type.Null()]),
  },
  { title: 'JobCommand' },
);

export type HeartbeatData = Static<typeof HeartbeatDataSchema>;
export type JobCommand = Static<typeof JobCommandSchema>;

/** The jobs to send back to the queue. */
export const RescheduleBodySchema = Type.Object(
  { job_ids: JobIdsSchema },
  { additionalProperties: false, title: 'Body_jobs_reschedule_jobs' },
);

/** What a reschedule did: the jobs rescheduled, and why the rest were not. */
export const RescheduleReturnSchema = Type.Object({
  success: Type.Record(Type.String(), Type.Record(Type.String(), Type.Unknown())),
  failed: Type.Record(Type.String(), Type.Object({ detail: Type.String() })),
});

/** Job attributes and parameters to set, keyed by job id (DiracX's JobMetaData). */
export const JobMetaDataBodySchema = Type.Record(
  Type.String({ pattern: '^[0-9]+$' }),
  Type.Record(Type.String(), Type.Unknown(), { title: 'JobMetaData' }),
  {
    additionalProperties: false,
  },
);

export type JdlList = Static<typeof JdlListSchema>;
export type JobStatusUpdate = Static<typeof JobStatusUpdateSchema>;
export type SetJobStatusBody = Static<typeof SetJobStatusBodySchema>;
export type SetJobStatusReturn = Static<typeof SetJobStatusReturnSchema>;
export type HeartbeatBody = Static<typeof HeartbeatBodySchema>;
