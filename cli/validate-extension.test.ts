import { mkdirSync, mkdtempSync } from 'node:fs';
import { cp, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { generateFixtures, serializeFixtureSet } from '../fixtures/index.ts';
import { recordingIo } from './io.testkit.ts';
import { main } from './main.ts';
import { startTargetServer } from './target-server.testkit.ts';

const EXAMPLE_DIR = fileURLToPath(new URL('../extensions/example', import.meta.url));
const SCENARIOS = pathToFileURL(
  fileURLToPath(new URL('../scenarios/index.ts', import.meta.url)),
).href;
const root = mkdtempSync(join(tmpdir(), 'gridbox-validate-'));
afterAll(() => rm(root, { recursive: true, force: true }));
const REPO = fileURLToPath(new URL('..', import.meta.url));
// Copies of the example live in the repository (under the ignored .gridbox/), where its
// `typebox` import resolves; their relative imports of gridbox are made absolute.
mkdirSync(join(REPO, '.gridbox'), { recursive: true });
const copies = mkdtempSync(join(REPO, '.gridbox', 'extension-copies-'));
afterAll(() => rm(copies, { recursive: true, force: true }));

/**
 * A copy of extensions/example (without its tests) named `name`, with `edits` applied to
 * its sources: each [file, text to find, text to put instead]; a missing text fails.
 */
async function brokenExample(name: string, edits: [string, string, string][]): Promise<string> {
  const dir = join(copies, name);
  await cp(EXAMPLE_DIR, dir, {
    recursive: true,
    filter: (source) => !source.endsWith('.test.ts'),
  });
  for (const [file, find, replace] of [
    ...edits,
    ['package.json', '"name": "gridbox-extension-example"', `"name": "${name}"`] as const,
  ]) {
    const path = join(dir, file);
    const text = await readFile(path, 'utf8');
    if (!text.includes(find)) throw new Error(`${file} of the example has no ${find}`);
    await writeFile(path, text.replace(find, replace));
  }
  for (const file of await readdir(join(dir, 'src'))) {
    const path = join(dir, 'src', file);
    await writeFile(
      path,
      (await readFile(path, 'utf8')).replaceAll("from '../../../", `from '${REPO}`),
    );
  }
  return dir;
}

async function gridbox(args: string[], env: Record<string, string> = {}) {
  const { io, out, err } = recordingIo(env);
  const code = await main(args, io);
  return { code, stdout: out(), stderr: err() };
}

/** validate-extension of `dir` with the example's own scenario only. */
const validateOnLollygag = (dir: string, ...more: string[]) =>
  gridbox(['validate-extension', dir, '--only', 'example-lollygag', ...more]);

// Each run boots four boxes at least (the OpenAPI comparison, the matrix's two, a scenario's)
// and runs the DB kits: seconds alone, minutes on a loaded 2-core machine.
describe('gridbox validate-extension', () => {
  it('passes the example, and says which routes and parts it adds or replaces', async () => {
    const junit = join(root, 'example.xml');
    const { code, stdout } = await gridbox([
      'validate-extension',
      EXAMPLE_DIR,
      '--only',
      'smoke,example-lollygag',
      '--junit',
      junit,
      '--json',
    ]);
    expect(code).toBe(0);
    const summary = JSON.parse(stdout);
    expect(summary.api.added).toContain('GET /api/lollygag/get_owners');
    expect(summary.api.removed).toEqual([]);
    expect(summary.api.replaced).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^policy wms /),
        expect.stringMatching(/^db JobDB /),
      ]),
    );
    expect(summary.scenarios).toEqual([
      expect.objectContaining({ name: 'smoke', status: 'passed', same_as_gridbox: true }),
      expect.objectContaining({ name: 'example-lollygag', origin: 'extension', status: 'passed' }),
    ]);
    const xml = await readFile(junit, 'utf8');
    // A suite per scenario, then the authorization matrix's and the DB checks'.
    expect(xml.match(/<testsuite name="[^"]*"/g)).toEqual([
      '<testsuite name="scenario smoke"',
      '<testsuite name="scenario example-lollygag"',
      '<testsuite name="authorization matrix"',
      '<testsuite name="DB conformance"',
    ]);
    expect(xml).toContain('name="JobDB: keeps every attribute a job is inserted with');
    expect(xml).not.toContain('<failure');
  }, 300_000);

  it('fails (exit 1) when a scenario fails on the extended box, naming the broken check', async () => {
    const dir = join(root, 'failing');
    await mkdir(dir, { recursive: true });
    await writeFile(
      join(dir, 'package.json'),
      JSON.stringify({ name: 'failing', type: 'module', gridbox: { scenarios: './s.ts' } }),
    );
    await writeFile(
      join(dir, 's.ts'),
      `import { steps } from ${JSON.stringify(SCENARIOS)};
export const failing = {
  name: 'failing-expectation',
  description: 'expects a job more than it submits',
  steps: [
    steps.login('alice'),
    steps.submit('alice', 2),
    steps.startGrid(),
    steps.waitFor('all ended', steps.when.allEnded, 86400),
    steps.expectJobs({ Done: 3 }),
  ],
};
`,
    );
    const { code, stdout } = await gridbox([
      'validate-extension',
      dir,
      '--only',
      'failing-expectation',
    ]);
    expect(code).toBe(1);
    expect(stdout).toContain('FAIL failing-expectation');
    expect(stdout).toContain('3 jobs Done: 2 Done');
  }, 300_000);

  it('fails (exit 1) naming the step whose route throws in the extension’s router', async () => {
    const dir = await brokenExample('throwing-router', [
      [
        'src/routers.ts',
        "      await policy.check(request, 'write');\n      const vo",
        "      await policy.check(request, 'write');\n      throw new Error('lollygag fell over');\n      const vo",
      ],
    ]);
    const { code, stdout } = await validateOnLollygag(dir);
    expect(code).toBe(1);
    expect(stdout).toContain('FAIL example-lollygag');
    expect(stdout).toMatch(/Recording an owner.*500/);
  }, 300_000);

  it('fails (exit 1) naming the conformance check a replacement JobDB breaks', async () => {
    // Its search forgets the VO a caller is kept to: another VO's jobs come back.
    const dir = await brokenExample('leaky-jobdb', [
      [
        'src/example-job-db.ts',
        '  /** Replaces the tags of a job;',
        `  override search(query: Parameters<SqlJobDB['search']>[0]) {
    return super.search({ ...query, filters: query.filters.filter((f) => f.parameter !== 'VO') });
  }

  /** Replaces the tags of a job;`,
      ],
    ]);
    const { code, stdout } = await validateOnLollygag(dir);
    expect(code).toBe(1);
    expect(stdout).toContain('leaky-jobdb: FAILED');
    expect(stdout).toContain(
      'FAIL JobDB: keeps a search, a summary and a job’s owner to the VO and owner asked for',
    );
    expect(stdout).toContain("a search filtered on VO lhcb returns lhcb's jobs only");
    expect(stdout).toContain('authorization matrix (');
    expect(stdout).not.toMatch(/FAIL (GET|POST|PUT|PATCH|DELETE) /);
  }, 300_000);

  it('fails (exit 1) naming the operation and caller when a policy opens a VO’s jobs to another', async () => {
    const dir = await brokenExample('open-wms', [
      [
        'src/policies.ts',
        '    await wmsPolicy.check(request, action, target);',
        "    if (action !== 'read') await wmsPolicy.check(request, action, target);",
      ],
    ]);
    const junit = join(root, 'open-wms.xml');
    const { code, stdout } = await validateOnLollygag(dir, '--junit', junit);
    expect(code).toBe(1);
    expect(stdout).toContain('open-wms: FAILED');
    expect(stdout).toContain(
      "FAIL GET /api/jobs/status as other-VO user: 403 → 200: a caller of another VO reaches VO A's data",
    );
    // The same opening for a user of the job's own VO is the policy's to make: a change.
    expect(stdout).toMatch(
      /GET \/api\/jobs\/status as same-VO user: 403 → 200 \(allowed by the extension's policy "wms" \(read\)\)/,
    );
    const xml = await readFile(junit, 'utf8');
    expect(xml).toContain('<testsuite name="authorization matrix"');
    expect(xml).toContain('GET /api/jobs/status as other-VO user');
  }, 300_000);

  it('passes the example and reports the decisions its policy changes', async () => {
    // The example's wms policy refuses submissions to the users its configuration freezes.
    const fixtures = generateFixtures({ seed: 1, size: 'small' });
    const vo = Object.keys(fixtures.config.Registry)[0]!;
    const frozen = fixtures.users.filter((u) => u.vo === vo && u.groups.length === 1)[1]!;
    Object.assign(fixtures.config.Operations[vo]!, { Example: { FrozenUsers: [frozen.username] } });
    const file = join(root, 'frozen.yaml');
    await writeFile(file, serializeFixtureSet(fixtures, 'yaml'));
    const args = ['validate-extension', EXAMPLE_DIR, '--config-file', file];
    const { code, stdout } = await gridbox([...args, '--only', 'example-lollygag', '--json']);
    expect(code).toBe(0);
    const summary = JSON.parse(stdout);
    expect(summary.authorization).toMatchObject({ failures: [] });
    expect(summary.authorization.changes).toEqual(
      ['POST /api/jobs/jdl', 'POST /api/jobs/'].map((operation) => ({
        operation,
        caller: 'same-VO user',
        gridbox: 201,
        extended: 403,
        why: 'refused by the extension\'s policy "wms" (create)',
      })),
    );
    expect(summary.authorization.uncovered).toContain('PUT /api/lollygag/jobs/{job_id}/tags');
    expect(summary.db_conformance.without_kit).toEqual([]);
    expect(summary.db_conformance.checks.length).toBeGreaterThan(5);
    expect(summary.db_conformance.checks.every((c: { passed: boolean }) => c.passed)).toBe(true);
  }, 300_000);

  it('is a usage error (exit 2) to name a scenario nobody has', async () => {
    const { code, stderr } = await gridbox(['validate-extension', EXAMPLE_DIR, '--only', 'nope']);
    expect(code).toBe(2);
    expect(stderr).toContain('No scenario named "nope"');
  });
});

