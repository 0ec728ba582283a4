/** The four access types DIRAC checks separately on a storage element (RSS status types). */
export type AccessType = 'Read' | 'Write' | 'Remove' | 'Check';
export type AccessStatus = 'Active' | 'Degraded' | 'Banned';

export const ACCESS_TYPES: readonly AccessType[] = ['Read', 'Write', 'Remove', 'Check'];

/** What an SE knows about a file it holds. */
export interface StoredFile {
  pfn: string;
  /** Bytes. */
  size: number;
  /** Adler-32 of the content, 8 lowercase hex digits. */
  checksum: string;
}

/**
 * A storage element as the simulator's pilots use it. Every call names the caller's VO,
 * because an SE configured with a `VO` list refuses every other VO.
 *
 * Errors are `StorageError`s (rejected promises), checked in this order:
 * - `Invalid`: the LFN is not one the file catalog accepts (`lfnProblem` in core: absolute
 *   and normalised, at most 255 characters…), or a file is larger than the SE accepts;
 * - `Forbidden`: the VO is not served, or the access type the call needs is Banned;
 * - `NotFound`: `get` of a file the SE does not hold;
 * - `Unavailable`: the SE cannot be reached (HTTP mode: connection refused, 5xx).
 */
export interface StorageElement {
  readonly name: string;
  /** The PFN this SE gives an LFN (its first protocol). */
  pfn(lfn: string): string;
  /** Needs Write. Replaces a file already stored under `lfn`. */
  put(lfn: string, data: Uint8Array, vo: string): Promise<StoredFile>;
  /** Needs Read. The bytes are the caller's copy. */
  get(lfn: string, vo: string): Promise<Uint8Array>;
  /** Needs Remove. Removing a missing file succeeds, so retries are safe. */
  remove(lfn: string, vo: string): Promise<void>;
  /** Needs Check, or Read (DIRAC allows Check whenever Read is). Undefined when absent. */
  stat(lfn: string, vo: string): Promise<StoredFile | undefined>;
  /** Changes one access status at once, as an RSS decision or an operator would. */
  setAccess(type: AccessType, status: AccessStatus): void;
  /** The status last set for `type` (not the effective one: see `stat` for Check). */
  access(type: AccessType): AccessStatus;
}

export type StorageErrorCode = 'NotFound' | 'Forbidden' | 'Unavailable' | 'Invalid';

export class StorageError extends Error {
  readonly code: StorageErrorCode;

  constructor(code: StorageErrorCode, message: string) {
    super(message);
    this.name = 'StorageError';
    this.code = code;
  }
}

/** DIRAC allows an access whose status is Active or Degraded (or unset). */
export function isAccessAllowed(status: AccessStatus): boolean {
  return status !== 'Banned';
}
