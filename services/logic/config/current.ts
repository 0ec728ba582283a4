import { ConfigNotReadyError, type ConfigSnapshot, type ConfigSource } from '../../core/index.ts';

/** The loaded configuration, or a 503 (with Retry-After) while there is none yet. */
export function requireConfig(source: ConfigSource): ConfigSnapshot {
  const snapshot = source.current();
  if (snapshot === undefined) throw new ConfigNotReadyError();
  return snapshot;
}
