import { createHash } from 'node:crypto';
import type { Config } from './schema.ts';

/**
 * One revision of the configuration. `revision` plays the part of DiracX's git commit hash
 * (served as the ETag): a SHA-1 of the canonical JSON, so replicas serving the same
 * configuration agree on it without talking to each other.
 */
export interface ConfigSnapshot {
  readonly config: Config;
  readonly revision: string;
  /** When this revision was made, in whole seconds (HTTP dates have no finer grain). */
  readonly modifiedMs: number;
}

/** Where the services read the configuration from; `undefined` until it is loaded. */
export interface ConfigSource {
  current(): ConfigSnapshot | undefined;
}

export function snapshotOf(config: Config, modifiedMs: number): ConfigSnapshot {
  return {
    config,
    revision: createHash('sha1').update(canonicalJson(config)).digest('hex'),
    modifiedMs: Math.floor(modifiedMs / 1000) * 1000,
  };
}

/** A source that always serves the same snapshot. */
export function staticConfigSource(snapshot: ConfigSnapshot): ConfigSource {
  return { current: () => snapshot };
}

/** JSON with object keys sorted, so equal configurations hash equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
