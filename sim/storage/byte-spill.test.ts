import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ByteSpill } from './byte-spill.ts';

describe('ByteSpill', () => {
  let dir: string;
  let savedTmpdir: string | undefined;
  beforeEach(() => {
    savedTmpdir = process.env.TMPDIR;
    dir = mkdtempSync(join(tmpdir(), 'spill-test-'));
    process.env.TMPDIR = dir; // os.tmpdir() reads it on each call
  });
  afterEach(() => {
    if (savedTmpdir === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmpdir;
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['in a temporary file', () => undefined],
    [
      'in memory when no temporary file can be created',
      () => (process.env.TMPDIR = join(dir, 'missing')),
    ],
  ])('returns every copy intact, %s, while callers reuse their buffers', (_title, setUp) => {
    setUp();
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 20_000, size: 'max' }), { maxLength: 60 }),
        (arrays) => {
          const spill = new ByteSpill();
          try {
            const expected = arrays.map((data) => Array.from(data));
            const refs = arrays.map((data) => spill.append(data));
            for (const data of arrays) data.fill(0xaa);
            refs.forEach((ref, i) => {
              const copy = spill.read(ref);
              expect(Array.from(copy)).toEqual(expected[i]);
              copy.fill(0x55); // a reader's changes stay in its copy
              expect(Array.from(spill.read(ref))).toEqual(expected[i]);
            });
            expect(spill.size).toBe(arrays.reduce((sum, data) => sum + data.length, 0));
          } finally {
            spill.close();
          }
        },
      ),
      { numRuns: 20 },
    );
  });

  it('leaves no file in the temporary directory, while open or once closed', () => {
    const spill = new ByteSpill();
    const ref = spill.append(new Uint8Array(4096).fill(3));
    expect(readdirSync(dir)).toEqual([]);
    expect(spill.read(ref)).toEqual(new Uint8Array(4096).fill(3));
    spill.close();
    spill.close();
    expect(readdirSync(dir)).toEqual([]);
    expect(() => spill.read(ref)).toThrow('the spill file is closed');
    expect(() => spill.append(new Uint8Array(1))).toThrow('the spill file is closed');
  });

  it('keeps the bytes off the JavaScript heap', () => {
    const spill = new ByteSpill();
    const chunk = new Uint8Array(16 * 1024).fill(9);
    const before = process.memoryUsage().arrayBuffers;
    const refs = Array.from({ length: 2048 }, () => spill.append(chunk)); // 32 MiB
    const grown = process.memoryUsage().arrayBuffers - before;
    expect(grown).toBeLessThan(8 * 1024 * 1024);
    expect(spill.read(refs[2047]!)).toEqual(chunk);
    spill.close();
  });
});
