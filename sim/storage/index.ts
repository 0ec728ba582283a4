export { adler32 } from './adler32.ts';
export { validateLfn } from './lfn.ts';
export {
  ACCESS_TYPES,
  type AccessStatus,
  type AccessType,
  type StorageElement,
  StorageError,
  type StorageErrorCode,
  type StoredFile,
} from './storage-element.ts';
export {
  DEFAULT_MAX_FILE_BYTES,
  MemoryStorageElement,
  type MemoryStorageElementOptions,
} from './memory-storage-element.ts';
export {
  CHECKSUM_HEADER,
  StorageServer,
  type StorageServerOptions,
  VO_HEADER,
  startStorageServer,
} from './storage-server.ts';
export { HttpStorageElement, type HttpStorageElementOptions } from './http-storage-element.ts';
export {
  type StorageFleet,
  type StorageFleetOptions,
  openStorageElements,
} from './storage-fleet.ts';
