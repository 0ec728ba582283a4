import type { FastifyPluginAsync } from 'fastify';

/**
 * A system of the API, as a DiracX `diracx.services` entry point: a Fastify plugin mounted
 * at `prefix`. An extension replaces a system by registering one with the same name.
 */
export interface RouterDefinition {
  /** The system name (`config`, `health`, `.well-known`…). */
  readonly name: string;
  /** Where it is mounted: `/api/<name>`, or '' for `.well-known`. */
  readonly prefix: string;
  /** Every route needs a valid access token (DiracX's `require_auth`). */
  readonly requiresAuth: boolean;
  readonly plugin: FastifyPluginAsync;
  /**
   * The DBs and access policies the plugin uses, by registry name: the app refuses to start
   * when one is missing (or a DB does not implement its interface) instead of failing at
   * the first request.
   */
  readonly needs: { readonly dbs: readonly string[]; readonly policies: readonly string[] };
}
