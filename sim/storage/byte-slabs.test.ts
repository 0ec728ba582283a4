import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteSlabs } from './byte-slabs.ts';

describe('ByteSlabs', () => {
  it('keeps every copy intact while later copies fill the slabs and callers reuse buffers', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 20_000, size: 'max' }), { maxLength: 80 }),
        (arrays) => {
          const slabs = new ByteSlabs();
          const expected = arrays.map((data) => Array.from(data));
          const copies = arrays.map((data) => slabs.copy(data));
          for (const data of arrays) data.fill(0xaa);
          copies.forEach((copy, i) => expect(Array.from(copy)).toEqual(expected[i]));
        },
      ),
      { numRuns: 30 },
    );
  });
});
