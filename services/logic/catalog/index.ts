export { type CatalogCaller, type CatalogDeps } from './bulk.ts';
export { pathProblem } from './lfn.ts';
export { addFiles, getFileMetadata, removeFiles } from './files.ts';
export { addReplicas, getReplicas, removeReplicas } from './replicas.ts';
export { createDirectory, listDirectory } from './directories.ts';
export { findFilesByMetadata, setMetadata } from './metadata.ts';
