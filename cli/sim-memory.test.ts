import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FIXTURE_REF_DATE, generateFixtures } from '../fixtures/index.ts';
import { VirtualClock, openStorageElements, runSimulation } from '../sim/index.ts';
import { embeddedTarget } from './sim-target.ts';

/**
 * A simulation keeps the box's database and its SEs' file bytes in private temporary files
 * (unlinked as soon as they are open), and in memory where there is no temporary directory.
 */

const fixtureSet = generateFixtures({ seed: 3, size: 'small' });
const scratch = mkdtempSync(join(tmpdir(), 'sim-memory-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

let savedTmpdir: string | undefined;
beforeEach(() => {
  savedTmpdir = process.env.TMPDIR;
});
afterEach(() => {
  if (savedTmpdir === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmpdir;
});

/** A 30-job virtual run; `during` is called as jobs end, while everything is open. */
async function run(seed: number, during: () => void = () => undefined) {
  const clock = new VirtualClock(Date.parse(FIXTURE_REF_DATE));
  const target = await embeddedTarget({ fixtureSet, clock, seed, transport: 'direct' });
  const storage = await openStorageElements(fixtureSet.config, { mode: 'memory' });
  const lines: string[] = [];
  try {
    const summary = await runSimulation({
      service: target.service,
      credentials: target.credentials,
      config: fixtureSet.config,
      owners: target.owners,
      storage: storage.elements,
      clock,
      seed,
      jobs: 30,
      sink: (line) => lines.push(line),
      progress: (phase) => {
        if (phase === 'ended') during();
      },
    });
    return { summary, lines };
  } finally {
    await storage.close();
    await target.close();
  }
}

describe('where a simulation keeps its bytes', () => {
  it('writes the same event log with its bytes in temporary files as in memory', async () => {
    const files = mkdtempSync(join(scratch, 'tmp-'));
    process.env.TMPDIR = files;
    let seen: string[] | undefined;
    const onDisk = await run(7, () => (seen ??= readdirSync(files)));
    expect(seen).toEqual([]); // open, yet no directory shows them
    expect(readdirSync(files)).toEqual([]);

    process.env.TMPDIR = join(scratch, 'missing');
    const inMemory = await run(7);
    expect(existsSync(join(scratch, 'missing'))).toBe(false);

    expect(onDisk.summary.jobs.by_status.unfinished).toBeUndefined();
    expect(onDisk.summary.events.by_kind['transfer.write']).toBeGreaterThan(0);
    expect(onDisk.lines).toEqual(inMemory.lines);
    expect(onDisk.summary.event_log_sha256).toBe(inMemory.summary.event_log_sha256);
    // Two whole runs: seconds on a quiet machine, several times that on a loaded one.
  }, 300_000);

  it('leaves no temporary file behind when the run fails', async () => {
    const files = mkdtempSync(join(scratch, 'tmp-'));
    process.env.TMPDIR = files;
    await expect(
      run(8, () => {
        throw new Error('the operator pulled the plug');
      }),
    ).rejects.toThrow('the operator pulled the plug');
    expect(readdirSync(files)).toEqual([]);
  }, 300_000);
});
