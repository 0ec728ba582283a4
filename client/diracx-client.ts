import { createHash } from 'node:crypto';
import type {
  HeartbeatBody,
  InsertedJob,
  JdlList,
  JobCommand,
  MatchedJobBody,
  PfnList,
  PilotCredentials,
  PilotMetadataBody,
  PilotRegistration,
  PilotTokenRequest,
  PilotTokenResponse,
  ResourceDescriptionBody,
  Rows,
  SandboxDownloadResponse,
  SandboxFormat,
  SandboxInfo,
  SandboxType,
  SandboxUploadResponse,
  SearchParams,
  SetJobStatusBody,
  SetJobStatusReturn,
  SetSiteStatusBody,
  SiteStatus,
  SummaryParams,
} from '../services/core/index.ts';
import { DiracxHttpError } from './diracx-auth.ts';
import {
  type Transport,
  type TransportAnswer,
  type TransportCall,
  type TransportRequest,
  type TransportResponse,
  sendAsBytes,
} from './transport.ts';

// Request and answer types are those of the TypeBox schemas the routes are built from
// (services/core/models), so client and server cannot drift; client.test.ts checks that
// every method's route is in the OpenAPI document.
export type {
  PilotCredentials,
  PilotRegistration,
  PilotUpdate,
  SetJobStatusReturn as SetStatusResult,
  JobStatusUpdate as StatusReport,
} from '../services/core/index.ts';

/** Supplies the bearer token for each call; it may refresh behind the scenes. */
export type TokenSource = () => Promise<string> | string;

/**
 * The DiracX API as typed calls, over any transport: what the simulator, scenarios and
 * load tests use, so they work the same against gridbox in process, gridbox over HTTP and
 * a real DiracX. A refusal becomes a DiracxHttpError carrying the server's answer.
 */
export class DiracxClient {
  readonly transport: Transport;
  readonly #token: TokenSource;

  constructor(transport: Transport, token: TokenSource) {
    this.transport = transport;
    this.#token = token;
  }

  /** The same server and transport, acting as someone else. */
  as(token: TokenSource): DiracxClient {
    return new DiracxClient(this.transport, token);
  }

