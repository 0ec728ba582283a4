import type { Database } from '../database.ts';
import { jobParametersIndex } from './schema.ts';

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
    // A deep copy, as a server keeps what was sent and not the caller's objects.
    const copy = structuredClone(fields) as Record<string, unknown>;
    this.#documents.set(
      key,
      merged(this.#documents.get(key) ?? {}, { JobID: jobId, timestamp: timestampMs, ...copy }),
    );
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
