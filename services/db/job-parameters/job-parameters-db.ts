import { InvalidRequestError } from '../../core/index.ts';
import type { Database } from '../database.ts';
import { JOB_PARAMETERS_FIELDS, jobParametersIndex } from './schema.ts';

/**
 * DiracX's JobParametersDB (an OpenSearch index per VO and million jobs): free-form
 * parameters of each job, merged on every write, with the time of the last write.
 * Every method of a server-backed implementation rejects with DatabaseUnavailableError
 * when the server cannot be reached or does not answer in time.
 */
export interface JobParametersDB extends Database {
  /**
   * Merges `fields` into the job's document, creating it if needed, as DiracX does:
   * `JobID` and `timestamp` (`timestampMs`, epoch milliseconds) are written first and a
   * field of the same name in `fields` wins; existing fields not in `fields` are kept.
   * A value the server's mapping refuses (text in a `long` field) rejects with
   * InvalidRequestError.
   */
  upsert(
    vo: string,
    jobId: number,
    fields: Readonly<Record<string, unknown>>,
    timestampMs: number,
  ): Promise<void>;
  /** The job's document as last merged, or undefined if nothing was written for it. */
  get(vo: string, jobId: number): Promise<Record<string, unknown> | undefined>;
}

/** The in-process implementation, one store per instance, as the embedded profile uses. */
export class MemoryJobParametersDB implements JobParametersDB {
  readonly name = 'JobParametersDB';
  readonly #documents = new Map<string, Record<string, unknown>>();

  ping(): Promise<void> {
    return Promise.resolve();
  }

  /** DiracX's index naming: one index per VO and million jobs. */
  static indexOf(vo: string, jobId: number): string {
    return jobParametersIndex(vo, jobId);
  }

  upsert(
    vo: string,
    jobId: number,
    fields: Readonly<Record<string, unknown>>,
    timestampMs: number,
  ): Promise<void> {
    const key = `${jobParametersIndex(vo, jobId)}/${jobId}`;
    const document = { JobID: jobId, timestamp: timestampMs, ...fields };
    for (const [name, value] of Object.entries(document)) {
      const type = MAPPED_TYPES.get(name);
      if (type !== undefined && !fitsMapping(type, value))
        return Promise.reject(
          new InvalidRequestError(
            `JobParametersDB refused the parameters of job ${jobId}: failed to parse field [${name}] of type [${type}] in document with id '${jobId}'. Preview of field's value: '${preview(value)}'`,
          ),
        );
    }
    // A deep copy, as a server keeps what was sent and not the caller's objects.
    const copy = structuredClone(document) as Record<string, unknown>;
    this.#documents.set(key, merged(this.#documents.get(key) ?? {}, copy));
    return Promise.resolve();
  }

  get(vo: string, jobId: number): Promise<Record<string, unknown> | undefined> {
    const document = this.#documents.get(`${jobParametersIndex(vo, jobId)}/${jobId}`);
    return Promise.resolve(document === undefined ? undefined : structuredClone(document));
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** OpenSearch's partial-update merge: objects merge key by key, anything else is replaced. */
function merged(
  base: Readonly<Record<string, unknown>>,
  update: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const result: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(update)) {
    const old = result[key];
    result[key] = isPlainObject(old) && isPlainObject(value) ? merged(old, value) : value;
  }
  return result;
}

const MAPPED_TYPES: ReadonlyMap<string, string> = new Map(
  Object.entries(JOB_PARAMETERS_FIELDS).map(([name, { type }]) => [name, type]),
);
const LONG_LIMIT = 2 ** 63;
/** OpenSearch's default date text besides epoch milliseconds: strict_date_optional_time. */
const DATE_TEXT =
  /^\d{4}(-\d{2}(-\d{2}(T\d{2}(:\d{2}(:\d{2}([.,]\d{1,9})?)?)?(Z|[+-]\d{2}(:?\d{2})?)?)?)?)?$/;

/**
 * Whether OpenSearch would index `value` in a field of DiracX's template of this `type`, so
 * that the in-process store refuses what the server refuses (as checked against
 * OpenSearch 2.19): null and arrays of fitting values always fit; objects never do; a
 * long takes numbers and numeric text, a date epoch milliseconds or ISO 8601 text.
 */
function fitsMapping(type: string, value: unknown): boolean {
  if (value === null) return true;
  if (Array.isArray(value)) return value.every((item) => fitsMapping(type, item));
  switch (typeof value) {
    case 'number':
      return type !== 'long' || Math.abs(value) < LONG_LIMIT;
    case 'boolean':
      return type === 'keyword' || type === 'text';
    case 'string': {
      if (type === 'long') {
        const number = Number(value);
        return value.trim() === '' || (Number.isFinite(number) && Math.abs(number) < LONG_LIMIT);
      }
      if (type === 'date')
        return /^-?\d+$/.test(value) || (DATE_TEXT.test(value) && !Number.isNaN(Date.parse(value)));
      return true;
    }
    default:
      return false;
  }
}

function preview(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
