import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { create } from 'xmlbuilder2';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../reports/index.ts';
import { SCENARIOS } from '../scenarios/index.ts';
import type { Io } from './io.ts';
import { main } from './main.ts';
import { startTargetServer } from './target-server.testkit.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Scenario runs take seconds each; on a shared 2-core machine, give them room. */
const RUN_TIMEOUT_MS = 240_000;

const scratch = mkdtempSync(join(tmpdir(), 'gridbox-scenario-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** An Io that records what the command wrote; nothing here waits for a signal. */
function testIo(env: Record<string, string> = {}) {
  let out = '';
  let err = '';
  const io: Io = {
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (err += text), isTTY: false },
    stdoutIsTTY: false,
    env,
    waitForStop: () => new Promise<string>(() => undefined),
  };
  return { io, stdout: () => out, stderr: () => err };
}

interface Summary {
  name: string;
  status: 'passed' | 'failed';
  checks: number;
  failed: string[];
  steps_failed: string[];
  steps_skipped: number;
  event_log_sha256: string;
}

/** `gridbox scenario run ARGS --json`: the exit code, the summary printed, and stderr. */
async function runScenario(args: string[], env: Record<string, string> = {}) {
  const t = testIo(env);
  const code = await main(['scenario', 'run', ...args, '--json'], t.io);
  const out = t.stdout().trim();
  const summary = out === '' ? undefined : (JSON.parse(out) as Summary);
  return { code, summary, stderr: t.stderr() };
}

/** The little of the DOM the checks read (xmlbuilder2's parser returns a full DOM). */
interface XmlElement {
  getAttribute(name: string): string | null;
  getElementsByTagName(name: string): ArrayLike<XmlElement>;
}

interface TestCase {
  name: string | null;
  /** The message of its `<failure>` or `<error>`, if it has one. */
  failure?: string | null;
  error?: string | null;
  skipped?: string | null;
}

/** The totals and test cases of a JUnit file, read back with xmlbuilder2's parser. */
function junitCases(path: string): { totals: Record<string, string | null>; cases: TestCase[] } {
  const root = create(readFileSync(path, 'utf8')).root().node as unknown as XmlElement;
  const cases = Array.from(root.getElementsByTagName('testcase')).map((el) => {
    const [failure] = Array.from(el.getElementsByTagName('failure'));
    const [error] = Array.from(el.getElementsByTagName('error'));
    const [skipped] = Array.from(el.getElementsByTagName('skipped'));
    return {
      name: el.getAttribute('name'),
      ...(failure === undefined ? {} : { failure: failure.getAttribute('message') }),
      ...(error === undefined ? {} : { error: error.getAttribute('message') }),
      ...(skipped === undefined ? {} : { skipped: skipped.getAttribute('message') }),
    };
  });
  const totals = Object.fromEntries(
    ['tests', 'failures', 'errors', 'skipped'].map((name) => [name, root.getAttribute(name)]),
  );
  return { totals, cases };
}

/** A scenario module written for the test, importing the steps from this checkout. */
function scenarioFile(name: string, body: string): string {
  const dir = join(scratch, 'files');
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.ts`);
  const index = JSON.stringify(join(ROOT, 'scenarios', 'index.ts'));
  writeFileSync(path, `import { steps } from ${index};\n${body}\n`);
  return path;
}

/** Event-log hashes of the library's virtual runs (seed 1), for the determinism test. */
const virtualHashes = new Map<string, string>();

describe('every scenario of the library passes in virtual time', () => {
  it.each([...SCENARIOS.keys()])(
    '%s exits 0 and its JUnit report has no failure',
    async (name) => {
      const junit = join(scratch, `${name}.xml`);
      const report = join(scratch, `report-${name}`);
      const run = await runScenario([
        name,
        '--virtual',
        '--junit',
        junit,
        ...(name === 'smoke' ? ['--report', report] : []),
      ]);
      expect(run.summary?.failed, run.stderr).toEqual([]);
      expect(run.summary?.steps_failed).toEqual([]);
      expect(run.code).toBe(0);
      virtualHashes.set(name, run.summary!.event_log_sha256);

      const { totals, cases } = junitCases(junit);
      expect(totals).toMatchObject({ failures: '0', errors: '0' });
      expect(cases.filter((c) => c.failure !== undefined || c.error !== undefined)).toEqual([]);
      if (name !== 'smoke') return;

      expect(cases.length).toBeGreaterThanOrEqual(5);
      const json = JSON.parse(readFileSync(join(report, 'report.json'), 'utf8')) as RunReport;
      expect(json.status).toBe('passed');
      expect(json.event_log.sha256).toBe(run.summary!.event_log_sha256);
      expect(json.series.t_s.length).toBeGreaterThan(1);
      expect(json.series.jobs_by_status.Done?.at(-1)).toBe(33);
      expect(json.assertions.length).toBe(cases.length);
      expect(json.assertions.every((a) => a.passed)).toBe(true);
      expect(readFileSync(join(report, 'index.html'), 'utf8')).toContain('<html');
    },
    RUN_TIMEOUT_MS,
  );
});

describe('gridbox scenario run', () => {
  it(
    'passes smoke in real time over loopback HTTP',
    async () => {
      const run = await runScenario(['smoke']);
      expect(run.summary?.failed, run.stderr).toEqual([]);
      expect(run.code).toBe(0);
      // Plain progress lines on stderr when it is not a terminal, one per step.
      expect(run.stderr).toMatch(/^gridbox scenario smoke: \[1\/\d+\] ok — log in as alice/m);
    },
    RUN_TIMEOUT_MS,
  );

  it(
    'gives the same event log for the same seed in virtual time, another for another seed',
    async () => {
      const again = await runScenario(['smoke', '--virtual', '--seed', '1']);
      const other = await runScenario(['smoke', '--virtual', '--seed', '2']);
      expect(again.code).toBe(0);
      expect(other.code).toBe(0);
      const first = virtualHashes.get('smoke') ?? again.summary!.event_log_sha256;
      expect(again.summary!.event_log_sha256).toBe(first);
      expect(other.summary!.event_log_sha256).not.toBe(first);
    },
    RUN_TIMEOUT_MS,
  );

  it(
    'exits 1 on a broken expectation and reports it readably in JUnit',
    async () => {
      const file = scenarioFile(
        'broken-expectation',
        `export default {
  name: 'broken-expectation',
  description: 'Three jobs, but four expected Done.',
  steps: [
    steps.login('alice'),
    steps.submit('alice', 3),
    steps.startGrid(),
    steps.waitFor('every job has ended', steps.when.allEnded, 24 * 3600),
    steps.expectJobs({ Done: 4 }),
  ],
};`,
      );
      const junit = join(scratch, 'broken.xml');
      const run = await runScenario([file, '--virtual', '--junit', junit]);
      expect(run.code).toBe(1);
      expect(run.summary?.status).toBe('failed');
      const { totals, cases } = junitCases(junit);
      expect(totals).toMatchObject({ failures: '1', errors: '0' });
      const failed = cases.filter((c) => c.failure !== undefined);
      expect(failed.map((c) => c.name)).toEqual(['4 jobs Done']);
      expect(failed[0]!.failure).toBe('3 Done (all statuses: {"Done":3})');
    },
    RUN_TIMEOUT_MS,
  );

  it(
    'exits 1 when a step throws, and reports the step as an error',
    async () => {
      const file = scenarioFile(
        'throwing-step',
        `export default {
  name: 'throwing-step',
  description: 'Input-data jobs without a dataset.',
  steps: [
    steps.login('alice'),
    steps.submit('alice', 2, { template: 'input-data' }),
    steps.startGrid(),
  ],
};`,
      );
      const junit = join(scratch, 'throwing.xml');
      const run = await runScenario([file, '--virtual', '--junit', junit]);
      expect(run.code).toBe(1);
      expect(run.summary?.steps_failed).toEqual(['alice submits 2 input-data jobs']);
      expect(run.summary?.steps_skipped).toBe(1);
      const { totals, cases } = junitCases(junit);
      expect(totals).toMatchObject({ failures: '0', errors: '1', skipped: '1' });
      const broken = cases.filter((c) => c.error !== undefined);
      expect(broken.map((c) => c.name)).toEqual(['alice submits 2 input-data jobs (step 1)']);
      expect(broken[0]!.error).toContain('has no dataset: add an upload-dataset step first');
    },
    RUN_TIMEOUT_MS,
  );

  it(
    'runs the example of docs/scenarios.md, which shows the file as it is',
    async () => {
      const example = join(ROOT, 'scenarios', 'examples', 'my-first-scenario.ts');
      const doc = readFileSync(join(ROOT, 'docs', 'scenarios.md'), 'utf8');
      const shown = /```ts\n([\s\S]*?)```/.exec(doc)?.[1];
      expect(shown).toBe(readFileSync(example, 'utf8'));
      const run = await runScenario([example, '--virtual']);
      expect(run.summary?.failed, run.stderr).toEqual([]);
      expect(run.code).toBe(0);
    },
    RUN_TIMEOUT_MS,
  );

  const noScenario = scenarioFile('no-scenario', 'export const answer = 42;');
  it.each([
    [['nope'], /^gridbox: No scenario named "nope"; the library has smoke, /],
    [
      ['smoke', '--virtual', '--target', 'http://127.0.0.1:1'],
      /^gridbox: --virtual runs its own box in process; it cannot drive a --target server/,
    ],
    [
      ['smoke', '--virtual', '--junit', join(scratch, 'missing', 'out.xml')],
      /^gridbox: The folder of --junit, .*missing, does not exist/,
    ],
    [[noScenario, '--virtual'], /^gridbox: .*no-scenario\.ts does not export a scenario/],
    [['smoke', '--virtual', '--seed', 'abc'], /^gridbox: Invalid value "abc" for --seed/],
  ])('exits 2 with one sentence on stderr for %j', async (args, message) => {
    const t = testIo();
    expect(await main(['scenario', 'run', ...args], t.io)).toBe(2);
    expect(t.stdout()).toBe('');
    expect(t.stderr()).toMatch(message);
    expect(t.stderr().trim().split('\n')).toHaveLength(1);
  });
});

describe('gridbox scenario run --target', () => {
  const startServer = startTargetServer;

  it(
    'passes smoke against a server with an administrator token, and skips what needs identities',
    async () => {
      const server = await startServer();
      try {
        const env = { DIRACX_TOKEN: await server.token() };
        const smoke = await runScenario(['smoke', '--target', server.url], env);
        expect(smoke.summary?.failed, smoke.stderr).toEqual([]);
        expect(smoke.summary?.steps_skipped).toBe(0);
        expect(smoke.code).toBe(0);

        const isolation = await runScenario(['multi-vo-isolation', '--target', server.url], env);
        expect(isolation.summary?.failed, isolation.stderr).toEqual([]);
        expect(isolation.summary?.steps_skipped).toBeGreaterThan(0);
        expect(isolation.stderr).toMatch(
          /skipped — .*sees nothing of .*: this target cannot offer identities/,
        );
        expect(isolation.code).toBe(0);
      } finally {
        await server.close();
      }
    },
    RUN_TIMEOUT_MS,
  );
});
