import { type KeyObject, createHash, createHmac, timingSafeEqual } from 'node:crypto';
import {
  type Clock,
  ForbiddenError,
  InvalidRequestError,
  NotFoundError,
  PayloadTooLargeError,
  SANDBOX_PFN,
  type SandboxDownloadResponse,
  type SandboxInfo,
  type SandboxUploadResponse,
} from '../../core/index.ts';
import type { SandboxMetadataDB, SandboxStore } from '../../db/index.ts';

/** The sandbox store's settings, with DiracX's defaults. */
export interface SandboxSettings {
  /** DiracX DIRACX_SANDBOX_STORE_SE_NAME. */
  seName: string;
  bucket: string;
  /** How long upload and download URLs stay valid. */
  urlValidityS: number;
  maxSizeBytes: number;
  /**
   * Signs the store's URLs, as S3 signs presigned ones; replicas must share it. A KeyObject,
   * not bytes: an HMAC keyed by a Buffer copies it into a new key on every call (6x slower).
   */
  signingKey: KeyObject;
}

export interface SandboxDeps {
  sandboxDb: SandboxMetadataDB;
  store: SandboxStore;
  settings: SandboxSettings;
  clock: Clock;
}

export interface SandboxUser {
  preferred_username: string;
  dirac_group: string;
  vo: string;
  dirac_properties: readonly string[];
}

function sign(key: KeyObject, parts: readonly (string | number)[]): string {
  return createHmac('sha256', key).update(parts.join('\n')).digest('base64url');
}

