import Type, { type Static, type TSchema } from 'typebox';

/**
 * The configuration (DIRAC's "CS") as DiracX reads it, with DIRAC's key names and spelling
 * (`PreferedUsername`, single r). Registry and Operations follow DiracX's Config model;
 * Resources adds what DIRAC keeps there (sites, CEs and their queues, SEs) and what the
 * simulator needs, under keys DiracX ignores. The schema doubles as the TypeScript type
 * and as the response schema of GET /api/config/.
 */

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const StringList = Type.Array(Type.String());
/** Unknown keys are mistakes in a configuration file, as in DiracX's model: reject them. */
const Closed = <P extends Record<string, TSchema>>(properties: P, options: object = {}) =>
  Type.Object(properties, { additionalProperties: false, ...options });

export const SupportInfoSchema = Closed({
  Email: Nullable(Type.String()),
  Webpage: Nullable(Type.String()),
  Message: Type.String(),
});

export const UserConfigSchema = Closed({
  PreferedUsername: Type.String({ description: "The user's name in DIRAC (sic: one r)." }),
  DNs: StringList,
  Email: Nullable(Type.String()),
  Suspended: StringList,
  Quota: Nullable(Type.Integer()),
});

export const GroupConfigSchema = Closed({
  Properties: Type.Array(Type.String(), { description: 'Security properties, sorted.' }),
  Users: Type.Array(Type.String(), { description: 'IdP subjects of the members.' }),
  JobShare: Type.Integer({ default: 1000 }),
  Quota: Nullable(Type.Integer()),
  AutoAddVOMS: Type.Boolean(),
  AutoUploadProxy: Type.Boolean(),
  AutoUploadPilotProxy: Type.Boolean(),
  AllowBackgroundTQs: Type.Boolean(),
  VOMSRole: Nullable(Type.String()),
  AutoSyncVOMS: Type.Boolean(),
});

export const VOConfigSchema = Closed({
  IdP: Closed({
    URL: Type.String({ description: "Issuer URL of the VO's identity provider." }),
    ClientID: Type.String(),
  }),
  DefaultGroup: Type.String(),
  Support: SupportInfoSchema,
  DefaultStorageQuota: Type.Number(),
  DefaultProxyLifeTime: Type.Integer(),
  VOMSName: Nullable(Type.String()),
  Users: Type.Record(Type.String(), UserConfigSchema, { description: 'Keyed by IdP subject.' }),
  Groups: Type.Record(Type.String(), GroupConfigSchema),
});

/**
 * DIRAC's per-site job limits (WorkloadManagementSystem/Client/Limiter.py), by the job
 * attributes its TaskQueueDB can exclude queues by: attribute → value → a number. A value
 * must be a whole number ≥ 0 (DIRAC refuses a site whose section holds anything else).
 */
const LimitValues = Type.Record(Type.String({ minLength: 1 }), Type.Integer({ minimum: 0 }));
const attributeLimits = () => ({
  JobType: Type.Optional(LimitValues),
  Site: Type.Optional(LimitValues),
  Owner: Type.Optional(LimitValues),
  OwnerGroup: Type.Optional(LimitValues),
});

export const JobLimitsSchema = Closed(attributeLimits(), {
  description: 'Job attribute (JobType, Site, Owner, OwnerGroup) → value → a number.',
});

export const SiteRunningLimitsSchema = Closed(
  {
    ...attributeLimits(),
    CEs: Type.Optional(
      Type.Record(Type.String(), JobLimitsSchema, {
        description:
          "Limits for pilots of one CE (the pilot's GridCE), still compared with the jobs of the whole site.",
      }),
    ),
  },
  { description: 'Job attribute → value → most jobs in Running, Matched or Stalled at the site.' },
);

export const JobSchedulingConfigSchema = Type.Object(
  {
    CheckJobLimits: Type.Optional(
      Type.Boolean({ description: 'Apply RunningLimit when matching (DIRAC default: true).' }),
    ),
    CheckMatchingDelay: Type.Optional(
      Type.Boolean({ description: 'Apply MatchingDelay when matching (DIRAC default: true).' }),
    ),
    RunningLimit: Type.Optional(
      Type.Record(Type.String(), SiteRunningLimitsSchema, { description: 'By site name.' }),
    ),
    MatchingDelay: Type.Optional(
      Type.Record(Type.String(), JobLimitsSchema, {
        description:
          'By site name: job attribute → value → seconds during which, after a match of a job with that value at the site, no other is matched there.',
      }),
    ),
  },
  // DIRAC keeps other options in this section (taskQueueCPUTimeIntervals…).
  { additionalProperties: true },
);

export const OperationsConfigSchema = Type.Object(
  {
    JobScheduling: Type.Optional(JobSchedulingConfigSchema),
    Services: Closed({
      JobMonitoring: Closed({ GlobalJobsInfo: Type.Boolean() }),
      JobScheduling: Closed({
        MaxRescheduling: Type.Integer(),
        EnableSharesCorrection: Type.Boolean(),
      }),
    }),
    JobDescription: Closed({
      DefaultCPUTime: Type.Integer(),
      DefaultPriority: Type.Integer(),
      MinCPUTime: Type.Integer(),
      MinPriority: Type.Integer(),
      MaxCPUTime: Type.Integer(),
      MaxPriority: Type.Integer(),
      MaxInputData: Type.Integer(),
      AllowedJobTypes: StringList,
    }),
  },
  // DiracX keeps many free-form sections here (Shares, Pilot, DataManagement…).
  { additionalProperties: true },
);

