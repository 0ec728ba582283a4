import Type, { type Static } from 'typebox';

/** DIRAC takes one value or a list for each multi-valued field of a resource description. */
const OneOrMany = (maxLength: number) =>
  Type.Union([
    Type.String({ maxLength }),
    Type.Array(Type.String({ maxLength }), { maxItems: 256 }),
  ]);

/**
 * What a pilot says of the slot it offers when it asks for a job (the JobAgent's description).
 * As in DIRAC's TaskQueueDB only CPUTime is required (and the VO, which gridbox scopes by);
 * Site, GridCE, Platform and JobType restrict nothing when absent, empty or ANY (any spelling).
 */
export const ResourceDescriptionSchema = Type.Object(
  {
    VO: Type.String({ maxLength: 64 }),
    Site: Type.Optional(OneOrMany(128)),
    GridCE: Type.Optional(OneOrMany(128)),
    Queue: Type.Optional(Type.String({ maxLength: 128 })),
    Platform: Type.Optional(OneOrMany(64)),
    Tag: Type.Optional(OneOrMany(4096)),
    RequiredTag: Type.Optional(OneOrMany(4096)),
    CPUTime: Type.Integer({ minimum: 0, description: 'HS06 seconds the slot can still give.' }),
    NumberOfProcessors: Type.Optional(Type.Integer({ minimum: 1, maximum: 1024 })),
    MaxRAM: Type.Optional(Type.Integer({ minimum: 0, description: 'Megabytes.' })),
    WholeNode: Type.Optional(Type.Boolean()),
    OwnerGroup: Type.Optional(OneOrMany(128)),
    JobType: Type.Optional(OneOrMany(32)),
    PilotStamp: Type.Optional(Type.String({ maxLength: 32 })),
  },
  { additionalProperties: false },
);

/** What a pilot gets back: the job and what it needs to run it. */
export const MatchedJobSchema = Type.Object({
  JobID: Type.Integer(),
  JDL: Type.String(),
  Owner: Type.String(),
  OwnerGroup: Type.String(),
  VO: Type.String(),
});

/** A task queue a slot could draw jobs from, with its job count. */
export const MatchingTaskQueueSchema = Type.Object({
  TaskQueueID: Type.Integer(),
  Jobs: Type.Integer(),
  OwnerGroup: Type.String(),
  CPUTime: Type.Integer(),
  Priority: Type.Number(),
});

/** Slot descriptions per request of /match/queues/bulk: a large SiteDirector's queues, in a few requests. */
export const MAX_SLOTS_PER_REQUEST = 1000;

export const SlotDescriptionsSchema = Type.Object(
  {
    Slots: Type.Array(ResourceDescriptionSchema, { minItems: 1, maxItems: MAX_SLOTS_PER_REQUEST }),
  },
  { additionalProperties: false },
);

export type ResourceDescriptionBody = Static<typeof ResourceDescriptionSchema>;
export type MatchedJobBody = Static<typeof MatchedJobSchema>;
