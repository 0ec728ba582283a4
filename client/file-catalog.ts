import type {
  BulkResult,
  DirectoryListing,
  FileMetadata,
  MetadataValue,
  NewFile,
} from '../services/core/index.ts';
import type { DiracxClient } from './diracx-client.ts';

/**
 * A file catalog shaped after DIRAC's File Catalog. The simulator's pilots use this
 * interface only, so it can be pointed at another catalog than gridbox's own.
 */
export interface FileCatalog {
  addFiles(files: Record<string, NewFile>): Promise<BulkResult<true>>;
  removeFiles(lfns: readonly string[]): Promise<BulkResult<true>>;
  getFileMetadata(lfns: readonly string[]): Promise<BulkResult<FileMetadata>>;
  addReplicas(replicas: Record<string, { PFN: string; SE: string }>): Promise<BulkResult<true>>;
  removeReplicas(replicas: Record<string, { SE: string }>): Promise<BulkResult<true>>;
  /** SE → PFN for each LFN. */
  getReplicas(
    lfns: readonly string[],
    allStatuses?: boolean,
  ): Promise<BulkResult<Record<string, string>>>;
  listDirectory(path: string): Promise<DirectoryListing>;
  createDirectory(path: string): Promise<void>;
  setMetadata(path: string, metadata: Record<string, MetadataValue>): Promise<void>;
  findFiles(path: string, metadata: Record<string, MetadataValue>): Promise<string[]>;
}

/** gridbox's catalog service (/api/catalog), reached through the DiracX client's transport. */
export class GridboxFileCatalog implements FileCatalog {
  readonly #client: DiracxClient;

  constructor(client: DiracxClient) {
    this.#client = client;
  }

  addFiles(files: Record<string, NewFile>) {
    return this.#client.request<BulkResult<true>>(
      'Registering files',
      'POST',
      '/api/catalog/files',
      files,
    );
  }

  removeFiles(lfns: readonly string[]) {
    return this.#client.request<BulkResult<true>>(
      'Removing files',
      'POST',
      '/api/catalog/files/remove',
      { lfns },
    );
  }

  getFileMetadata(lfns: readonly string[]) {
    return this.#client.request<BulkResult<FileMetadata>>(
      'Reading file metadata',
      'POST',
      '/api/catalog/files/metadata',
      { lfns },
    );
  }

  addReplicas(replicas: Record<string, { PFN: string; SE: string }>) {
    return this.#client.request<BulkResult<true>>(
      'Registering replicas',
      'POST',
      '/api/catalog/replicas',
      replicas,
    );
  }

  removeReplicas(replicas: Record<string, { SE: string }>) {
    return this.#client.request<BulkResult<true>>(
      'Removing replicas',
      'POST',
      '/api/catalog/replicas/remove',
      replicas,
    );
  }

  getReplicas(lfns: readonly string[], allStatuses = false) {
    return this.#client.request<BulkResult<Record<string, string>>>(
      'Looking up replicas',
      'POST',
      '/api/catalog/replicas/query',
      { lfns, all_statuses: allStatuses },
    );
  }

  listDirectory(path: string) {
    return this.#client.request<DirectoryListing>(
      'Listing a directory',
      'GET',
      `/api/catalog/directory?path=${encodeURIComponent(path)}`,
    );
  }

  async createDirectory(path: string) {
    await this.#client.request(
      'Creating a directory',
      'PUT',
      '/api/catalog/directory',
      { path },
      [204],
    );
  }

  async setMetadata(path: string, metadata: Record<string, MetadataValue>) {
    await this.#client.request(
      'Setting metadata',
      'PATCH',
      '/api/catalog/metadata',
      { path, metadata },
      [204],
    );
  }

  async findFiles(path: string, metadata: Record<string, MetadataValue>) {
    const found = await this.#client.request<{ lfns: string[] }>(
      'Finding files',
      'POST',
      '/api/catalog/find',
      { path, metadata },
    );
    return found.lfns;
  }
}