function verify(key: KeyObject, parts: readonly (string | number)[], signature: string): boolean {
  const expected = Buffer.from(sign(key, parts));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** A PFN split into its parts, or a 400 when it is not one. */
export function parsePfn(text: string, settings: SandboxSettings) {
  const m = SANDBOX_PFN.exec(text);
  if (m === null || m[2] !== settings.bucket)
    throw new InvalidRequestError(`Invalid sandbox PFN ${text}`);
  const [, seName = settings.seName, , vo, group, user, , checksum, format] =
    m as unknown as string[];
  const pfn = `/S3/${settings.bucket}/${vo}/${group}/${user}/sha256:${checksum}.${format}`;
  return {
    seName,
    pfn,
    key: `${vo}/${group}/${user}/sha256:${checksum}.${format}`,
    vo: vo!,
    group: group!,
    user: user!,
  };
}

/**
 * POST /api/jobs/sandbox: where to upload a sandbox. Content-addressed: when the same
 * tarball is already stored (or assigned), there is nothing to upload and `url` is null.
 */
export async function initiateSandboxUpload(
  deps: SandboxDeps,
  user: SandboxUser,
  info: SandboxInfo,
  storeUrl: string,
): Promise<SandboxUploadResponse> {
  if (info.size > deps.settings.maxSizeBytes) {
    throw new InvalidRequestError(
      `Sandbox too large: ${info.size} bytes, the limit is ${deps.settings.maxSizeBytes}`,
    );
  }
  const checksum = info.checksum.toLowerCase();
  const key = `${user.vo}/${user.dirac_group}/${user.preferred_username}/sha256:${checksum}.${info.format}`;
  const pfn = `/S3/${deps.settings.bucket}/${key}`;
  const full = `SB:${deps.settings.seName}|${pfn}`;
  const owner = { owner: user.preferred_username, ownerGroup: user.dirac_group, vo: user.vo };
  const nowMs = deps.clock.nowMs();
  // The bytes decide, not the record: a record whose bytes were lost (a store in memory
  // before a restart) must not stop the same tarball from being uploaded again.
  if (await deps.store.exists(key)) {
    await deps.sandboxDb.registerSandbox(owner, deps.settings.seName, pfn, info.size, nowMs);
    return { pfn: full, url: null, fields: {} };
  }
  const expires = Math.floor(nowMs / 1000) + deps.settings.urlValidityS;
  const fields = {
    key,
    size: String(info.size),
    checksum,
    expires: String(expires),
    signature: sign(deps.settings.signingKey, ['upload', key, info.size, checksum, expires]),
  };
  await deps.sandboxDb.registerSandbox(owner, deps.settings.seName, pfn, info.size, nowMs);
  return { pfn: full, url: `${storeUrl}/upload`, fields };
}

/** An upload the store has checked the signature of: where it goes and what it must be. */
export interface SignedUpload {
  key: string;
  sizeBytes: number;
  checksum: string;
}

/**
 * The store's first look at an upload: the signed form fields, which a presigned POST sends
 * before the file, so a forged or expired upload is refused before any of its bytes is read.
 */
export function checkSandboxUpload(
  deps: Pick<SandboxDeps, 'settings' | 'clock'>,
  fields: Readonly<Record<string, string>>,
): SignedUpload {
  const { key = '', size = '', checksum = '', expires = '', signature = '' } = fields;
  if (
    !verify(
      deps.settings.signingKey,
      ['upload', key, Number(size), checksum, Number(expires)],
      signature,
    )
  ) {
    throw new ForbiddenError('Invalid upload signature');
  }
  if (Number(expires) * 1000 < deps.clock.nowMs())
    throw new ForbiddenError('The upload URL has expired');
  return { key, sizeBytes: Number(size), checksum };
}

/**
 * The store's side of an upload, once its fields are checked: streams the file into the
 * store, hashing and counting as it goes. A byte beyond the signed size stops it with 413
 * at once; a short or altered file is refused (400) at its end, and nothing is kept.
 */
export async function receiveSandboxUpload(
  deps: Pick<SandboxDeps, 'store'>,
  upload: SignedUpload,
  file: AsyncIterable<Uint8Array>,
): Promise<void> {
  async function* checked(): AsyncGenerator<Uint8Array> {
    const hash = createHash('sha256');
    let received = 0;
    for await (const chunk of file) {
      received += chunk.length;
      if (received > upload.sizeBytes) {
        throw new PayloadTooLargeError(
          `The file is larger than the ${upload.sizeBytes} bytes the upload URL was signed for`,
        );
      }
      hash.update(chunk);
      yield chunk;
    }
    if (received !== upload.sizeBytes)
      throw new InvalidRequestError(`Expected ${upload.sizeBytes} bytes, got ${received}`);
    if (hash.digest('hex') !== upload.checksum)
      throw new InvalidRequestError('The checksum does not match the data');
  }
  await deps.store.put(upload.key, checked());
}

/** GET /api/jobs/sandbox: a signed URL to fetch a sandbox the caller may read. */
export async function sandboxDownloadUrl(
  deps: SandboxDeps,
  user: SandboxUser,
  pfnText: string,
  storeUrl: string,
): Promise<SandboxDownloadResponse> {
  const { seName, pfn, key, vo, group, user: owner } = parsePfn(pfnText, deps.settings);
  const admin = user.dirac_properties.includes('JobAdministrator') && vo === user.vo;
  if (!admin) {
    const own = vo === user.vo && group === user.dirac_group && owner === user.preferred_username;
    if (!own) throw new ForbiddenError('Forbidden');
  }
  const known = await deps.sandboxDb.getSandbox(seName, pfn);
  if (known === undefined) throw new NotFoundError('Sandbox not found');
  await deps.sandboxDb.touch(seName, pfn, deps.clock.nowMs());
  const expires = Math.floor(deps.clock.nowMs() / 1000) + deps.settings.urlValidityS;
  const query = new URLSearchParams({
    key,
    expires: String(expires),
    signature: sign(deps.settings.signingKey, ['download', key, expires]),
  });
  return { url: `${storeUrl}/download?${query}`, expires_in: deps.settings.urlValidityS };
}

/** The store's side of a download: the bytes, if the signature and time allow. */
export async function readSandbox(
  deps: SandboxDeps,
  query: { key: string; expires: string; signature: string },
): Promise<Uint8Array> {
  if (
    !verify(
      deps.settings.signingKey,
      ['download', query.key, Number(query.expires)],
      query.signature,
    )
  ) {
    throw new ForbiddenError('Invalid download signature');
  }
  if (Number(query.expires) * 1000 < deps.clock.nowMs())
    throw new ForbiddenError('The download URL has expired');
  const data = await deps.store.get(query.key);
  if (data === undefined) throw new NotFoundError('Sandbox not found');
  return data;
}

/** PATCH /api/jobs/{id}/sandbox/output: links an uploaded sandbox to the job as its output. */
export async function assignOutputSandbox(
  deps: SandboxDeps,
  jobId: number,
  pfnText: string,
): Promise<void> {
  const { seName, pfn } = parsePfn(pfnText, deps.settings);
  const outcome = await deps.sandboxDb.assign(jobId, seName, pfn, 'Output');
  if (outcome === 'missing') throw new InvalidRequestError('Sandbox not found');
  if (outcome === 'assigned') throw new InvalidRequestError('Sandbox already assigned');
}
