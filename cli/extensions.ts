import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  type ExtensionFixtureSet,
  FIXTURE_SIZE_NAMES,
  type FixtureSetDefinition,
} from '../fixtures/index.ts';
import { SCENARIOS, type Scenario } from '../scenarios/index.ts';
import {
  type OperationsSection,
  type Registry,
  type RegistryEntries,
  builtinRegistry,
  extendRegistry,
} from '../services/app/index.ts';
import { UsageError } from '../services/core/index.ts';
import type { SqlDbDefinition } from '../services/db/index.ts';
import type { JobHookDefinition } from '../services/logic/index.ts';
import type { AccessPolicy, RouterDefinition } from '../services/routers/index.ts';

/**
 * What an extension's package.json declares under its `gridbox` key: for each kind of part,
 * the path (relative to the package.json) of a module whose exports are the definitions.
 * Every export of such a module, named or default, is one definition or an array of them.
 */
export interface ExtensionManifest {
  dbs?: string;
  routers?: string;
  policies?: string;
  config?: string;
  hooks?: string;
  fixtures?: string;
  scenarios?: string;
}

type Kind = keyof ExtensionManifest;

/** Kinds in the order they are loaded and reported; the keys a `gridbox` key may have. */
const KINDS: readonly Kind[] = [
  'dbs',
  'routers',
  'policies',
  'config',
  'hooks',
  'fixtures',
  'scenarios',
];

/** What one kind's entries are called in messages and in the registry's origins. */
const NOUN: Record<Kind, { one: string; a: string; origin: string }> = {
  dbs: { one: 'DB', a: 'a DB', origin: 'db' },
  routers: { one: 'router', a: 'a router', origin: 'router' },
  policies: { one: 'access policy', a: 'an access policy', origin: 'policy' },
  config: { one: 'configuration section', a: 'a configuration section', origin: 'config' },
  hooks: { one: 'hooks', a: 'a hooks entry', origin: 'hooks' },
  fixtures: { one: 'fixture set', a: 'a fixture set', origin: 'fixtures' },
  scenarios: { one: 'scenario', a: 'a scenario', origin: 'scenario' },
};

/** An extension found and imported, with the definitions of each kind it provides. */
export interface LoadedExtension {
  /** Its package name (or its folder's name when the package.json has none). */
  readonly name: string;
  readonly dir: string;
  readonly entries: Readonly<Record<Kind, readonly Named[]>>;
}

interface Named {
  readonly name: string;
}

export interface LoadedExtensions {
  /** The built-in registry with every extension's parts added or put in place. */
  readonly registry: Registry;
  /** The extensions' own scenarios, by name. */
  readonly scenarios: ReadonlyMap<string, Scenario>;
  /** The extensions' fixture sets (what `--fixtures NAME` may name besides gridbox's), by name. */
  readonly fixtureSets: ReadonlyMap<string, ExtensionFixtureSet>;
  readonly extensions: readonly LoadedExtension[];
}

/**
 * Loads extensions (folders or installed package names) into one registry. Problems are
 * UsageErrors of one sentence naming the extension and the entry: a package that cannot be
 * found, a `gridbox` key that is missing or malformed, a module that is missing, throws
 * when imported or exports something that is not a definition of its kind, two extensions
 * registering the same name (both adding it or both replacing gridbox's), and a scenario
 * that would replace one of the library's.
 * Whether each part fits with the rest (a router's needs, a replacement DB's methods, a
 * replacement policy's actions) is checked by buildApp, which names the extension too.
 */