  /** The same identity over another transport (one that measures the calls, say). */
  via(transport: Transport): DiracxClient {
    return new DiracxClient(transport, this.#token);
  }

  async submitJdl(jdls: Readonly<JdlList>): Promise<InsertedJob[]> {
    return this.request('Submitting jobs', 'POST', '/api/jobs/jdl', jdls, [201]);
  }

  async searchJobs(params: SearchParams, page = 1, perPage = 100): Promise<Rows> {
    return this.request(
      'Searching jobs',
      'POST',
      `/api/jobs/search?page=${page}&per_page=${perPage}`,
      params,
      [200, 206],
    );
  }

  async summarizeJobs(
    grouping: Readonly<SummaryParams['grouping']>,
    search: SummaryParams['search'] = [],
  ): Promise<Rows> {
    const body: SummaryParams = { grouping: [...grouping], search };
    return this.request('Summarising jobs', 'POST', '/api/jobs/summary', body);
  }

  /** A job for the slot, or undefined when none matches. */
  async match(resource: ResourceDescriptionBody): Promise<MatchedJobBody | undefined> {
    const response = await this.#send('POST', '/api/jobs/match', resource);
    if (response.status === 204) return undefined;
    return this.#expect('Matching a job', response, [200]);
  }

  /** Status reports keyed by job id, then by ISO time. */
  async setJobStatuses(reports: SetJobStatusBody, force = false): Promise<SetJobStatusReturn> {
    return this.request(
      'Setting job statuses',
      'PATCH',
      `/api/jobs/status?force=${force}`,
      reports,
    );
  }

  async heartbeat(reports: HeartbeatBody): Promise<JobCommand[]> {
    return this.request('Sending heartbeats', 'PATCH', '/api/jobs/heartbeat', reports);
  }

  async registerPilot(registration: PilotRegistration): Promise<PilotCredentials> {
    return this.request('Registering a pilot', 'POST', '/api/pilots/', registration, [201]);
  }

  async updatePilots(updates: PilotMetadataBody): Promise<void> {
    await this.request('Updating pilots', 'PATCH', '/api/pilots/metadata', updates, [204]);
  }

  async searchPilots(params: SearchParams, page = 1, perPage = 100): Promise<Rows> {
    return this.request(
      'Searching pilots',
      'POST',
      `/api/pilots/search?page=${page}&per_page=${perPage}`,
      params,
      [200, 206],
    );
  }

  /** A registered pilot's stamp and secret for an access token (no bearer needed). */
  async pilotToken(stamp: string, secret: string): Promise<PilotTokenResponse> {
    const body: PilotTokenRequest = { pilot_stamp: stamp, pilot_secret: secret };
    const answer = await this.#call({
      method: 'POST',
      path: '/api/auth/pilot-token',
      headers: { 'content-type': 'application/json' },
      value: body,
    });
    return this.#expect('Exchanging a pilot secret', answer, [200]);
  }

  /** Sets a site's status in the resource status system (administrators). */
  async setSiteStatus(site: string, status: SiteStatus, reason = ''): Promise<void> {
    const body: SetSiteStatusBody = { status, reason };
    await this.request(
      'Setting a site status',
      'PUT',
      `/api/rss/site/${encodeURIComponent(site)}`,
      body,
      [204],
    );
  }

  /**
   * Uploads a sandbox tarball (once: the server answers url null when it already has
   * one with the same checksum) and returns its PFN for a JDL's InputSandbox.
   */
  async uploadSandbox(tarball: Uint8Array, format: SandboxFormat = 'tar.bz2'): Promise<string> {
    const info: SandboxInfo = {
      checksum_algorithm: 'sha256',
      checksum: createHash('sha256').update(tarball).digest('hex'),
      size: tarball.byteLength,
      format,
    };
    const slot: SandboxUploadResponse = await this.request(
      'Starting a sandbox upload',
      'POST',
      '/api/jobs/sandbox',
      info,
    );
    if (slot.url !== null) {
      const { body, contentType } = multipartForm(slot.fields, tarball);
      const response = await this.transport.requestUrl(slot.url, {
        method: 'POST',
        headers: { 'content-type': contentType },
        body,
      });
      if (response.status >= 300) throw httpError('Uploading a sandbox', response);
    }
    return slot.pfn;
  }

  async jobSandbox(jobId: number, kind: SandboxType): Promise<PfnList> {
    return this.request('Listing a job sandbox', 'GET', `/api/jobs/${jobId}/sandbox/${kind}`);
  }

  /** A sandbox's bytes, through the signed URL the server hands out. */
  async downloadSandbox(pfn: string): Promise<Buffer> {
    const signed: SandboxDownloadResponse = await this.request(
      'Locating a sandbox',
      'GET',
      `/api/jobs/sandbox?pfn=${encodeURIComponent(pfn)}`,
    );
    const response = await this.transport.requestUrl(signed.url, { method: 'GET' });
    if (response.status !== 200) throw httpError('Downloading a sandbox', response);
    return response.body;
  }

  /** A call with a JSON body (if any) and a JSON answer. */
  async request<T>(
    what: string,
    method: TransportRequest['method'],
    path: string,
    body?: unknown,
    expected: readonly number[] = [200],
  ): Promise<T> {
    return this.#expect(what, await this.#send(method, path, body), expected);
  }

  async #send(method: TransportRequest['method'], path: string, body?: unknown) {
    const headers: Record<string, string> = { authorization: `Bearer ${await this.#token()}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    return this.#call({ method, path, headers, ...(body === undefined ? {} : { value: body }) });
  }

  /** As values where the transport takes them (direct), as JSON bytes otherwise. */
  #call(call: TransportCall): Promise<TransportAnswer> {
    return this.transport.call === undefined
      ? sendAsBytes(this.transport, call)
      : this.transport.call(call);
  }

  #expect<T>(what: string, answer: TransportAnswer, expected: readonly number[]): T {
    if (!expected.includes(answer.status))
      throw new DiracxHttpError(what, answer.status, answer.value ?? '');
    return answer.value as T;
  }
}

function httpError(what: string, response: TransportResponse): DiracxHttpError {
  let body: unknown = response.body.toString('utf8');
  try {
    body = JSON.parse(body as string);
  } catch {
    // Not JSON: keep the text.
  }
  return new DiracxHttpError(what, response.status, body);
}

/** A multipart/form-data body: the fields first, then the file, as S3's POST policy wants. */
function multipartForm(fields: Record<string, string>, file: Uint8Array) {
  const boundary = `gridbox-${createHash('sha256').update(file).digest('hex').slice(0, 24)}`;
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields))
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
      ),
    );
  parts.push(
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="sandbox"\r\nContent-Type: application/octet-stream\r\n\r\n`,
    ),
    Buffer.from(file),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  );
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}
