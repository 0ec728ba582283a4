import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateFixtures, serializeFixtureSet } from '../fixtures/index.ts';
import type { SimReport } from '../reports/index.ts';
import { recordingIo as recordIo } from './io.testkit.ts';
import { main } from './main.ts';

// `gridbox sim --target` against one long-lived box, the way a CI job uses it: the box is
// started once with its own seed, and runs follow one another with seeds of their own.

/**
 * Runs against a box go in real time (about 14 s of pilot cycles for six jobs at the wire
 * speed-up): a loaded CI machine stretches that, so the bound is far past it.
 */
const REAL_TIME_TIMEOUT_MS = 180_000;

const scratch = mkdtempSync(join(tmpdir(), 'gridbox-sim-target-'));
let ready: { url: string; users: { username: string; vo: string; groups: string[] }[] };
let stopBox: (signal: string) => void;
let boxExit: Promise<number>;
let token: string;

/** The CLI's Io, with the box's CA in the test's scratch folder. */
const recordingIo = (env: Record<string, string> = {}) =>
  recordIo({ GRIDBOX_CA_DIR: join(scratch, 'ca'), ...env });

beforeAll(async () => {
  const box = recordingIo({ GRIDBOX_LOG_LEVEL: 'silent' });
  boxExit = main(['up', '--json', '--port', '0', '--seed', '31'], box.io);
  const line = await box.firstLine;
  ready = JSON.parse(line) as typeof ready;
  stopBox = box.stop;
  token = await adminToken(line, 'box');
});

/**
 * A VO administrator's token from the box of this ready line, as a user gets it (the
 * SiteDirector and the StalledJobAgent need one).
 */
async function adminToken(readyLine: string, name: string): Promise<string> {
  const boxFile = join(scratch, `${name}.json`);
  writeFileSync(boxFile, `${readyLine}\n`);
  const { users } = JSON.parse(readyLine) as typeof ready;
  const admin = users.find((u) => u.groups.includes(`${u.vo}_admin`))!;
  const login = recordingIo({ DIRACX_CREDENTIALS_PATH: join(scratch, `${name}-credentials.json`) });
  const argv = ['token', '--box', boxFile, '--user', admin.username];
  expect(await main([...argv, '--group', `${admin.vo}_admin`], login.io), login.err()).toBe(0);
  return login.out().trim();
}
afterAll(async () => {
  stopBox('SIGTERM');
  await boxExit;
  rmSync(scratch, { recursive: true, force: true });
});

async function simAgainstBox(seed: string) {
  const t = recordingIo({ DIRACX_TOKEN: token });
  const argv = ['sim', '--target', ready.url, '--seed', seed, '--jobs', '6', '--json'];
  const code = await main(argv, t.io);
  return { code, err: t.err(), summary: t.out() === '' ? undefined : JSON.parse(t.out()) };
}

describe('gridbox sim --target, repeated against one box', () => {
  it(
    'runs twice in a row with one seed (not the box seed), each to the end of its jobs',
    async () => {
      for (const seed of ['7', '7']) {
        const run = await simAgainstBox(seed);
        expect(run.err).not.toContain('gridbox: ');
        expect(run.code).toBe(0);
        expect(run.summary.jobs.submitted).toBe(6);
        expect(run.summary.jobs.by_status.unfinished).toBeUndefined();
      }
    },
    REAL_TIME_TIMEOUT_MS,
  );
});

describe('gridbox sim --target --report', () => {
  it(
    "writes the series of a run against someone else's server, without its DB size",
    async () => {
      const t = recordingIo({ DIRACX_TOKEN: token });
      const dir = join(scratch, 'target-report');
      const argv = ['sim', '--target', ready.url, '--seed', '9', '--jobs', '2', '--json'];
      expect(await main([...argv, '--report', dir], t.io), t.err()).toBe(0);
      const report = JSON.parse(readFileSync(join(dir, 'sim.json'), 'utf8')) as SimReport;
      expect(report.inputs).toMatchObject({ target: ready.url, fixtures: null, clock: 'real' });
      expect(report.series.db_bytes).toBeUndefined();
      expect(report.totals.db_bytes_max).toBeUndefined();
      expect(report.series.jobs_finished.reduce((a, b) => a + b, 0)).toBe(2);
      expect(report.totals.match.calls).toBeGreaterThanOrEqual(2);
      const html = readFileSync(join(dir, 'index.html'), 'utf8');
      expect(html).toContain('id="throughput"');
      expect(html).not.toContain('id="db-size"');
    },
    REAL_TIME_TIMEOUT_MS,
  );
});

describe('gridbox sim says why, in one sentence', () => {
  it('names the refused connection of a --target on a closed port', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const t = recordingIo({ DIRACX_TOKEN: token });
    expect(await main(['sim', '--target', `http://127.0.0.1:${port}`], t.io)).toBe(2);
    expect(t.err()).toBe(
      `gridbox: Cannot reach http://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}.\n`,
    );
  });

  it('refuses --events into a folder that does not exist', async () => {
    const t = recordingIo();
    const events = join(scratch, 'missing', 'events.jsonl');
    expect(await main(['sim', '--virtual', '--jobs', '1', '--events', events], t.io)).toBe(2);
    expect(t.err()).toBe(
      `gridbox: The folder of --events, ${join(scratch, 'missing')}, does not exist.\n`,
    );
  });
});

describe('gridbox sim --config-file', () => {
  it('simulates the grid of a fixture file, as gridbox up would serve it', async () => {
    const file = join(scratch, 'seed-77.yaml');
    writeFileSync(file, serializeFixtureSet(generateFixtures({ seed: 77, size: 'small' }), 'yaml'));
    const events = join(scratch, 'events.jsonl');
    const t = recordingIo();
    const argv = ['sim', '--virtual', '--jobs', '5', '--json', '--config-file', file];
    expect(await main([...argv, '--events', events], t.io)).toBe(0);
    const summary = JSON.parse(t.out()) as { jobs: { submitted: number } };
    expect(summary.jobs.submitted).toBe(5);
    const seed77Sites = Object.values(
      generateFixtures({ seed: 77, size: 'small' }).config.Resources.Sites,
    ).flatMap((grid) => Object.keys(grid));
    const sites = new Set(
      readFileSync(events, 'utf8')
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as { site?: string }).site)
        .filter((site) => site !== undefined),
    );
    expect(sites.size).toBeGreaterThan(0);
    for (const site of sites) expect(seed77Sites).toContain(site);
  });
});

describe('gridbox sim --target over HTTPS', () => {
  it(
    'trusts the box CA given with --ca-bundle',
    async () => {
      const box = recordingIo({
        GRIDBOX_LOG_LEVEL: 'silent',
        GRIDBOX_CA_DIR: join(scratch, 'tls-ca'),
      });
      const exit = main(['up', '--json', '--tls', '--port', '0', '--seed', '31'], box.io);
      const line = await box.firstLine;
      const tls = JSON.parse(line) as typeof ready & { ca_bundle: string };
      const tlsToken = await adminToken(line, 'tls-box');
      try {
        const t = recordingIo({ DIRACX_TOKEN: tlsToken });
        const simArgv = ['sim', '--target', tls.url, '--jobs', '2', '--json'];
        expect(await main([...simArgv, '--ca-bundle', tls.ca_bundle], t.io), t.err()).toBe(0);
        expect(JSON.parse(t.out()).jobs.submitted).toBe(2);
      } finally {
        box.stop('SIGTERM');
        await exit;
      }
    },
    REAL_TIME_TIMEOUT_MS,
  );
});
