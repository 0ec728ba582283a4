import type { SEConfig } from '../../services/core/index.ts';
import { adler32 } from './adler32.ts';
import { ByteSpill, type SpillRef } from './byte-spill.ts';
import { pfnPrefix, validateLfn } from './lfn.ts';
import {
  type AccessStatus,
  type AccessType,
  StorageError,
  type StorageElement,
  type StoredFile,
  isAccessAllowed,
} from './storage-element.ts';

/** Larger files are refused unless a caller sets another limit. */
export const DEFAULT_MAX_FILE_BYTES = 16 * 1024 * 1024;

export interface MemoryStorageElementOptions {
  /** Files larger than this are refused with `Invalid`. Default 16 MiB. */
  maxFileBytes?: number;
  /** Replaces the PFN prefix taken from the first protocol (the HTTP server's own URL). */
  pfnPrefix?: string;
}

/**
 * Only what a file costs in memory at scale (a million files of ~1 KiB): where its bytes
 * are in the spill file, and their checksum, computed once on put. PFN is derived on demand.
 */
interface Held extends SpillRef {
  readonly checksum: string;
}

/** The first protocol of an SE: DIRAC tries protocols in order, so it names the PFN. */
export function firstProtocol(name: string, config: SEConfig) {
  const protocol = Object.values(config.AccessProtocols)[0];
  if (protocol === undefined) {
    throw new StorageError('Invalid', `SE ${name} has no entry under AccessProtocols`);
  }
  return protocol;
}

/**
 * A storage element held by this process: the catalogue of its files in memory, their bytes
 * in a private temporary file (see ByteSpill), freed by `close()`. It enforces the rules
 * every mode shares (LFN syntax, VO restriction, access statuses, size limit); the HTTP
 * server wraps one.
 */
export class MemoryStorageElement implements StorageElement {
  readonly name: string;
  readonly #files = new Map<string, Held>();
  readonly #bytes = new ByteSpill();
  readonly #access: Record<AccessType, AccessStatus>;
  readonly #vos: ReadonlySet<string>;
  readonly #pfnPrefix: string;
  readonly #maxFileBytes: number;

  constructor(name: string, config: SEConfig, options: MemoryStorageElementOptions = {}) {
    this.name = name;
    this.#access = {
      Read: config.ReadAccess,
      Write: config.WriteAccess,
      Remove: config.RemoveAccess,
      Check: config.CheckAccess,
    };
    this.#vos = new Set(config.VO);
    this.#pfnPrefix = options.pfnPrefix ?? pfnPrefix(firstProtocol(name, config));
    this.#maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  }

  get maxFileBytes(): number {
    return this.#maxFileBytes;
  }

  pfn(lfn: string): string {
    validateLfn(lfn);
    return this.#pfnPrefix + lfn;
  }

  async put(lfn: string, data: Uint8Array, vo: string): Promise<StoredFile> {
    this.authorize(lfn, vo, 'Write');
    if (data.length > this.#maxFileBytes) {
      throw new StorageError(
        'Invalid',
        `${data.length} bytes for ${lfn} exceed the ${this.#maxFileBytes} bytes SE ${this.name} accepts per file`,
      );
    }
    // A copy, since the caller may reuse its buffer.
    const held: Held = { ...this.#bytes.append(data), checksum: adler32(data) };
    this.#files.set(lfn, held);
    return this.#describe(lfn, held);
  }

  async get(lfn: string, vo: string): Promise<Uint8Array> {
    this.authorize(lfn, vo, 'Read');
    const held = this.#files.get(lfn);
    if (held === undefined) {
      throw new StorageError('NotFound', `SE ${this.name} holds no file ${lfn}`);
    }
    return this.#bytes.read(held);
  }

  async remove(lfn: string, vo: string): Promise<void> {
    this.authorize(lfn, vo, 'Remove');
    this.#files.delete(lfn);
  }

  async stat(lfn: string, vo: string): Promise<StoredFile | undefined> {
    this.authorize(lfn, vo, 'Check');
    const held = this.#files.get(lfn);
    return held === undefined ? undefined : this.#describe(lfn, held);
  }

  setAccess(type: AccessType, status: AccessStatus): void {
    this.#access[type] = status;
  }

  access(type: AccessType): AccessStatus {
    return this.#access[type];
  }

  #describe(lfn: string, held: Held): StoredFile {
    return { pfn: this.#pfnPrefix + lfn, size: held.length, checksum: held.checksum };
  }

  /** Frees the files' bytes; reading one afterwards throws. */
  close(): void {
    this.#bytes.close();
  }

  /**
   * Throws the `Invalid` or `Forbidden` error a call needing `type` would, so that the HTTP
   * server can refuse an upload before reading its body.
   */
  authorize(lfn: string, vo: string, type: AccessType): void {
    validateLfn(lfn);
    if (this.#vos.size > 0 && !this.#vos.has(vo)) {
      throw new StorageError(
        'Forbidden',
        `SE ${this.name} does not serve VO ${JSON.stringify(vo)} (only ${[...this.#vos].join(', ')})`,
      );
    }
    const allowed =
      isAccessAllowed(this.#access[type]) ||
      (type === 'Check' && isAccessAllowed(this.#access.Read));
    if (!allowed) {
      const andRead = type === 'Check' ? ', and so is Read' : '';
      throw new StorageError(
        'Forbidden',
        `${type} access to SE ${this.name} is ${this.#access[type]}${andRead}`,
      );
    }
  }
}
