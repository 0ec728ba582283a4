import type { AuthDB } from './auth/auth-db.ts';
import type { Database } from './database.ts';
import type { FileCatalogDB } from './file-catalog/file-catalog-db.ts';
import type { JobDB } from './job/job-db.ts';
import type { JobLoggingDB } from './job-logging/job-logging-db.ts';
import type { JobParametersDB } from './job-parameters/job-parameters-db.ts';
import type { PilotAgentsDB } from './pilot-agents/pilot-agents-db.ts';
import type { ResourceStatusDB } from './resource-status/resource-status-db.ts';
import type { SandboxMetadataDB } from './sandbox-metadata/sandbox-metadata-db.ts';
import type { TaskQueueDB } from './task-queue/task-queue-db.ts';

/** The DBs gridbox knows by DiracX name, and the interface each must implement. */
export interface DbInterfaces {
  AuthDB: AuthDB;
  FileCatalogDB: FileCatalogDB;
  JobDB: JobDB;
  JobLoggingDB: JobLoggingDB;
  JobParametersDB: JobParametersDB;
  PilotAgentsDB: PilotAgentsDB;
  ResourceStatusDB: ResourceStatusDB;
  SandboxMetadataDB: SandboxMetadataDB;
  TaskQueueDB: TaskQueueDB;
}

export type DbName = keyof DbInterfaces;

/**
 * The DBs an app opened, by name: typed for the known names, any `Database` for names an
 * extension adds. The app checks at start-up that every DB a router needs is here and
 * implements its interface, so a lookup never fails while a request is served.
 */
export class DbSet {
  readonly #dbs: ReadonlyMap<string, Database>;

  constructor(dbs: ReadonlyMap<string, Database>) {
    this.#dbs = dbs;
  }

  get<N extends DbName>(name: N): DbInterfaces[N] {
    const db = this.#dbs.get(name);
    if (db === undefined) throw new Error(`no DB named ${name} is registered`);
    return db as DbInterfaces[N];
  }

  /** A DB by any name (an extension's own), or undefined. */
  named(name: string): Database | undefined {
    return this.#dbs.get(name);
  }

  has(name: string): boolean {
    return this.#dbs.has(name);
  }

  values(): IterableIterator<Database> {
    return this.#dbs.values();
  }

  names(): string[] {
    return [...this.#dbs.keys()].sort();
  }
}

/**
 * The public methods of a DB object (its own and its classes', up to `Object`), which a
 * replacement must also have to implement the same interface.
 */
export function methodsOf(db: object): Set<string> {
  const methods = new Set<string>();
  for (
    let proto = db;
    proto !== null && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto)
  )
    for (const name of Object.getOwnPropertyNames(proto))
      if (name !== 'constructor' && typeof (db as Record<string, unknown>)[name] === 'function')
        methods.add(name);
  return methods;
}
