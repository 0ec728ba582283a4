import {
  authDb,
  fileCatalogDb,
  jobDb,
  jobLoggingDb,
  pilotAgentsDb,
  resourceStatusDb,
  sandboxMetadataDb,
  taskQueueDb,
  type SqlDbDefinition,
  type StoreDbDefinition,
  jobParametersDb,
} from '../db/index.ts';
import {
  type AccessPolicy,
  type RouterDefinition,
  authRouter,
  catalogPolicy,
  catalogRouter,
  configRouter,
  healthRouter,
  jobsRouter,
  openAccessPolicy,
  pilotPolicy,
  rssPolicy,
  sandboxPolicy,
  pilotsRouter,
  rssRouter,
  sandboxStoreRouter,
  wellKnownRouter,
  wmsPolicy,
} from '../routers/index.ts';
import type { JobHookDefinition } from '../logic/index.ts';
import type { TSchema } from 'typebox';

/**
 * A section an extension adds to each VO's Operations (`Operations.<vo>.<name>`), with the
 * TypeBox schema the section must match when a VO has it. DiracX lets an extension subclass
 * its whole Config model; gridbox's Operations already keeps free-form sections, so an
 * extension names its own and the app checks it at start-up.
 */
export interface OperationsSection {
  readonly name: string;
  readonly schema: TSchema;
}

/**
 * The replaceable parts of the services, each under its DiracX name. The app factory
 * assembles what is here and nothing else; an extension replaces an entry by using its
 * name, and adds new parts under new names.
 */
export interface Registry {
  readonly dbs: ReadonlyMap<string, SqlDbDefinition>;
  /** DBs that DiracX keeps in OpenSearch; in-process here. */
  readonly storeDbs: ReadonlyMap<string, StoreDbDefinition>;
  readonly routers: ReadonlyMap<string, RouterDefinition>;
  readonly policies: ReadonlyMap<string, AccessPolicy>;
  /** Configuration sections added by extensions; none are built in. */
  readonly operationsSections?: ReadonlyMap<string, OperationsSection>;
  /** Logic hooks added by extensions, in the order they run (load order); none are built in. */
  readonly hooks?: ReadonlyMap<string, JobHookDefinition>;
  /**
   * Which extension registered an entry, keyed `db JobDB`, `router jobs`, `policy wms`…;
   * start-up errors name it. Built-in entries are not listed.
   */
  readonly origins?: ReadonlyMap<string, string>;
}

export interface RegistryEntries {
  dbs?: readonly SqlDbDefinition[];
  storeDbs?: readonly StoreDbDefinition[];
  routers?: readonly RouterDefinition[];
  policies?: readonly AccessPolicy[];
  operationsSections?: readonly OperationsSection[];
  hooks?: readonly JobHookDefinition[];
  origins?: ReadonlyMap<string, string>;
}

const byName = <T extends { name: string }>(entries: readonly T[]) =>
  new Map(entries.map((entry) => [entry.name, entry] as const));

export const builtinRegistry: Registry = {
  dbs: byName([
    authDb,
    fileCatalogDb,
    jobDb,
    jobLoggingDb,
    pilotAgentsDb,
    resourceStatusDb,
    sandboxMetadataDb,
    taskQueueDb,
  ]),
  storeDbs: byName([jobParametersDb]),
  routers: byName([
    authRouter,
    catalogRouter,
    configRouter,
    healthRouter,
    jobsRouter,
    pilotsRouter,
    rssRouter,
    sandboxStoreRouter,
    wellKnownRouter,
  ]),
  policies: byName([
    catalogPolicy,
    openAccessPolicy,
    pilotPolicy,
    rssPolicy,
    sandboxPolicy,
    wmsPolicy,
  ]),
};

/** A registry where `overrides` replace the entries of `base` that have the same name. */
export function extendRegistry(base: Registry, overrides: RegistryEntries): Registry {
  // A DB replaced by one of the other kind (an SQL JobParametersDB) leaves its own kind's map.
  const dbs = byName(overrides.dbs ?? []);
  const storeDbs = byName(overrides.storeDbs ?? []);
  const without = <T>(map: ReadonlyMap<string, T>, names: ReadonlyMap<string, unknown>) =>
    [...map].filter(([name]) => !names.has(name));
  return {
    dbs: new Map([...without(base.dbs, storeDbs), ...dbs]),
    storeDbs: new Map([...without(base.storeDbs, dbs), ...storeDbs]),
    routers: new Map([...base.routers, ...byName(overrides.routers ?? [])]),
    policies: new Map([...base.policies, ...byName(overrides.policies ?? [])]),
    operationsSections: new Map([
      ...(base.operationsSections ?? []),
      ...byName(overrides.operationsSections ?? []),
    ]),
    hooks: new Map([...(base.hooks ?? []), ...byName(overrides.hooks ?? [])]),
    origins: new Map([...(base.origins ?? []), ...(overrides.origins ?? [])]),
  };
}
