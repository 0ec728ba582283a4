import type { Clock, ConfigSource } from '../core/index.ts';
import type { Database } from '../db/index.ts';
import type { AccessPolicy } from './access-policy.ts';

// The shared services every router may use; the app factory decorates them before any
// router is registered.
declare module 'fastify' {
  interface FastifyInstance {
    configSource: ConfigSource;
    dbs: ReadonlyMap<string, Database>;
    policies: ReadonlyMap<string, AccessPolicy>;
    clock: Clock;
  }
}
