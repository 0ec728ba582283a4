import type { FileCatalog } from '../../client/index.ts';
import type {
  BulkResult,
  DirectoryListing,
  FileMetadata,
  MetadataValue,
  NewFile,
} from '../../services/core/index.ts';

interface Entry {
  metadata: FileMetadata;
  replicas: Map<string, string>;
  tags: Record<string, MetadataValue>;
}

/**
 * A file catalog held by the simulator itself, for servers that have none (DiracX has no
 * catalog API yet): the grid's pilots register and find replicas there as they would in
 * DIRAC's catalog. It keeps no owners or permissions: every caller sees every file.
 */
export class MemoryFileCatalog implements FileCatalog {
  readonly #files = new Map<string, Entry>();
  readonly #dirs = new Map<string, Record<string, MetadataValue>>();
  readonly #now: () => string;

  constructor(now: () => string) {
    this.#now = now;
  }

  async addFiles(files: Record<string, NewFile>): Promise<BulkResult<true>> {
    return this.#bulk(Object.keys(files), (lfn) => {
      const file = files[lfn]!;
      const existing = this.#files.get(lfn);
      if (existing !== undefined) {
        if (existing.metadata.Size !== file.Size || existing.metadata.Checksum !== file.Checksum)
          return 'File already registered with alternative metadata';
        existing.replicas.set(file.SE, file.PFN);
        return true;
      }
      const now = this.#now();
      this.#files.set(lfn, {
        metadata: {
          Size: file.Size,
          Checksum: file.Checksum.toLowerCase(),
          GUID: file.GUID ?? '',
          Owner: '',
          OwnerGroup: '',
          Mode: 0o775,
          Status: 'AprioriGood',
          CreationDate: now,
          ModificationDate: now,
        },
        replicas: new Map([[file.SE, file.PFN]]),
        tags: {},
      });
      this.#mkdirs(parent(lfn));
      return true;
    });
  }

  async removeFiles(lfns: readonly string[]): Promise<BulkResult<true>> {
    return this.#bulk(lfns, (lfn) => {
      this.#files.delete(lfn);
      return true;
    });
  }

  async getFileMetadata(lfns: readonly string[]): Promise<BulkResult<FileMetadata>> {
    return this.#bulk(lfns, (lfn) => this.#files.get(lfn)?.metadata ?? 'No such file or directory');
  }

  async addReplicas(
    replicas: Record<string, { PFN: string; SE: string }>,
  ): Promise<BulkResult<true>> {
    return this.#bulk(Object.keys(replicas), (lfn) => {
      const entry = this.#files.get(lfn);
      if (entry === undefined) return 'No such file or directory';
      entry.replicas.set(replicas[lfn]!.SE, replicas[lfn]!.PFN);
      return true;
    });
  }

  async removeReplicas(replicas: Record<string, { SE: string }>): Promise<BulkResult<true>> {
    return this.#bulk(Object.keys(replicas), (lfn) => {
      this.#files.get(lfn)?.replicas.delete(replicas[lfn]!.SE);
      return true;
    });
  }

  async getReplicas(lfns: readonly string[]): Promise<BulkResult<Record<string, string>>> {
    return this.#bulk(lfns, (lfn) => {
      const entry = this.#files.get(lfn);
      return entry === undefined
        ? 'No such file or directory'
        : Object.fromEntries([...entry.replicas].sort(([a], [b]) => (a < b ? -1 : 1)));
    });
  }

  async listDirectory(path: string): Promise<DirectoryListing> {
    if (!this.#dirs.has(path)) throw new Error(`No such directory ${path}`);
    const prefix = path === '/' ? '/' : `${path}/`;
    const direct = (p: string) => p.startsWith(prefix) && !p.slice(prefix.length).includes('/');
    return {
      Path: path,
      SubDirs: [...this.#dirs.keys()].filter(direct).sort(),
      Files: Object.fromEntries(
        [...this.#files]
          .filter(([lfn]) => direct(lfn))
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([lfn, entry]) => [lfn, entry.metadata]),
      ),
    };
  }

  async createDirectory(path: string): Promise<void> {
    this.#mkdirs(path);
  }

  async setMetadata(path: string, metadata: Record<string, MetadataValue>): Promise<void> {
    const entry = this.#files.get(path);
    if (entry !== undefined) Object.assign(entry.tags, metadata);
    else if (this.#dirs.has(path)) Object.assign(this.#dirs.get(path)!, metadata);
    else throw new Error(`No such file or directory ${path}`);
  }

  async findFiles(path: string, metadata: Record<string, MetadataValue>): Promise<string[]> {
    const prefix = path === '/' ? '/' : `${path}/`;
    return [...this.#files]
      .filter(([lfn, entry]) => {
        if (!lfn.startsWith(prefix)) return false;
        const inherited = { ...this.#inherited(parent(lfn)), ...entry.tags };
        return Object.entries(metadata).every(([key, value]) => inherited[key] === value);
      })
      .map(([lfn]) => lfn)
      .sort();
  }

  #inherited(dir: string): Record<string, MetadataValue> {
    const chain: Record<string, MetadataValue>[] = [];
    for (let d = dir; ; d = parent(d)) {
      chain.unshift(this.#dirs.get(d) ?? {});
      if (d === '/') break;
    }
    return Object.assign({}, ...chain);
  }

  #mkdirs(path: string): void {
    for (let d = path; !this.#dirs.has(d); d = parent(d)) {
      this.#dirs.set(d, {});
      if (d === '/') break;
    }
  }

  async #bulk<T>(lfns: readonly string[], each: (lfn: string) => T | string) {
    const result: BulkResult<T> = { Successful: {}, Failed: {} };
    for (const lfn of lfns) {
      const value = each(lfn);
      if (typeof value === 'string') result.Failed[lfn] = value;
      else result.Successful[lfn] = value;
    }
    return result;
  }
}

function parent(path: string): string {
  const cut = path.lastIndexOf('/');
  return cut <= 0 ? '/' : path.slice(0, cut);
}