export async function loadExtensions(
  specs: readonly string[],
  options: { cwd?: string; base?: Registry } = {},
): Promise<LoadedExtensions> {
  const cwd = options.cwd ?? process.cwd();
  const base = options.base ?? builtinRegistry;
  const extensions: LoadedExtension[] = [];
  for (const spec of specs) extensions.push(await loadExtension(spec, cwd));

  // Who registered each name: a second claim on a name is a conflict, whoever made the first.
  const claims = new Map<string, { extension: string; entry: Named }>();
  for (const extension of extensions)
    for (const kind of KINDS)
      for (const entry of extension.entries[kind]) {
        const key = `${NOUN[kind].origin} ${entry.name}`;
        const earlier = claims.get(key);
        if (earlier !== undefined) {
          const what = isBuiltin(base, kind, entry.name)
            ? `replace gridbox's ${NOUN[kind].one} "${entry.name}"`
            : `add ${NOUN[kind].a} named "${entry.name}"`;
          throw new UsageError(
            earlier.extension === extension.name
              ? `The extension "${extension.name}" registers the ${NOUN[kind].one} "${entry.name}" twice`
              : `The extensions "${earlier.extension}" and "${extension.name}" both ${what}; load only one of them`,
          );
        }
        if (kind === 'scenarios' && SCENARIOS.has(entry.name))
          throw new UsageError(
            `The extension "${extension.name}" exports a scenario named "${entry.name}", as one of gridbox's library; scenarios can only be added, under new names`,
          );
        if (kind === 'fixtures' && (FIXTURE_SIZE_NAMES as readonly string[]).includes(entry.name))
          throw new UsageError(
            `The extension "${extension.name}" exports a fixture set named "${entry.name}", as one of gridbox's; fixture sets can only be added, under new names`,
          );
        claims.set(key, { extension: extension.name, entry });
      }

  const all = <T>(kind: Kind) => extensions.flatMap((e) => e.entries[kind] as unknown as T[]);
  const entries: RegistryEntries = {
    dbs: all<SqlDbDefinition>('dbs'),
    routers: all<RouterDefinition>('routers'),
    policies: all<AccessPolicy>('policies'),
    operationsSections: all<OperationsSection>('config'),
    hooks: all<JobHookDefinition>('hooks'),
    origins: new Map([...claims].map(([key, claim]) => [key, claim.extension])),
  };
  return {
    registry: extensions.length === 0 ? base : extendRegistry(base, entries),
    scenarios: new Map(all<Scenario>('scenarios').map((s) => [s.name, s])),
    fixtureSets: new Map(
      extensions.flatMap((extension) =>
        (extension.entries.fixtures as FixtureSetDefinition[]).map(
          (definition) => [definition.name, { definition, extension: extension.name }] as const,
        ),
      ),
    ),
    extensions,
  };
}

function isBuiltin(base: Registry, kind: Kind, name: string): boolean {
  if (kind === 'dbs') return base.dbs.has(name) || base.storeDbs.has(name);
  if (kind === 'routers') return base.routers.has(name);
  if (kind === 'policies') return base.policies.has(name);
  return false;
}

/** One extension: its package.json read and checked, then each module it names imported. */
async function loadExtension(spec: string, cwd: string): Promise<LoadedExtension> {
  const dir = await findPackage(spec, cwd);
  const manifestPath = join(dir, 'package.json');
  let pkg: unknown;
  try {
    pkg = JSON.parse(await readFile(manifestPath, 'utf8'));
  } catch (error) {
    throw new UsageError(`Cannot read ${manifestPath}: ${(error as Error).message}`);
  }
  const packageName = (pkg as { name?: unknown }).name;
  const name = typeof packageName === 'string' && packageName !== '' ? packageName : basename(dir);
  const manifest = (pkg as { gridbox?: unknown }).gridbox;
  if (manifest === null || typeof manifest !== 'object' || Array.isArray(manifest))
    throw new UsageError(
      `The extension "${name}" (${manifestPath}) has no "gridbox" object in its package.json saying what it provides`,
    );
  for (const [key, value] of Object.entries(manifest)) {
    if (!(KINDS as readonly string[]).includes(key))
      throw new UsageError(
        `The extension "${name}" declares "gridbox.${key}" in its package.json; the known keys are ${KINDS.join(', ')}`,
      );
    if (typeof value !== 'string' || value === '')
      throw new UsageError(
        `The extension "${name}" declares "gridbox.${key}" as ${JSON.stringify(value)}; it must be the path of a module`,
      );
  }
  const entries = {} as Record<Kind, readonly Named[]>;
  for (const kind of KINDS) {
    const path = (manifest as ExtensionManifest)[kind];
    entries[kind] = path === undefined ? [] : await importEntries(name, dir, kind, path);
  }
  return { name, dir, entries };
}

/**
 * The folder of an extension: `spec` itself when it is a path (it starts with `.` or `/`,
 * or names an existing folder), else the installed package of that name in the nearest
 * `node_modules` up from `cwd`, as Node would resolve it.
 */
async function findPackage(spec: string, cwd: string): Promise<string> {
  const isFolder = async (path: string) => (await stat(path).catch(() => undefined))?.isDirectory();
  const hasManifest = async (path: string) =>
    (await stat(join(path, 'package.json')).catch(() => undefined))?.isFile() === true;
  const asPath = resolve(cwd, spec);
  if (spec.startsWith('.') || isAbsolute(spec) || (await isFolder(asPath))) {
    if (!(await isFolder(asPath)))
      throw new UsageError(`No extension at ${asPath}: there is no such folder`);
    if (!(await hasManifest(asPath)))
      throw new UsageError(`No extension at ${asPath}: the folder has no package.json`);
    return asPath;
  }
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', spec);
    if (await hasManifest(candidate)) return candidate;
    if (dirname(dir) === dir) break;
  }
  throw new UsageError(
    `No extension "${spec}": no installed package has that name (from ${cwd}), and no folder either`,
  );
}

