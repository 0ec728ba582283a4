import Type, { type Static } from 'typebox';

const Names = Type.Array(Type.String({ maxLength: 128 }), { maxItems: 256 });

/** What a pilot says of the slot it offers when it asks for a job (the JobAgent's description). */
export const ResourceDescriptionSchema = Type.Object(
  {
    VO: Type.String({ maxLength: 64 }),
    Site: Type.String({ maxLength: 128 }),
    GridCE: Type.Optional(Type.String({ maxLength: 128 })),
    Queue: Type.Optional(Type.String({ maxLength: 128 })),
    Platform: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Names])),
    Tag: Type.Optional(Names),
    RequiredTag: Type.Optional(Names),
    CPUTime: Type.Integer({ minimum: 0, description: 'HS06 seconds the slot can still give.' }),
    NumberOfProcessors: Type.Optional(Type.Integer({ minimum: 1, maximum: 1024 })),
    MaxRAM: Type.Optional(Type.Integer({ minimum: 0, description: 'Megabytes.' })),
    WholeNode: Type.Optional(Type.Boolean()),
    OwnerGroup: Type.Optional(Names),
    JobType: Type.Optional(Type.String({ maxLength: 32 })),
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

export type ResourceDescriptionBody = Static<typeof ResourceDescriptionSchema>;
export type MatchedJobBody = Static<typeof MatchedJobSchema>;
