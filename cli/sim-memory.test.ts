import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FIXTURE_REF_DATE } from '../fixtures/index.ts';
import { VirtualClock } from '../sim/index.ts';
import { simulate } from './sim-run.testkit.ts';

/**
 * A simulation keeps the box's database and its SEs' file bytes in private temporary files
 * (unlinked as soon as they are open), and in memory where there is no temporary directory.
 */

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
const run = (seed: number, during: () => void = () => undefined) =>
  simulate({
    seed,
    jobs: 30,
    transport: 'direct',
    clock: new VirtualClock(Date.parse(FIXTURE_REF_DATE)),
    storage: 'memory',
    progress: (phase) => {
      if (phase === 'ended') during();
    },
  });

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