async function importEntries(
  extension: string,
  dir: string,
  kind: Kind,
  relativePath: string,
): Promise<Named[]> {
  const path = resolve(dir, relativePath);
  const where = `its ${kind} module ${relativePath}`;
  if ((await stat(path).catch(() => undefined))?.isFile() !== true)
    throw new UsageError(`The extension "${extension}" names ${where}, which does not exist`);
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const why =
      code === 'ERR_UNSUPPORTED_NODE_MODULES_TYPE_STRIPPING'
        ? 'Node does not run TypeScript inside node_modules; an installed extension must ship JavaScript'
        : (error as Error).message;
    throw new UsageError(`The extension "${extension}" could not load ${where}: ${why}`);
  }
  const found: Named[] = [];
  for (const [exportName, value] of Object.entries(module))
    for (const [index, item] of (Array.isArray(value) ? value : [value]).entries()) {
      const label = Array.isArray(value) ? `${exportName}[${index}]` : exportName;
      const missing = SHAPES[kind](item as Record<string, unknown>);
      if (missing !== undefined)
        throw new UsageError(
          `The extension "${extension}": the export "${label}" of ${where} is not ${NOUN[kind].a} definition (${missing}; every export of that module is taken as one, so keep helpers in another module)`,
        );
      found.push(item as Named);
    }
  if (found.length === 0)
    throw new UsageError(`The extension "${extension}": ${where} exports no definition`);
  return found;
}

/** What a value lacks to be a definition of each kind, or undefined when it is one. */
const SHAPES: Record<Kind, (value: Record<string, unknown>) => string | undefined> = {
  dbs: (v) =>
    lacks(v, { name: 'string', migrations: 'function', open: 'function' }, 'SqlDbDefinition'),
  routers: (v) =>
    lacks(
      v,
      { name: 'string', prefix: 'string', requiresAuth: 'boolean', plugin: 'function' },
      'RouterDefinition',
    ) ??
    (Array.isArray((v.needs as { dbs?: unknown } | undefined)?.dbs) &&
    Array.isArray((v.needs as { policies?: unknown }).policies)
      ? undefined
      : 'a RouterDefinition has needs: { dbs: [...], policies: [...] }'),
  policies: (v) =>
    lacks(v, { name: 'string', check: 'function' }, 'AccessPolicy') ??
    (Array.isArray(v.actions) ? undefined : 'an AccessPolicy has an actions array'),
  config: (v) => lacks(v, { name: 'string', schema: 'object' }, 'configuration section'),
  hooks: (v) => lacks(v, { name: 'string' }, 'JobHookDefinition') ?? hooksShape(v),
  fixtures: (v) =>
    lacks(
      v,
      { name: 'string', description: 'string', generate: 'function' },
      'FixtureSetDefinition',
    ),
  scenarios: (v) =>
    lacks(v, { name: 'string', description: 'string' }, 'Scenario') ??
    (Array.isArray(v.steps) &&
    v.steps.every(
      (step: { run?: unknown; title?: unknown } | null) =>
        typeof step?.run === 'function' && typeof step.title === 'string',
    )
      ? undefined
      : 'a Scenario has steps made by scenarios/steps'),
};

const HOOKS = ['beforeSubmit', 'afterStatusChange'];

/** What an object with a name lacks to be a JobHookDefinition (its hooks, and only those). */
function hooksShape(value: Record<string, unknown>): string | undefined {
  if (!Array.isArray((value.needs as { dbs?: unknown } | undefined)?.dbs))
    return 'a JobHookDefinition has needs: { dbs: [...] }';
  const unknown = Object.keys(value).find((key) => !['name', 'needs', ...HOOKS].includes(key));
  if (unknown !== undefined)
    return `a JobHookDefinition has no "${unknown}"; its hooks are ${HOOKS.join(' and ')}`;
  const notFunction = HOOKS.find(
    (hook) => value[hook] !== undefined && typeof value[hook] !== 'function',
  );
  if (notFunction !== undefined) return `a JobHookDefinition's ${notFunction} is a function`;
  if (!HOOKS.some((hook) => typeof value[hook] === 'function'))
    return `a JobHookDefinition has ${HOOKS.join(' or ')}`;
  return undefined;
}

function lacks(
  value: Record<string, unknown>,
  fields: Record<string, string>,
  type: string,
): string | undefined {
  if (value === null || typeof value !== 'object') return `a ${type} is an object`;
  for (const [field, type_] of Object.entries(fields))
    if (typeof value[field] !== type_ || value[field] === null)
      return `a ${type} has ${type_ === 'object' ? 'an object' : `a ${type_}`} "${field}"`;
  return undefined;
}
