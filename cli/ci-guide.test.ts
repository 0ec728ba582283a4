import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, type Server, createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { packCopy } from '../tests/package/pack.testkit.ts';
import { freePort } from '../services/core/free-port.testkit.ts';

/**
 * docs/ci.md's GitHub Actions job, run here as Actions would run it: every `run:` step in
 * order, with bash, in a workspace of its own. So the commands people copy are the ones
 * this suite runs.
 */

const REPO = resolve(import.meta.dirname, '..');
const GUIDE = join(REPO, 'docs', 'ci.md');
/** A step's own bound (the smoke scenario takes about 15 s on an idle machine). */
const STEP_TIMEOUT_MS = 300_000;

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  env?: Record<string, string | number>;
  'working-directory'?: string;
  with?: Record<string, string>;
}

interface Workflow {
  jobs: Record<string, { env?: Record<string, string | number>; steps: Step[] }>;
}

function workflowOfGuide(): { env: Record<string, string>; steps: Step[] } {
  const block = /```yaml\n([\s\S]*?)```/.exec(readFileSync(GUIDE, 'utf8'))?.[1];
  if (block === undefined) throw new Error(`${GUIDE} has no yaml block`);
  const jobs = Object.values((parseYaml(block) as Workflow).jobs);
  expect(jobs).toHaveLength(1);
  const job = jobs[0]!;
  return { env: stringValues(job.env), steps: job.steps };
}

function stringValues(env: Record<string, string | number> = {}): Record<string, string> {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)]));
}

/** The step that installs gridbox: from the tarball this suite packs, in place of a version. */
const isInstallStep = (step: Step) =>
  /^npm install\b.*"\$DIRAC_GRIDBOX"/.test(step.run?.trim() ?? '');

interface StepOutcome {
  name: string;
  status: 'passed' | 'failed' | 'skipped';
  output: string;
}

/**
 * Runs the job's steps as Actions does: after a failure only `if: always()` steps run; what
 * a step appends to $GITHUB_ENV or $GITHUB_PATH reaches the later steps. `overrides` wins
 * over the job's env (the port).
 */
async function runWorkflow(
  workspace: string,
  overrides: Record<string, string>,
): Promise<StepOutcome[]> {
  const { env: jobEnv, steps } = workflowOfGuide();
  expect(steps.filter(isInstallStep)).toHaveLength(1);
  const githubEnv = join(workspace, '.github-env');
  const githubPath = join(workspace, '.github-path');
  writeFileSync(githubEnv, '');
  writeFileSync(githubPath, '');
  const base: Record<string, string> = Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] =>
        // A runner's step is a plain shell: none of npm's variables (this suite runs under
        // npm, and a box started under npm stops with its parent shell).
        entry[1] !== undefined &&
        !entry[0].startsWith('GRIDBOX_') &&
        !entry[0].startsWith('npm_') &&
        entry[0] !== 'gridbox_stop_with_parent',
    ),
  );
  const outcomes: StepOutcome[] = [];
  let failed = false;
  for (const step of steps) {
    const name = step.name ?? step.uses ?? step.run ?? '?';
    if (step.run === undefined || (failed && step.if !== 'always()')) {
      outcomes.push({ name, status: 'skipped', output: '' });
      continue;
    }
    const exported = readFileSync(githubEnv, 'utf8')
      .split('\n')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]);
    const paths = readFileSync(githubPath, 'utf8').split('\n').filter(Boolean).reverse();
    const env = {
      ...base,
      ...jobEnv,
      ...Object.fromEntries(exported),
      ...stringValues(step.env),
      ...overrides,
      DIRAC_GRIDBOX: tarball,
      GITHUB_WORKSPACE: workspace,
      GITHUB_ENV: githubEnv,
      GITHUB_PATH: githubPath,
      // `gridbox token` writes DiracX's credentials file under the home folder.
      HOME: join(workspace, 'home'),
      // npm's download cache stays this machine's: the runner's would be as cold as a new
      // home's, but the suite need not fetch every dependency again.
      npm_config_cache: NPM_CACHE,
      // What actions/setup-node leaves: Node 24 first on PATH (the one running this suite),
      // and none of this checkout's node_modules.
      PATH: [...paths, dirname(process.execPath), ...outsideCheckout(base.PATH)].join(delimiter),
    };
    // What Actions runs for `shell: bash`.
    const { code, output } = await new Promise<{ code: number; output: string }>((done) => {
      execFile(
        'bash',
        ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run!],
        {
          cwd: join(workspace, step['working-directory'] ?? '.'),
          env,
          timeout: STEP_TIMEOUT_MS,
          maxBuffer: 16 * 1024 * 1024,
        },
        (error, stdout, stderr) =>
          done({
            code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1,
            output: `${stdout}${stderr}`,
          }),
      );
    });
    outcomes.push({ name, status: code === 0 ? 'passed' : 'failed', output });
    if (code !== 0) failed = true;
  }
  return outcomes;
}

