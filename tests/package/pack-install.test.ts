import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, type Run, packCopy, run as runBounded } from './pack.testkit.ts';

/**
 * The package as another project gets it: `npm pack` here, the tarball installed into an
 * empty project elsewhere, and the `gridbox` command run from there through npx, as the CI
 * guide (docs/ci.md) does. The project sees none of this checkout: not its sources, not its
 * node_modules, not the Node 24 in them (the package brings its own when the machine's Node
 * is older).
 *
 * It needs the npm registry (the install fetches the dependencies) and takes a minute or
 * two; TEST_PACKAGE=0 skips it.
 */

const packageJson = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
};
/** Bounds of the slow steps (build, install from the registry) on a loaded machine. */
const STEP_TIMEOUT_MS = 600_000;
const READY_TIMEOUT_MS = 120_000;

/** The environment of a shell in another project: nothing of this checkout or of npm test. */
function consumerEnv(home: string): Record<string, string> {
  const ownBins = join(REPO, 'node_modules');
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] =>
        entry[1] !== undefined &&
        !entry[0].toLowerCase().startsWith('npm_') &&
        !entry[0].startsWith('GRIDBOX_') &&
        !entry[0].startsWith('gridbox_') &&
        !entry[0].startsWith('DIRACX_') &&
        !entry[0].startsWith('NODE_'),
    ),
  );
  env.PATH = (process.env.PATH ?? '')
    .split(delimiter)
    .filter(
      (dir) => dir !== '' && !dir.startsWith(ownBins) && !dir.includes(`${sep}node_modules${sep}`),
    )
    .join(delimiter);
  env.HOME = home;
  // npm's download cache stays this machine's, so the install need not fetch everything again.
  env.npm_config_cache = process.env.npm_config_cache ?? join(homedir(), '.npm');
  return env;
}

function run(
  command: string,
  args: string[],
  options: { cwd: string; env: Record<string, string> },
): Promise<Run> {
  return runBounded(command, args, { ...options, timeoutMs: STEP_TIMEOUT_MS });
}

/** Whether the server at `url` stops answering within `ms` (the box stops after npx exits). */
async function portClosedWithin(url: string, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try {
      await fetch(`${url}/api/health/live`);
    } catch {
      return true;
    }
    await new Promise((done) => setTimeout(done, 100));
  }
  return false;
}

const skip = process.env.TEST_PACKAGE === '0';
const scratch = mkdtempSync(join(tmpdir(), 'gridbox-package-'));
const project = join(scratch, 'project');
const home = join(scratch, 'home');
let tarball = '';
let packedFiles: string[] = [];
const started: ChildProcess[] = [];

afterAll(() => {
  for (const child of started) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(scratch, { recursive: true, force: true });
}, STEP_TIMEOUT_MS);

