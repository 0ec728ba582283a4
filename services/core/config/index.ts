export * from './schema.ts';
export {
  type ConfigSnapshot,
  type ConfigSource,
  canonicalJson,
  snapshotOf,
  staticConfigSource,
} from './snapshot.ts';