const NPM_CACHE = process.env.npm_config_cache ?? join(homedir(), '.npm');

/** The folders of a PATH that are not some package's node_modules/.bin. */
function outsideCheckout(path = ''): string[] {
  return path
    .split(delimiter)
    .filter((dir) => dir !== '' && !dir.includes(`${sep}node_modules${sep}`));
}

/** Stops the box if the workflow's own stop step did not (the test never leaves one running). */
function killBox(workspace: string): void {
  const pidFile = join(workspace, 'box.pid');
  if (!existsSync(pidFile)) return;
  try {
    process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGTERM');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** A workspace: the project's checkout, empty here. */
function newWorkspace(): string {
  const workspace = mkdtempSync(join(scratch, 'workspace-'));
  mkdirSync(join(workspace, 'home'));
  return workspace;
}

function listen(port = 0): Promise<Server> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => done(server));
  });
}

const scratch = mkdtempSync(join(tmpdir(), 'gridbox-ci-guide-'));
// Two installed projects: removing them takes a while on a loaded machine.
afterAll(() => rmSync(scratch, { recursive: true, force: true }), STEP_TIMEOUT_MS);
/** The package the install step installs: packed from this checkout, as a release would be. */
let tarball = '';

/**
 * The job uses curl and jq, as GitHub's runners have them. Without them here the suite skips
 * it; .ci/run installs both and sets TEST_CI_GUIDE=1, which makes their absence a failure.
 */
const hasTool = (name: string) =>
  (process.env.PATH ?? '')
    .split(delimiter)
    .some((dir) => dir !== '' && existsSync(join(dir, name)));
const toolsMissing = ['curl', 'jq'].filter((tool) => !hasTool(tool));
if (process.env.TEST_CI_GUIDE === '1' && toolsMissing.length > 0)
  throw new Error(`TEST_CI_GUIDE=1 but ${toolsMissing.join(' and ')} missing from PATH`);

describe.skipIf(toolsMissing.length > 0)("docs/ci.md's GitHub Actions job", () => {
  beforeAll(async () => {
    ({ tarball } = await packCopy(scratch, STEP_TIMEOUT_MS));
  }, STEP_TIMEOUT_MS);

  it(
    'runs step by step: the box starts, the tests reach it, smoke passes with its reports, the box stops',
    async () => {
      const workspace = newWorkspace();
      const port = await freePort();
      const outcomes = await runWorkflow(workspace, { GRIDBOX_PORT: String(port) }).finally(() =>
        killBox(workspace),
      );
      const failed = outcomes.find((o) => o.status === 'failed');
      expect(failed, `${failed?.name} failed:\n${failed?.output}`).toBeUndefined();
      expect(outcomes.filter((o) => o.status === 'passed').map((o) => o.name)).toEqual([
        'Install gridbox',
        'Start the box',
        'Test against the box',
        'Smoke scenario',
        'Stop the box',
      ]);

      // The box was on the port given, and the stop step stopped it.
      const ready = JSON.parse(readFileSync(join(workspace, 'box.json'), 'utf8')) as {
        url: string;
      };
      expect(ready.url).toBe(`http://127.0.0.1:${port}`);
      await expect(fetch(`${ready.url}/api/health/live`)).rejects.toThrow();

      // What the upload step would keep exists, and the JUnit file has no failure.
      const { steps } = workflowOfGuide();
      const upload = steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'));
      const paths = (upload?.with?.path ?? '').split('\n').filter(Boolean);
      expect(paths.length).toBeGreaterThan(0);
      for (const path of paths) expect(existsSync(join(workspace, path)), path).toBe(true);
      const junit = readFileSync(join(workspace, 'smoke.xml'), 'utf8');
      expect(junit.match(/<testcase /g)?.length ?? 0).toBeGreaterThanOrEqual(5);
      expect(junit).not.toMatch(/<failure/);
      expect(existsSync(join(workspace, 'smoke-report', 'index.html'))).toBe(true);
    },
    4 * STEP_TIMEOUT_MS,
  );

  it(
    'fails the start step with the box message when the port is taken, runs only the always steps after it',
    async () => {
      const workspace = newWorkspace();
      const blocker = await listen();
      const { port } = blocker.address() as AddressInfo;
      const outcomes = await runWorkflow(workspace, { GRIDBOX_PORT: String(port) }).finally(
        async () => {
          killBox(workspace);
          await new Promise((done) => blocker.close(done));
        },
      );
      const start = outcomes.find((o) => o.name === 'Start the box');
      expect(start?.status).toBe('failed');
      // The box's own sentence, not the loop running out of time.
      expect(start?.output).toContain('gridbox up exited before it was ready:');
      expect(start?.output).toContain(`Port ${port} on 127.0.0.1 is already in use`);
      expect(outcomes.filter((o) => o.status !== 'skipped').map((o) => o.name)).toEqual([
        'Install gridbox',
        'Start the box',
        'Stop the box',
      ]);
    },
    2 * STEP_TIMEOUT_MS,
  );
});