describe.skipIf(skip)('the packed package, installed into an empty project', () => {
  beforeAll(async () => {
    mkdirSync(project);
    mkdirSync(home);
    ({ tarball, files: packedFiles } = await packCopy(scratch, STEP_TIMEOUT_MS));

    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'a-project', version: '1.0.0', private: true }),
    );
    const install = await run('npm', ['install', '--no-audit', '--no-fund', tarball], {
      cwd: project,
      env: consumerEnv(home),
    });
    expect(install.code, install.stderr).toBe(0);
  }, STEP_TIMEOUT_MS);

  it('holds the built JavaScript and the bin, no TypeScript sources or tests', () => {
    expect(tarball).toContain(`${packageJson.name}-${packageJson.version}.tgz`);
    expect(packedFiles).toContain('bin/gridbox.js');
    expect(packedFiles).toContain('dist/main.js');
    // Read at run time, beside the bundle's chunks: the HTML report's page script.
    expect(packedFiles).toContain('dist/html-report.client.js');
    expect(packedFiles.filter((f) => f.endsWith('.ts'))).toEqual([]);
  });

  it('runs the gridbox command through npx: --version, and a usage error exits 2', async () => {
    const env = consumerEnv(home);
    const version = await run('npx', ['gridbox', '--version'], { cwd: project, env });
    expect(version.stdout.trim(), version.stderr).toBe(packageJson.version);
    const usage = await run('npx', ['gridbox', '--no-such-flag'], { cwd: project, env });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("unknown option '--no-such-flag'");
  });

  it('runs a scenario of its library and writes the HTML report with its page script and charts', async () => {
    const env = consumerEnv(home);
    const smoke = await run(
      'npx',
      ['gridbox', 'scenario', 'run', 'smoke', '--virtual', '--report', 'smoke-report'],
      { cwd: project, env },
    );
    expect(smoke.code, smoke.stderr).toBe(0);
    const html = readFileSync(join(project, 'smoke-report', 'index.html'), 'utf8');
    expect(html).toContain('Chart');
    expect(html.length).toBeGreaterThan(100_000);
  });

  it(
    'starts a box (up --json), gets a token from its ready line, runs sim --target twice against it, and stops it',
    async () => {
      const env = consumerEnv(home);
      const box = spawn('npx', ['gridbox', 'up', '--json', '--port', '0'], {
        cwd: project,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      started.push(box);
      let stderr = '';
      box.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((done) => box.on('exit', (code) => done(code)));
      const readyLine = await new Promise<string>((done, fail) => {
        let stdout = '';
        const timer = setTimeout(
          () => fail(new Error(`no ready line in ${READY_TIMEOUT_MS} ms; stderr: ${stderr}`)),
          READY_TIMEOUT_MS,
        );
        box.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          if (!stdout.includes('\n')) return;
          clearTimeout(timer);
          done(stdout.slice(0, stdout.indexOf('\n')));
        });
        box.on('exit', (code) => fail(new Error(`up exited ${code}; stderr: ${stderr}`)));
      });
      writeFileSync(join(project, 'box.json'), `${readyLine}\n`);
      const ready = JSON.parse(readyLine) as {
        url: string;
        users: { username: string; vo: string; groups: string[] }[];
      };
      expect((await fetch(`${ready.url}/api/health/live`)).status).toBe(200);

      // A VO administrator's token: sim --target drives every user and agent with it.
      const admin = ready.users.find((u) => u.groups.includes(`${u.vo}_admin`))!;
      const token = await run(
        'npx',
        ['gridbox', 'token', '--box', 'box.json', '--user', admin.username],
        { cwd: project, env },
      );
      expect(token.code, token.stderr).toBe(0);
      const adminToken = await run(
        'npx',
        [
          'gridbox',
          'token',
          '--box',
          'box.json',
          '--user',
          admin.username,
          '--group',
          `${admin.vo}_admin`,
        ],
        { cwd: project, env },
      );
      expect(adminToken.code, adminToken.stderr).toBe(0);
      const accessToken = adminToken.stdout.trim();
      const config = await fetch(`${ready.url}/api/config/`, {
        headers: { authorization: `Bearer ${accessToken}` },
      });
      expect(config.status).toBe(200);

      for (const attempt of [1, 2]) {
        const sim = await run(
          'npx',
          ['gridbox', 'sim', '--target', ready.url, '--jobs', '4', '--json'],
          { cwd: project, env: { ...env, DIRACX_TOKEN: accessToken } },
        );
        expect(sim.code, `sim run ${attempt}: ${sim.stderr}`).toBe(0);
        const summary = JSON.parse(sim.stdout) as { jobs: { submitted: number } };
        expect(summary.jobs.submitted).toBe(4);
      }

      // Stopping what was started (npx) stops the box: the port is free afterwards.
      box.kill('SIGTERM');
      await exited;
      expect(await portClosedWithin(ready.url, READY_TIMEOUT_MS)).toBe(true);
    },
    STEP_TIMEOUT_MS,
  );
});
