import type { Database } from '../database.ts';

/**
 * DiracX's JobParametersDB (an OpenSearch index per VO in DiracX): free-form parameters of
 * each job, merged on every write, with the time of the last write.
 */
export interface JobParametersDB extends Database {
  /** Merges `fields` into the job's document (creating it), stamping `timestamp` (ms). */
  upsert(
    vo: string,
    jobId: number,
    fields: Readonly<Record<string, unknown>>,
    timestampMs: number,
  ): Promise<void>;
  /** The job's document, or undefined. */
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
    return `job_parameters_${vo.toLowerCase()}_${Math.floor(jobId / 1e6)}m`;
  }

  upsert(
    vo: string,
    jobId: number,
    fields: Readonly<Record<string, unknown>>,
    timestampMs: number,
  ): Promise<void> {
    const key = `${MemoryJobParametersDB.indexOf(vo, jobId)}/${jobId}`;
    this.#documents.set(key, {
      ...this.#documents.get(key),
      ...fields,
      JobID: jobId,
      timestamp: timestampMs,
    });
    return Promise.resolve();
  }

  get(vo: string, jobId: number): Promise<Record<string, unknown> | undefined> {
    return Promise.resolve(
      this.#documents.get(`${MemoryJobParametersDB.indexOf(vo, jobId)}/${jobId}`),
    );
  }
}