describe('gridbox validate-extension --target', () => {
  // Two scenarios in real time (each some 15 s of wall time at the remote speed-up).
  it('runs the library against a server with an administrator token and compares its API', async () => {
    // Someone's DiracX: here gridbox's own services, on the fixtures the run assumes.
    const server = await startTargetServer();
    try {
      const url = server.url;
      const env = { DIRACX_TOKEN: await server.token() };
      const args = [
        'validate-extension',
        '--target',
        url,
        '--only',
        'smoke,token-expiry',
        '--json',
      ];
      const { code, stdout, stderr } = await gridbox(args, env);
      expect(code, stderr).toBe(0);
      const summary = JSON.parse(stdout);
      expect(summary.api).toMatchObject({ added: [], removed: [] });
      expect(summary.scenarios).toEqual([
        expect.objectContaining({ name: 'smoke', status: 'passed', skipped_steps: 0 }),
        expect.objectContaining({ name: 'token-expiry', status: 'passed' }),
      ]);
      // What needs the box's own users (a second login, a revocation) is skipped there.
      expect(summary.scenarios[1].skipped_steps).toBeGreaterThan(0);
    } finally {
      await server.close();
    }
  }, 300_000);

  it.each([
    [[], 'Name an extension folder or package, or a --target'],
    [[EXAMPLE_DIR, '--target', 'http://127.0.0.1:1'], 'name no extension folder'],
  ])('is a usage error (exit 2): %j', async (args, message) => {
    const { code, stderr } = await gridbox(['validate-extension', ...args]);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });
});
