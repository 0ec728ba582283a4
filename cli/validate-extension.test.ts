import { mkdtempSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { recordingIo } from './io.testkit.ts';
import { main } from './main.ts';
import { startTargetServer } from './target-server.testkit.ts';

const EXAMPLE_DIR = fileURLToPath(new URL('../extensions/example', import.meta.url));
const SCENARIOS = pathToFileURL(
  fileURLToPath(new URL('../scenarios/index.ts', import.meta.url)),
).href;
const root = mkdtempSync(join(tmpdir(), 'gridbox-validate-'));
afterAll(() => rm(root, { recursive: true, force: true }));

async function gridbox(args: string[], env: Record<string, string> = {}) {
  const { io, out, err } = recordingIo(env);
  const code = await main(args, io);
  return { code, stdout: out(), stderr: err() };
}

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
    expect(xml.match(/<testsuite /g)).toHaveLength(2);
    expect(xml).not.toContain('<failure');
  });

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
  });

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