export const CE_TYPES = ['HTCondorCE', 'AREX', 'SSH', 'Cloud'] as const;
export const BATCH_SYSTEMS = ['SLURM', 'Condor'] as const;

export const QueueConfigSchema = Closed({
  maxCPUTime: Type.Integer({ description: 'Minutes of CPU a pilot may use (DIRAC spelling).' }),
  SI00: Type.Integer({ description: 'Benchmark of the worker nodes; sets the CPU normalisation.' }),
  MaxTotalJobs: Type.Integer({ description: 'Pilots running plus waiting, at most.' }),
  MaxWaitingJobs: Type.Integer({ description: 'Pilots waiting in the batch system, at most.' }),
  NumberOfProcessors: Type.Integer(),
  MaxRAM: Type.Integer({ description: 'Megabytes of memory per slot.' }),
  Platform: Type.String(),
  Tag: StringList,
  RequiredTag: StringList,
});

export const CEConfigSchema = Closed({
  CEType: Type.Enum([...CE_TYPES]),
  BatchSystem: Type.Optional(Type.Enum([...BATCH_SYSTEMS], { description: 'For SSH CEs.' })),
  SubmissionMode: Type.Enum(['Direct', 'Push'], {
    description: 'Push: jobs are sent to the resource (HPC without outbound network).',
  }),
  OS: Type.String(),
  Tag: StringList,
  RequiredTag: StringList,
  Queues: Type.Record(Type.String(), QueueConfigSchema),
  Simulation: Closed(
    {
      SubmissionLatencyS: Type.Number({
        description: 'Seconds from submission to the batch queue.',
      }),
      PilotFailureProbability: Type.Number({ minimum: 0, maximum: 1 }),
      DownProbability: Type.Number({ minimum: 0, maximum: 1 }),
    },
    { description: 'gridbox only: how the simulator models this CE.' },
  ),
});

export const SiteConfigSchema = Closed({
  Name: Type.String({ description: 'Short name, e.g. CERN for LCG.CERN.cern.' }),
  Coordinates: Type.String({ description: 'longitude:latitude' }),
  Mail: Type.String(),
  CE: Type.Array(Type.String(), { description: 'Names of the CEs below, as DIRAC lists them.' }),
  SE: Type.Array(Type.String(), { description: 'Names of the local SEs.' }),
  CEs: Type.Record(Type.String(), CEConfigSchema),
});

export const SEProtocolSchema = Closed({
  PluginName: Type.String(),
  Protocol: Type.String(),
  Host: Type.String(),
  Port: Type.Integer(),
  Path: Type.String(),
  WSUrl: Type.String(),
  Access: Type.Enum(['remote', 'local']),
});

const ACCESS_STATUS = Type.Enum(['Active', 'Degraded', 'Banned']);

export const SEConfigSchema = Closed({
  BackendType: Type.String(),
  SEType: Type.String({ description: 'TxDy: x > 0 is tape, y > 0 is disk.' }),
  ReadAccess: ACCESS_STATUS,
  WriteAccess: ACCESS_STATUS,
  RemoveAccess: ACCESS_STATUS,
  CheckAccess: ACCESS_STATUS,
  VO: Type.Array(Type.String(), { description: 'VOs allowed; empty means every VO.' }),
  AccessProtocols: Type.Record(Type.String(), SEProtocolSchema),
  Simulation: Closed(
    { CapacityTB: Type.Number(), FailureProbability: Type.Number({ minimum: 0, maximum: 1 }) },
    { description: 'gridbox only: how the simulator models this SE.' },
  ),
});

export const ResourcesConfigSchema = Closed({
  Computing: Closed({
    OSCompatibility: Type.Record(Type.String(), StringList, {
      description:
        'DIRAC platform → what its worker nodes also run: OS names and other platforms. A job for platform P may run on P and on every platform listing P.',
    }),
  }),
  Sites: Type.Record(Type.String(), Type.Record(Type.String(), SiteConfigSchema), {
    description: 'Grid (LCG, DIRAC, CLOUD…) → site name → site.',
  }),
  StorageElements: Type.Record(Type.String(), SEConfigSchema),
  StorageElementGroups: Type.Record(Type.String(), StringList),
});

export const ConfigSchema = Closed({
  DIRAC: Closed({ NoSetup: Type.Boolean() }),
  Registry: Type.Record(Type.String(), VOConfigSchema),
  Operations: Type.Record(Type.String(), OperationsConfigSchema),
  Resources: ResourcesConfigSchema,
});

export type SupportInfo = Static<typeof SupportInfoSchema>;
export type UserConfig = Static<typeof UserConfigSchema>;
export type GroupConfig = Static<typeof GroupConfigSchema>;
export type VOConfig = Static<typeof VOConfigSchema>;
export type OperationsConfig = Static<typeof OperationsConfigSchema>;
export type JobSchedulingConfig = Static<typeof JobSchedulingConfigSchema>;
export type JobLimits = Static<typeof JobLimitsSchema>;
export type QueueConfig = Static<typeof QueueConfigSchema>;
export type CEConfig = Static<typeof CEConfigSchema>;
export type CEType = (typeof CE_TYPES)[number];
export type SiteConfig = Static<typeof SiteConfigSchema>;
export type SEConfig = Static<typeof SEConfigSchema>;
export type SEProtocol = Static<typeof SEProtocolSchema>;
export type ResourcesConfig = Static<typeof ResourcesConfigSchema>;
export type Config = Static<typeof ConfigSchema>;
