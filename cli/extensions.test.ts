import { mkdtempSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../services/app/index.ts';
import { testBox } from '../services/app/test-box.testkit.ts';
import { UsageError, snapshotOf, staticConfigSource } from '../services/core/index.ts';
import { generateFixtures } from '../fixtures/index.ts';
import { loadExtensions } from './extensions.ts';
import type { Io } from './io.ts';
import { main } from './main.ts';

const EXAMPLE_DIR = fileURLToPath(new URL('../extensions/example', import.meta.url));
const FIXTURES = pathToFileURL(
  fileURLToPath(new URL('../fixtures/index.ts', import.meta.url)),
).href;
const SQL_JOB_DB = pathToFileURL(
  fileURLToPath(new URL('../services/db/index.ts', import.meta.url)),
).href;

/** A hooks module source: one entry `name` needing `dbs`, with an observer doing nothing. */
const hooksModule = (name: string, dbs: string[] = []) => `
export const hooks = {
  name: ${JSON.stringify(name)},
  needs: { dbs: ${JSON.stringify(dbs)} },
  afterStatusChange: async () => {},
};
`;

/** A fixtures module source: one set `name`, gridbox's small one. */
const fixturesModule = (name: string) => `
import { generateFixtures } from ${JSON.stringify(FIXTURES)};
export const set = {
  name: ${JSON.stringify(name)},
  description: 'the small set under another name',
  generate: (seed) => generateFixtures({ seed, size: 'small' }),
};
`;

/** A router module source registering `name` (at /api/<name>), needing nothing. */
const routerModule = (name: string) => `
export const router = {
  name: ${JSON.stringify(name)},
  prefix: ${JSON.stringify(`/api/${name}`)},
  requiresAuth: false,
  needs: { dbs: [], policies: [] },
  plugin: async () => {},
};
`;

const root = mkdtempSync(join(tmpdir(), 'gridbox-extensions-'));

/** Writes an extension folder under the test's temporary root: its package.json and files. */
async function extension(
  folder: string,
  gridbox: unknown,
  files: Record<string, string> = {},
  name: string | undefined = folder,
): Promise<string> {
  const dir = join(root, folder);
  await mkdir(join(dir, 'src'), { recursive: true });
  await writeFile(
    join(dir, 'package.json'),
    JSON.stringify({ ...(name === undefined ? {} : { name }), type: 'module', gridbox }),
  );
  for (const [path, text] of Object.entries(files)) await writeFile(join(dir, path), text);
  return dir;
}

afterAll(() => rm(root, { recursive: true, force: true }));

describe('loading extensions', () => {
  it('adds new parts and puts replacements in place of the built-ins', async () => {
    const { registry, scenarios, extensions } = await loadExtensions([EXAMPLE_DIR]);
    expect(extensions.map((e) => e.name)).toEqual(['gridbox-extension-example']);
    expect(registry.routers.has('lollygag')).toBe(true);
    expect(registry.routers.has('jobs')).toBe(true);
    expect(registry.dbs.get('LollygagDB')).toBeDefined();
    expect(registry.policies.get('wms')?.actions).toEqual(
      expect.arrayContaining(['create', 'match']),
    );
    expect(registry.origins?.get('db JobDB')).toBe('gridbox-extension-example');
    expect([...scenarios.keys()]).toEqual(['example-lollygag']);
  });

  it('finds an installed package by name in node_modules', async () => {
    const project = join(root, 'project');
    await extension(join('project', 'node_modules', 'gridbox-ext-installed'), {
      routers: './src/routers.js',
    });
    await writeFile(
      join(project, 'node_modules', 'gridbox-ext-installed', 'src', 'routers.js'),
      routerModule('installed'),
    );
    const { registry } = await loadExtensions(['gridbox-ext-installed'], { cwd: project });
    expect(registry.routers.get('installed')?.prefix).toBe('/api/installed');
  });

  // Each case: the extensions (folder, gridbox key, files), and the error's one sentence.
  const broken: [string, () => Promise<string[]>, string | RegExp][] = [
    [
      'a router module that throws when imported',
      async () => [
        await extension(
          'throws',
          { routers: './src/routers.ts' },
          { 'src/routers.ts': "throw new Error('boom at import');\n" },
        ),
      ],
      'The extension "throws" could not load its routers module ./src/routers.ts: boom at import',
    ],
    [
      'two extensions adding the same new name',
      async () => [
        await extension(
          'first',
          { routers: './src/routers.js' },
          { 'src/routers.js': routerModule('gubbins') },
        ),
        await extension(
          'second',
          { routers: './src/routers.js' },
          { 'src/routers.js': routerModule('gubbins') },
        ),
      ],
      'The extensions "first" and "second" both add a router named "gubbins"; load only one of them',
    ],
    [
      'two extensions replacing the same built-in',
      async () => [
        await extension(
          'health-a',
          { routers: './src/routers.js' },
          { 'src/routers.js': routerModule('health') },
        ),
        await extension(
          'health-b',
          { routers: './src/routers.js' },
          { 'src/routers.js': routerModule('health') },
        ),
      ],
      `The extensions "health-a" and "health-b" both replace gridbox's router "health"`,
    ],
    [
      'a path that does not exist',
      () => Promise.resolve([join(root, 'nowhere')]),
      `No extension at ${join(root, 'nowhere')}: there is no such folder`,
    ],
    [
      'a package that is not installed',
      () => Promise.resolve(['gridbox-ext-not-installed']),
      /^No extension "gridbox-ext-not-installed": no installed package has that name/,
    ],
    [
      'a folder without package.json',
      async () => {
        await mkdir(join(root, 'bare'), { recursive: true });
        return [join(root, 'bare')];
      },
      `No extension at ${join(root, 'bare')}: the folder has no package.json`,
    ],
    [
      'a package.json without a gridbox key',
      async () => [await extension('plain', undefined)],
      /^The extension "plain" \(.*package\.json\) has no "gridbox" object/,
    ],
    [
      'an unknown kind of entry',
      async () => [await extension('logic', { logic: './src/logic.js' })],
      'The extension "logic" declares "gridbox.logic" in its package.json; the known keys are dbs, routers, policies, config, hooks, fixtures, scenarios',
    ],
    [
      'a module that does not exist',
      async () => [await extension('missing', { dbs: './src/dbs.ts' })],
      'The extension "missing" names its dbs module ./src/dbs.ts, which does not exist',
    ],
    [
      'a module exporting something that is not a definition',
      async () => [
        await extension(
          'shape',
          { policies: './src/policies.js' },
          { 'src/policies.js': "export const helper = { name: 'x', check() {} };\n" },
        ),
      ],
      'The extension "shape": the export "helper" of its policies module ./src/policies.js is not an access policy definition (an AccessPolicy has an actions array',
    ],
    [
      'a scenario under the name of one of the library',
      async () => [
        await extension(
          'smoky',
          { scenarios: './src/scenarios.js' },
          {
            'src/scenarios.js':
              "export const smoke = { name: 'smoke', description: '', steps: [] };\n",
          },
        ),
      ],
      'The extension "smoky" exports a scenario named "smoke", as one of gridbox\'s library; scenarios can only be added, under new names',
    ],
    [
      'a hooks entry without needs',
      async () => [
        await extension(
          'hooks-no-needs',
          { hooks: './src/hooks.js' },
          {
            'src/hooks.js': "export const audit = { name: 'audit', afterStatusChange() {} };\n",
          },
        ),
      ],
      'The extension "hooks-no-needs": the export "audit" of its hooks module ./src/hooks.js is not a hooks entry definition (a JobHookDefinition has needs: { dbs: [...] }',
    ],
    [
      'a hooks entry with a misspelt hook',
      async () => [
        await extension(
          'hooks-typo',
          { hooks: './src/hooks.js' },
          {
            'src/hooks.js':
              "export const audit = { name: 'audit', needs: { dbs: [] }, beforeSubmitt() {} };\n",
          },
        ),
      ],
      'The extension "hooks-typo": the export "audit" of its hooks module ./src/hooks.js is not a hooks entry definition (a JobHookDefinition has no "beforeSubmitt"; its hooks are beforeSubmit and afterStatusChange',
    ],
    [
      'a hooks entry whose hook is not a function',
      async () => [
        await extension(
          'hooks-value',
          { hooks: './src/hooks.js' },
          {
            'src/hooks.js':
              "export const audit = { name: 'audit', needs: { dbs: [] }, beforeSubmit: true };\n",
          },
        ),
      ],
      "is not a hooks entry definition (a JobHookDefinition's beforeSubmit is a function",
    ],
    [
      'a hooks entry with no hook at all',
      async () => [
        await extension(
          'hooks-empty',
          { hooks: './src/hooks.js' },
          { 'src/hooks.js': "export const audit = { name: 'audit', needs: { dbs: [] } };\n" },
        ),
      ],
      'is not a hooks entry definition (a JobHookDefinition has beforeSubmit or afterStatusChange',
    ],
    [
      'two extensions adding hooks under the same name',
      async () => [
        await extension(
          'hooks-a',
          { hooks: './src/hooks.js' },
          { 'src/hooks.js': hooksModule('audit') },
        ),
        await extension(
          'hooks-b',
          { hooks: './src/hooks.js' },
          { 'src/hooks.js': hooksModule('audit') },
        ),
      ],
      'The extensions "hooks-a" and "hooks-b" both add a hooks entry named "audit"; load only one of them',
    ],
    [
      'a fixture set that is not a definition',
      async () => [
        await extension(
          'fixtures-shape',
          { fixtures: './src/fixtures.js' },
          { 'src/fixtures.js': "export const tiny = { name: 'tiny', description: 'x' };\n" },
        ),
      ],
      'The extension "fixtures-shape": the export "tiny" of its fixtures module ./src/fixtures.js is not a fixture set definition (a FixtureSetDefinition has a function "generate"',
    ],
    [
      "a fixture set under the name of one of gridbox's",
      async () => [
        await extension(
          'fixtures-small',
          { fixtures: './src/fixtures.js' },
          { 'src/fixtures.js': fixturesModule('small') },
        ),
      ],
      'The extension "fixtures-small" exports a fixture set named "small", as one of gridbox\'s; fixture sets can only be added, under new names',
    ],
    [
      'two extensions adding the same fixture set',
      async () => [
        await extension(
          'sets-a',
          { fixtures: './src/fixtures.js' },
          { 'src/fixtures.js': fixturesModule('tiny') },
        ),
        await extension(
          'sets-b',
          { fixtures: './src/fixtures.js' },
          { 'src/fixtures.js': fixturesModule('tiny') },
        ),
      ],
      'The extensions "sets-a" and "sets-b" both add a fixture set named "tiny"; load only one of them',
    ],
  ];
  it.each(broken)('refuses %s in one sentence', async (_title, make, message) => {
    const specs = await make();
    const error = await loadExtensions(specs).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toMatch(/\n/);
  });

  const refusedAtStart: [string, string, string, string][] = [
    [
      'a policy in place of wms that decides only some of its actions',
      'policies',
      "export const wms = { name: 'wms', actions: ['create'], check: async () => {} };\n",
      'The access policy "wms" (from the extension "start-policies") registered in place of gridbox\'s does not decide read, manage, query, pilot, match',
    ],
    [
      'hooks needing a DB that nothing registers',
      'hooks',
      hooksModule('audit', ['AuditDB']),
      'The hooks "audit" (from the extension "start-hooks") need the DB AuditDB, which no entry registers',
    ],
    [
      'a router needing a DB that nothing registers',
      'routers',
      routerModule('needy').replace('dbs: []', "dbs: ['GubbinsDB']"),
      'The router "needy" (from the extension "start-routers") needs the DB GubbinsDB, which no entry registers',
    ],
  ];
  it.each(refusedAtStart)('refuses at start-up %s', async (_title, kind, source, message) => {
    const dir = await extension(
      `start-${kind}`,
      { [kind]: `./src/${kind}.js` },
      {
        [`src/${kind}.js`]: source,
      },
    );
    const { registry } = await loadExtensions([dir]);
    const { config } = generateFixtures({ seed: 1, size: 'small' });
    await expect(
      buildApp({ configSource: staticConfigSource(snapshotOf(config, 0)), registry }),
    ).rejects.toThrow(message);
  });

  it('puts an SQL DB in place of a built-in kept outside SQL, and checks it', async () => {
    const dir = await extension(
      'sql-parameters',
      { dbs: './src/dbs.js' },
      {
        'src/dbs.js': `export const parameters = {
  name: 'JobParametersDB',
  migrations: () => ({}),
  open: () => ({ name: 'JobParametersDB', ping: async () => {} }),
};
`,
      },
    );
    const { registry } = await loadExtensions([dir]);
    const { config } = generateFixtures({ seed: 1, size: 'small' });
    await expect(
      buildApp({ configSource: staticConfigSource(snapshotOf(config, 0)), registry }),
    ).rejects.toThrow(
      /^The DB registered as JobParametersDB \(from the extension "sql-parameters"\) does not implement its interface: it lacks \w+/,
    );
  });

  it('refuses, at start-up, a DB in place of JobDB that lacks one of its methods', async () => {
    const dir = await extension(
      'broken-db',
      { dbs: './src/dbs.ts' },
      {
        'src/dbs.ts': `import { SqlJobDB, jobDb } from ${JSON.stringify(SQL_JOB_DB)};
class NoStates extends SqlJobDB {}
Object.defineProperty(NoStates.prototype, 'getStates', { value: undefined });
export const brokenJobDb = { ...jobDb, open: (conn) => new NoStates('JobDB', conn) };
`,
      },
    );
    const { registry } = await loadExtensions([dir]);
    const { config } = generateFixtures({ seed: 1, size: 'small' });
    await expect(
      buildApp({ configSource: staticConfigSource(snapshotOf(config, 0)), registry }),
    ).rejects.toThrow(
      'The DB registered as JobDB (from the extension "broken-db") does not implement its interface: it lacks getStates',
    );
  });
});

function testIo(onStdout: (text: string) => void, stop: Promise<string>) {
  const stderr: string[] = [];
  const io: Io = {
    stdout: { write: (text: string) => onStdout(text) },
    stderr: { write: (text: string) => stderr.push(text) },
    stdoutIsTTY: false,
    env: {},
    waitForStop: () => stop,
  };
  return { io, stderr };
}

describe('gridbox up --extension', () => {
  const boxFlags = () => [
    '--port',
    '0',
    '--idp-port',
    '0',
    '--ca-dir',
    join(root, 'ca'),
    '--log-level',
    'silent',
  ];

  it('exits 2 with the sentence naming the extension and the entry', async () => {
    const dir = await extension(
      'cli-throws',
      { routers: './src/routers.js' },
      { 'src/routers.js': "throw new Error('no router today');\n" },
    );
    const { io, stderr } = testIo(() => {}, new Promise(() => {}));
    const code = await main(
      ['up', '--extension', EXAMPLE_DIR, '--extension', dir, ...boxFlags()],
      io,
    );
    expect(code).toBe(2);
    expect(stderr.join('')).toBe(
      'gridbox: The extension "cli-throws" could not load its routers module ./src/routers.js: no router today.\n',
    );
  });

  it('serves the extension: its route answers and is in the OpenAPI document', async () => {
    let stop!: (signal: string) => void;
    let ready!: (line: string) => void;
    const readyLine = new Promise<string>((resolve) => (ready = resolve));
    const { io, stderr } = testIo(ready, new Promise((resolve) => (stop = resolve)));
    const running = main(
      ['up', '--extension', EXAMPLE_DIR, '--fixtures', 'example-small', ...boxFlags(), '--json'],
      io,
    );
    // A failed start resolves `running` without a ready line: fail then, not at the timeout.
    const first = await Promise.race([readyLine, running.then((code) => `exited ${code}`)]);
    expect(first, stderr.join('')).toMatch(/^\{/);
    const { url, fixtures } = JSON.parse(first) as { url: string; fixtures: string };
    expect(fixtures).toBe('example-small');
    try {
      const openapi = (await (await fetch(`${url}/api/openapi.json`)).json()) as {
        paths: object;
      };
      expect(Object.keys(openapi.paths)).toContain('/api/lollygag/get_owners');
      const anonymous = await fetch(`${url}/api/lollygag/get_owners`);
      expect(anonymous.status).toBe(401);
    } finally {
      stop('SIGTERM');
    }
    expect(await running).toBe(0);
  });
});

describe('gridbox scenario run --extension', () => {
  it("runs the extension's own scenario by name on a box with the extension loaded", async () => {
    const stdout: string[] = [];
    const { io, stderr } = testIo((text) => stdout.push(text), new Promise(() => {}));
    const code = await main(
      ['scenario', 'run', 'example-lollygag', '--extension', EXAMPLE_DIR, '--virtual', '--json'],
      io,
    );
    expect(code, stderr.join('')).toBe(0);
    // Its two checks of the lollygag route and those of expectJobs, all held.
    expect(JSON.parse(stdout.join(''))).toMatchObject({ status: 'passed', checks: 4, failed: [] });
  });
});

describe("an extension's fixture sets", () => {
  it('are what --fixtures names on scenario run once the extension is loaded', async () => {
    const stdout: string[] = [];
    const { io, stderr } = testIo((text) => stdout.push(text), new Promise(() => {}));
    const report = join(root, 'fixtures-report');
    const argv = ['scenario', 'run', 'example-lollygag', '--virtual', '--json', '--report', report];
    const code = await main(
      [...argv, '--extension', EXAMPLE_DIR, '--fixtures', 'example-small'],
      io,
    );
    expect(code, stderr.join('')).toBe(0);
    expect(JSON.parse(stdout.join(''))).toMatchObject({ status: 'passed' });
    const written = JSON.parse(await readFile(join(report, 'report.json'), 'utf8')) as {
      inputs: { fixtures: string };
    };
    expect(written.inputs.fixtures).toBe('example-small');
  });

  it('are what --fixtures names on sim once the extension is loaded', async () => {
    const stdout: string[] = [];
    const { io, stderr } = testIo((text) => stdout.push(text), new Promise(() => {}));
    const argv = ['sim', '--virtual', '--jobs', '4', '--json', '--payload-failure', '0'];
    const code = await main(
      [...argv, '--node-crash', '0', '--extension', EXAMPLE_DIR, '--fixtures', 'example-small'],
      io,
    );
    expect(code, stderr.join('')).toBe(0);
    expect(JSON.parse(stdout.join(''))).toMatchObject({ jobs: { by_status: { Done: 4 } } });
  });

  // Each case: the command line, without and with the extension that provides the set.
  const unknown: [string, string[]][] = [
    ['up', ['up', '--port', '0', '--idp-port', '0', '--log-level', 'silent']],
    ['demo', ['demo', '--once', '--port', '0', '--idp-port', '0']],
    ['sim', ['sim', '--virtual', '--jobs', '1']],
    ['scenario run', ['scenario', 'run', 'smoke', '--virtual']],
  ];
  it.each(unknown)('%s without the extension: one sentence, exit 2', async (_command, argv) => {
    const { io, stderr } = testIo(() => {}, new Promise(() => {}));
    expect(await main([...argv, '--fixtures', 'example-small'], io)).toBe(2);
    expect(stderr.join('')).toBe(
      'gridbox: Invalid value "example-small" for --fixtures: expected small, large, or a fixture set of an extension loaded with --extension.\n',
    );
  });
});

describe('extension hooks that fail, in a served box', () => {
  it('answer a submission with a 500 naming the extension and write nothing; a failed observer changes no answer', async () => {
    const dir = await extension(
      'failing-hooks',
      { hooks: './src/hooks.js' },
      {
        'src/hooks.js': `
export const broken = {
  name: 'broken',
  needs: { dbs: ['JobDB'] },
  beforeSubmit: (job) => {
    if (job.jdl.attributes.some(([name]) => name === 'Crash')) throw new TypeError('oops');
    return undefined;
  },
  afterStatusChange: () => { throw new Error('no bookkeeping today'); },
};
`,
      },
    );
    const { registry } = await loadExtensions([dir]);
    await using box = await testBox({ registry });
    const alice = await box.user(box.vos[0]!);
    const crashed = await box.inject('POST', '/api/jobs/jdl', alice, [
      'Executable = "echo";',
      'Executable = "echo"; Crash = "yes";',
    ]);
    expect({ status: crashed.statusCode, body: crashed.json() }).toEqual({
      status: 500,
      body: {
        detail:
          'The submission hook of the broken hooks of the extension "failing-hooks" failed; the job was not submitted',
      },
    });
    const search = { parameters: ['JobID'], search: [] };
    expect((await box.inject('POST', '/api/jobs/search', alice, search)).json()).toEqual([]);

    const submitted = await box.inject('POST', '/api/jobs/jdl', alice, ['Executable = "echo";']);
    expect(submitted.statusCode).toBe(201);
    const jobId = submitted.json<{ JobID: number }[]>()[0]!.JobID;
    const killed = await box.inject('PATCH', '/api/jobs/status', alice, {
      [jobId]: { '2099-01-01T00:00:00Z': { Status: 'Killed' } },
    });
    expect(killed.statusCode).toBe(200);
    expect(
      killed.json<{ success: Record<string, { Status: string }> }>().success[jobId]?.Status,
    ).toBe('Killed');
  });
});
