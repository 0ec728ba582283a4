import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { adler32 } from './adler32.ts';

const bytes = (text: string) => new TextEncoder().encode(text);

/** The definition, reducing after every byte: slow, but obviously right. */
function adler32Reference(data: Uint8Array): string {
  let a = 1;
  let b = 0;
  for (const byte of data) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return (b * 65536 + a).toString(16).padStart(8, '0');
}

describe('adler32', () => {
  it.each([
    ['', '00000001'],
    ['a', '00620062'],
    ['abc', '024d0127'],
    ['Wikipedia', '11e60398'],
    ['message digest', '29750586'],
    ['abcdefghijklmnopqrstuvwxyz', '90860b20'],
  ])('gives the published checksum of %j', (text, expected) => {
    expect(adler32(bytes(text))).toBe(expected);
  });

  it('keeps leading zeros, as DIRAC compares checksums as 8-digit strings', () => {
    expect(adler32(new Uint8Array([0]))).toBe('00010001');
  });

  it('agrees with the per-byte definition across block boundaries', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 20_000, size: 'max' }), (data) => {
        expect(adler32(data)).toBe(adler32Reference(data));
      }),
      { numRuns: 50 },
    );
    const worstCase = new Uint8Array(3 * 5552 + 7).fill(255);
    expect(adler32(worstCase)).toBe(adler32Reference(worstCase));
  });
});
