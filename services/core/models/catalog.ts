import Type, { type Static, type TSchema } from 'typebox';

/**
 * The file catalog's wire models (gridbox's own API, shaped after DIRAC's File Catalog):
 * shared by the router, the logic and the client, so neither side can drift.
 */

/** Most LFNs (or directory paths) one bulk request may name. */
export const CATALOG_MAX_BULK = 10000;
/** DIRAC's limits: an LFN fits in 255 characters, a file name in 128. */
export const LFN_MAX_LENGTH = 255;
export const FILE_NAME_MAX_LENGTH = 128;
/**
 * Longer strings are refused by the schema (422) rather than reported per LFN: they can
 * only be abuse, and the cap bounds what one request can make the server hold.
 */
export const LFN_HARD_MAX_LENGTH = 1024;

/** The replica statuses DIRAC's catalog knows; only the visible ones are normally returned. */
export const REPLICA_STATUSES = ['AprioriGood', 'Trash', 'Removing', 'Probing'] as const;
export const VISIBLE_REPLICA_STATUSES: readonly string[] = ['AprioriGood'];

/** The per-LFN failure reasons, in DIRAC's wording where DIRAC has one. */
/**
 * The mode of new files and directories: DIRAC's catalog gives both its `DefaultUmask`
 * setting, 509 (0o775: the owner and its group may write, others read) unless configured.
 */
export const CATALOG_DEFAULT_MODE = 0o775;

export const CatalogFailure = {
  invalidLfn: 'Invalid LFN',
  permissionDenied: 'Permission denied',
  noSuchFile: 'No such file or directory',
  alternativeMetadata: 'File already registered with alternative metadata',
  noReplicas: 'File already registered with no replicas',
  alternativeReplicas: 'File already registered with alternative replicas',
  alternativePfn: 'Replica already registered with alternative PFN',
  isDirectory: 'Is a directory',
  notDirectory: 'Not a directory',
  unknownSE: (se: string) => `Unknown storage element ${se}`,
  seNotForVo: (se: string, vo: string) => `Storage element ${se} is not available to VO ${vo}`,
} as const;

const Lfn = Type.String({ minLength: 1, maxLength: LFN_HARD_MAX_LENGTH });
const SEName = Type.String({ minLength: 1, maxLength: 127 });
const Pfn = Type.String({ minLength: 1, maxLength: 1024 });

/** An object keyed by LFN, at most CATALOG_MAX_BULK of them. */
const ByLfn = <T extends TSchema>(value: T) =>
  Type.Record(Type.String(), value, {
    maxProperties: CATALOG_MAX_BULK,
    propertyNames: { maxLength: LFN_HARD_MAX_LENGTH },
  });

export const LfnListSchema = Type.Object(
  { lfns: Type.Array(Lfn, { maxItems: CATALOG_MAX_BULK }) },
  { additionalProperties: false },
);

export const NewFileSchema = Type.Object(
  {
    PFN: Pfn,
    SE: SEName,
    Size: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
    Checksum: Type.String({ pattern: '^[0-9A-Fa-f]{8}$', description: 'Adler32, 8 hex digits.' }),
    GUID: Type.Optional(
      Type.String({
        pattern: '^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$',
        description: 'Derived from the LFN, size and checksum when not given.',
      }),
    ),
  },
  { additionalProperties: false },
);
export const AddFilesBodySchema = ByLfn(NewFileSchema);

export const NewReplicaSchema = Type.Object(
  { PFN: Pfn, SE: SEName },
  { additionalProperties: false },
);
export const AddReplicasBodySchema = ByLfn(NewReplicaSchema);
export const RemoveReplicasBodySchema = ByLfn(
  Type.Object({ SE: SEName }, { additionalProperties: false }),
);

export const GetReplicasBodySchema = Type.Object(
  {
    lfns: Type.Array(Lfn, { maxItems: CATALOG_MAX_BULK }),
    all_statuses: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

/** A file as the catalog describes it; dates in ISO 8601 UTC like the rest of the API. */
export const FileMetadataSchema = Type.Object({
  Size: Type.Integer(),
  Checksum: Type.String(),
  GUID: Type.String(),
  Owner: Type.String(),
  OwnerGroup: Type.String(),
  Mode: Type.Integer({ description: "POSIX permission bits, as DIRAC's catalog stores them." }),
  Status: Type.String(),
  CreationDate: Type.String(),
  ModificationDate: Type.String(),
});

/** DIRAC's bulk answer: a value per LFN that worked, a reason per LFN that did not. */
export const BulkResultSchema = <T extends TSchema>(value: T) =>
  Type.Object({
    Successful: Type.Record(Type.String(), value),
    Failed: Type.Record(Type.String(), Type.String()),
  });

export const DirectoryListingSchema = Type.Object({
  Path: Type.String(),
  SubDirs: Type.Array(Type.String(), { description: 'Full paths, sorted.' }),
  Files: Type.Record(Type.String(), FileMetadataSchema),
});

export const PathSchema = Type.String({ minLength: 1, maxLength: LFN_HARD_MAX_LENGTH });

/** A directory, as a query string or a body. */
export const DirectoryPathSchema = Type.Object(
  { path: PathSchema },
  { additionalProperties: false },
);

export const MetadataValueSchema = Type.Union([Type.String({ maxLength: 128 }), Type.Number()]);
/** Metadata names are short identifiers, as DIRAC's catalog stores them (31 characters). */
const metadataOf = (minProperties: number) =>
  Type.Record(Type.String(), MetadataValueSchema, {
    minProperties,
    maxProperties: 100,
    propertyNames: { pattern: '^[A-Za-z][A-Za-z0-9_]{0,30}$' },
  });
export const MetadataSchema = metadataOf(0);

export const SetMetadataBodySchema = Type.Object(
  { path: PathSchema, metadata: MetadataSchema },
  { additionalProperties: false },
);
export const FindFilesBodySchema = Type.Object(
  { path: PathSchema, metadata: metadataOf(1) },
  { additionalProperties: false },
);

/** SE → PFN of each file. */
export const ReplicaLocationsSchema = BulkResultSchema(Type.Record(Type.String(), Type.String()));

/** The files a metadata search found. */
export const FoundFilesSchema = Type.Object({ lfns: Type.Array(Type.String()) });

export type NewFile = Static<typeof NewFileSchema>;
export type NewReplica = Static<typeof NewReplicaSchema>;
export type FileMetadata = Static<typeof FileMetadataSchema>;
export type DirectoryListing = Static<typeof DirectoryListingSchema>;
export type MetadataValue = Static<typeof MetadataValueSchema>;
export type CatalogMetadata = Static<typeof MetadataSchema>;
export type ReplicaStatus = (typeof REPLICA_STATUSES)[number];
export type LfnList = Static<typeof LfnListSchema>;
export type AddFilesBody = Static<typeof AddFilesBodySchema>;
export type AddReplicasBody = Static<typeof AddReplicasBodySchema>;
export type RemoveReplicasBody = Static<typeof RemoveReplicasBodySchema>;
export type GetReplicasBody = Static<typeof GetReplicasBodySchema>;
export type DirectoryPath = Static<typeof DirectoryPathSchema>;
export type SetMetadataBody = Static<typeof SetMetadataBodySchema>;
export type FindFilesBody = Static<typeof FindFilesBodySchema>;
export type ReplicaLocations = Static<typeof ReplicaLocationsSchema>;
export type FoundFiles = Static<typeof FoundFilesSchema>;
export interface BulkResult<T> {
  Successful: Record<string, T>;
  Failed: Record<string, string>;
}
