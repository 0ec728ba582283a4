import type {
  AddFilesBody,
  AddReplicasBody,
  BulkResult,
  DirectoryListing,
  DirectoryPath,
  FileMetadata,
  FindFilesBody,
  FoundFiles,
  GetReplicasBody,
  LfnList,
  MetadataValue,
  RemoveReplicasBody,
  ReplicaLocations,
  SetMetadataBody,
} from '../services/core/index.ts';
import type { DiracxClient } from './diracx-client.ts';

/**
 * A file catalog shaped after DIRAC's File Catalog. The simulator's pilots use this
 * interface only, so it can be pointed at another catalog than gridbox's own.
 */
export interface FileCatalog {
  addFiles(files: AddFilesBody): Promise<BulkResult<true>>;
  removeFiles(lfns: readonly string[]): Promise<BulkResult<true>>;
  getFileMetadata(lfns: readonly string[]): Promise<BulkResult<FileMetadata>>;
  addReplicas(replicas: AddReplicasBody): Promise<BulkResult<true>>;
  removeReplicas(replicas: RemoveReplicasBody): Promise<BulkResult<true>>;
  /** SE → PFN for each LFN. */
  getReplicas(lfns: readonly string[], allStatuses?: boolean): Promise<ReplicaLocations>;
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

  addFiles(files: AddFilesBody) {
    return this.#client.request<BulkResult<true>>(
      'Registering files',
      'POST',
      '/api/catalog/files',
      files,
    );
  }

  removeFiles(lfns: readonly string[]) {
    const body: LfnList = { lfns: [...lfns] };
    return this.#client.request<BulkResult<true>>(
      'Removing files',
      'POST',
      '/api/catalog/files/remove',
      body,
    );
  }

  getFileMetadata(lfns: readonly string[]) {
    const body: LfnList = { lfns: [...lfns] };
    return this.#client.request<BulkResult<FileMetadata>>(
      'Reading file metadata',
      'POST',
      '/api/catalog/files/metadata',
      body,
    );
  }

  addReplicas(replicas: AddReplicasBody) {
    return this.#client.request<BulkResult<true>>(
      'Registering replicas',
      'POST',
      '/api/catalog/replicas',
      replicas,
    );
  }

  removeReplicas(replicas: RemoveReplicasBody) {
    return this.#client.request<BulkResult<true>>(
      'Removing replicas',
      'POST',
      '/api/catalog/replicas/remove',
      replicas,
    );
  }

  getReplicas(lfns: readonly string[], allStatuses = false) {
    const body: GetReplicasBody = { lfns: [...lfns], all_statuses: allStatuses };
    return this.#client.request<ReplicaLocations>(
      'Looking up replicas',
      'POST',
      '/api/catalog/replicas/query',
      body,
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
    const body: DirectoryPath = { path };
    await this.#client.request(
      'Creating a directory',
      'PUT',
      '/api/catalog/directory',
      body,
      [204],
    );
  }

  async setMetadata(path: string, metadata: Record<string, MetadataValue>) {
    const body: SetMetadataBody = { path, metadata };
    await this.#client.request('Setting metadata', 'PATCH', '/api/catalog/metadata', body, [204]);
  }

  async findFiles(path: string, metadata: Record<string, MetadataValue>) {
    const body: FindFilesBody = { path, metadata };
    const found = await this.#client.request<FoundFiles>(
      'Finding files',
      'POST',
      '/api/catalog/find',
      body,
    );
    return found.lfns;
  }
}
