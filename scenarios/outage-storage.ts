import {
  type AccessStatus,
  type AccessType,
  type StorageElement,
  StorageError,
  type StoredFile,
} from '../sim/storage/index.ts';

/**
 * A storage element behind a switch: while it is down every call fails as an unreachable
 * SE does (`Unavailable`), and nothing it holds is lost; switched back, it answers again.
 */
export class OutageStorageElement implements StorageElement {
  readonly #inner: StorageElement;
  down = false;

  constructor(inner: StorageElement) {
    this.#inner = inner;
  }

  get name(): string {
    return this.#inner.name;
  }

  pfn(lfn: string): string {
    return this.#inner.pfn(lfn);
  }

  put(lfn: string, data: Uint8Array, vo: string): Promise<StoredFile> {
    return this.#reachable().then(() => this.#inner.put(lfn, data, vo));
  }

  get(lfn: string, vo: string): Promise<Uint8Array> {
    return this.#reachable().then(() => this.#inner.get(lfn, vo));
  }

  remove(lfn: string, vo: string): Promise<void> {
    return this.#reachable().then(() => this.#inner.remove(lfn, vo));
  }

  stat(lfn: string, vo: string): Promise<StoredFile | undefined> {
    return this.#reachable().then(() => this.#inner.stat(lfn, vo));
  }

  setAccess(type: AccessType, status: AccessStatus): void {
    this.#inner.setAccess(type, status);
  }

  access(type: AccessType): AccessStatus {
    return this.#inner.access(type);
  }

  async #reachable(): Promise<void> {
    if (this.down) throw new StorageError('Unavailable', `${this.name} does not answer (outage)`);
  }
}
