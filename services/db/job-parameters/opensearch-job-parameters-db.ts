import { Client, errors } from '@opensearch-project/opensearch';
import { DatabaseUnavailableError, InvalidRequestError } from '../../core/index.ts';
import {
  type OpenSearchConnectionOptions,
  openSearchClientOptions,
  openSearchReason,
  requestOpenSearch,
} from '../opensearch/index.ts';
import type { JobParametersDB } from './job-parameters-db.ts';
import {
  JOB_PARAMETERS_INDEX_PREFIX,
  JOB_PARAMETERS_TEMPLATE,
  jobParametersIndex,
} from './schema.ts';

/**
 * How many times a write is tried when other writers change the document between its read
 * and its write (DiracX lets OpenSearch retry such an update 10 times).
 */
const WRITE_ATTEMPTS = 32;

/**
 * JobParametersDB in OpenSearch, laid out as DiracX lays it out (same index template,
 * same index names, same documents), so both can share a cluster. Every request is bounded
 * by `timeoutMs` and never retried by the client; an outage rejects with
 * DatabaseUnavailableError, and the next request tries the server again.
 */
export class OpenSearchJobParametersDB implements JobParametersDB {
  readonly name = 'JobParametersDB';
  readonly #client: Client;
  readonly #timeoutMs: number;

  private constructor(client: Client, timeoutMs: number) {
    this.#client = client;
    this.#timeoutMs = timeoutMs;
  }

  /**
   * Connects to `connection` and puts DiracX's index template (idempotent: replicas that
   * start together put the same template). Rejects with DatabaseUnavailableError when the
   * server does not answer, and closes what it opened.
   */
  static async open(
    connection: OpenSearchConnectionOptions,
    timeoutMs: number,
  ): Promise<OpenSearchJobParametersDB> {
    const db = OpenSearchJobParametersDB.connect(connection, timeoutMs);
    try {
      await db.createIndexTemplate();
      return db;
    } catch (error) {
      await db.close();
      throw error;
    }
  }

  /**
   * A DB on `connection` without start-up work: nothing is sent until the first call, so
   * this succeeds whether or not the server is up.
   */
  static connect(
    connection: OpenSearchConnectionOptions,
    timeoutMs: number,
  ): OpenSearchJobParametersDB {
    return new OpenSearchJobParametersDB(
      new Client(openSearchClientOptions(connection, timeoutMs)),
      timeoutMs,
    );
  }

  /** Puts the composable index template `job_parameters` for `job_parameters*`. */
  async createIndexTemplate(): Promise<void> {
    const response = await this.#request(() =>
      this.#client.indices.putIndexTemplate({
        name: JOB_PARAMETERS_INDEX_PREFIX,
        body: JOB_PARAMETERS_TEMPLATE,
      }),
    ).catch((error: unknown) => {
      // A 400: another template claims the same indices at the same priority, say.
      if (error instanceof errors.ResponseError)
        throw new DatabaseUnavailableError(
          this.name,
          `its server refused the index template: ${openSearchReason(error)}`,
          { cause: error },
        );
      throw error;
    });
    if (response.body.acknowledged !== true)
      throw new DatabaseUnavailableError(this.name, 'its server did not acknowledge the template');
  }

  async ping(): Promise<void> {
    const response = await this.#request(() => this.#client.ping());
    if (response.body !== true)
      throw new DatabaseUnavailableError(this.name, `its server answered ${response.statusCode}`);
  }

  /**
   * Merges `fields` into the job's document, as DiracX's update with `doc_as_upsert` does,
   * but conditionally: each write names the version it read (`if_seq_no`/`if_primary_term`,
   * or `create` for a new document). A write that timed out is refused with a 503 yet may
   * still reach the server later (a paused server reads its buffers on resuming); as a
   * conditional write it then finds a newer version and is dropped by the server instead of
   * overwriting what was acknowledged since. A lost race with a concurrent writer is retried.
   */
  async upsert(
    vo: string,
    jobId: number,
    fields: Readonly<Record<string, unknown>>,
    timestampMs: number,
  ): Promise<void> {
    const index = jobParametersIndex(vo, jobId);
    const id = String(jobId);
    const doc = { JobID: jobId, timestamp: timestampMs, ...fields };
    try {
      for (let attempt = 0; attempt < WRITE_ATTEMPTS; attempt += 1) {
        const current = await this.#version(index, id);
        const written = await this.#conditionalRequest(() =>
          current === undefined
            ? this.#client.create({ index, id, body: doc })
            : this.#client.update({
                index,
                id,
                if_seq_no: current.seqNo,
                if_primary_term: current.primaryTerm,
                body: { doc },
              }),
        );
        if (written) return;
      }
    } catch (error) {
      // A 4xx that is not an outage: the mapping refused a value (text in a long field).
      if (error instanceof errors.ResponseError)
        throw new InvalidRequestError(
          `JobParametersDB refused the parameters of job ${jobId}: ${openSearchReason(error)}`,
        );
      throw error;
    }
    throw new DatabaseUnavailableError(
      this.name,
      `the parameters of job ${jobId} changed under each of ${WRITE_ATTEMPTS} writes`,
    );
  }

  /** The version of a job's document a conditional write names, or undefined if none. */
  async #version(
    index: string,
    id: string,
  ): Promise<{ seqNo: number; primaryTerm: number } | undefined> {
    const response = await this.#request(() =>
      this.#client.get({ index, id, _source: false }, { ignore: [404] }),
    );
    const body = response.body as { found?: boolean; _seq_no?: number; _primary_term?: number };
    if (body.found !== true) return undefined;
    if (body._seq_no === undefined || body._primary_term === undefined)
      throw new DatabaseUnavailableError(this.name, 'its server sent a document without a version');
    return { seqNo: body._seq_no, primaryTerm: body._primary_term };
  }

  /** Sends a conditional write: true if it was applied, false if it lost a race (409). */
  async #conditionalRequest(send: () => Promise<unknown> & { abort(): void }): Promise<boolean> {
    try {
      await requestOpenSearch(this.name, this.#timeoutMs, send, { passThrough: [409] });
      return true;
    } catch (error) {
      if (error instanceof errors.ResponseError && error.statusCode === 409) return false;
      throw error;
    }
  }

  async get(vo: string, jobId: number): Promise<Record<string, unknown> | undefined> {
    const response = await this.#request(() =>
      this.#client.get(
        { index: jobParametersIndex(vo, jobId), id: String(jobId) },
        // A missing document or a missing index (nothing written in this million yet).
        { ignore: [404] },
      ),
    );
    const body = response.body as { found?: boolean; _source?: Record<string, unknown> };
    return body.found === true ? body._source : undefined;
  }

  /** Closes the client's connections; the DB cannot be used afterwards. */
  async close(): Promise<void> {
    await this.#client.close();
  }

  #request<T>(send: () => Promise<T> & { abort(): void }): Promise<T> {
    return requestOpenSearch(this.name, this.#timeoutMs, send);
  }
}
