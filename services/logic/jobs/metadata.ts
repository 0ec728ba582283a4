import { type Clock, InvalidRequestError, NotFoundError } from '../../core/index.ts';
import {
  JOB_COLUMNS,
  type JobDB,
  type JobParametersDB,
  isStorableTime,
  toSqlDateTime,
} from '../../db/index.ts';

export interface MetadataDeps {
  jobDb: JobDB;
  jobParametersDb: JobParametersDB;
  clock: Clock;
}

/** Widths of the text columns of Jobs, so a long value is a 400 and not a database error. */
const TEXT_WIDTH: Record<string, number> = {
  JobType: 32,
  JobGroup: 32,
  Site: 100,
  JobName: 128,
  Owner: 64,
  OwnerGroup: 128,
  VO: 32,
  Status: 32,
  MinorStatus: 128,
  ApplicationStatus: 255,
};
/**
 * Attributes metadata never writes (gridbox; not Jobs columns): who owns the job.
 * Everything that is a Jobs column is refused too, but Site, as DiracX 0.7.0 does: the
 * state only changes through the status route (the state machine), the priority and the
 * bookkeeping of submission and rescheduling are the WMS's. Matched regardless of case and
 * underscores (DiracX also takes a field's Python name, `user_priority`), so no spelling
 * slips past as a job parameter.
 */
const PROTECTED_ATTRIBUTES = ['JobID', 'OwnerDN'];
const MUTABLE_ATTRIBUTES = new Set(['Site']);
const normalized = (name: string) => name.toLowerCase().replaceAll('_', '');
const ATTRIBUTE_BY_NORMALIZED = new Map(
  [...PROTECTED_ATTRIBUTES, ...Object.keys(JOB_COLUMNS)].map((name) => [normalized(name), name]),
);

const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;
/** Width of a parameter's name (JobParameters.Name). */
const PARAMETER_NAME_WIDTH = 100;
/** Parameters DIRAC keeps as whole numbers even when reported as "12.0". */
const INTEGER_PARAMETERS = new Set(['CPUNormalizationFactor', 'NormCPUTime(s)', 'TotalCPUTime(s)']);
const ZONED = /(Z|[+-]\d{2}:?\d{2})$/i;

function columnValue(job: number, name: string, value: unknown): unknown {
  const bad = (expected: string) =>
    new InvalidRequestError(`Invalid value for ${name} of job ${job}: expected ${expected}`);
  switch (JOB_COLUMNS[name]) {
    case 'integer':
      // The columns are INT: MySQL refuses anything wider, SQLite would keep it.
      if (!Number.isInteger(value) || (value as number) < INT_MIN || (value as number) > INT_MAX)
        throw bad(`an integer from ${INT_MIN} to ${INT_MAX}`);
      return value;
    case 'datetime':
      if (
        typeof value !== 'string' ||
        !ZONED.test(value) ||
        Number.isNaN(Date.parse(value)) ||
        !isStorableTime(Date.parse(value))
      )
        throw bad('an ISO 8601 time with a zone, in the years 1 to 9999');
      return toSqlDateTime(Date.parse(value));
    case 'flag':
      if (value === true || value === false) return value ? 'True' : 'False';
      if (name === 'AccountedFlag' && value === 'Failed') return 'Failed';
      throw bad('true or false');
    default:
      if (typeof value !== 'string' || value.length > (TEXT_WIDTH[name] ?? 255))
        throw bad(`text of at most ${TEXT_WIDTH[name] ?? 255} characters`);
      return value;
  }
}

/**
 * DiracX's metadata update: Site is written to the Jobs row directly, every key that is
 * not a job attribute goes to the job's parameters, and any other job attribute is refused
 * with 400 before anything is written.
 */
export async function setJobMetadata(
  deps: MetadataDeps,
  updates: Readonly<Record<string, Readonly<Record<string, unknown>>>>,
): Promise<void> {
  const jobIds = Object.keys(updates).map(Number);
  const owners = await deps.jobDb.getStates(jobIds);
  const unknown = jobIds.filter((id) => !owners.has(id));
  if (unknown.length > 0) throw new NotFoundError(`Unknown job ${unknown.join(', ')}`);
  const planned = Object.entries(updates).map(([id, fields]) => {
    const job = Number(id);
    const attributes: Record<string, unknown> = {};
    const parameters: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(fields)) {
      const attribute = ATTRIBUTE_BY_NORMALIZED.get(normalized(name));
      if (attribute === undefined) {
        if (name.length > PARAMETER_NAME_WIDTH)
          throw new InvalidRequestError(
            `Invalid parameter name ${name.slice(0, 20)}… of job ${job}: longer than ${PARAMETER_NAME_WIDTH} characters`,
          );
        parameters[name] =
          INTEGER_PARAMETERS.has(name) && typeof value === 'string' && !Number.isNaN(Number(value))
            ? Math.trunc(Number(value))
            : value;
      } else if (MUTABLE_ATTRIBUTES.has(attribute)) {
        attributes[attribute] = columnValue(job, attribute, value);
      } else {
        throw new InvalidRequestError(
          `${attribute} cannot be changed through metadata (job ${job})`,
        );
      }
    }
    return { job, attributes, parameters };
  });
  // Everything was checked before anything is written; the job parameters first, so that when
  // their server is away nothing is written, and a retry writes the same values again.
  for (const { job, parameters } of planned)
    if (Object.keys(parameters).length > 0)
      await deps.jobParametersDb.upsert(owners.get(job)!.vo, job, parameters, deps.clock.nowMs());
  for (const { job, attributes } of planned)
    if (Object.keys(attributes).length > 0) await deps.jobDb.setAttributes([job], attributes);
}
