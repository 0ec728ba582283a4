/** Adler-32's modulus: the largest prime below 2^16. */
const MOD = 65521;
/**
 * Bytes that can be summed before `b` must be reduced: zlib's NMAX, the most for which
 * 255·n·(n+1)/2 + (n+1)·(MOD−1) stays below 2^32. Reducing once per block instead of once
 * per byte is what makes the checksum cheap enough to compute on every put.
 */
const BLOCK = 5552;

/**
 * The Adler-32 checksum (RFC 1950) of `data` as 8 lowercase hex digits, the form DIRAC
 * stores in its file catalogue and compares replicas by.
 */
export function adler32(data: Uint8Array): string {
  let a = 1;
  let b = 0;
  for (let start = 0; start < data.length; start += BLOCK) {
    const end = Math.min(start + BLOCK, data.length);
    for (let i = start; i < end; i++) {
      a += data[i]!;
      b += a;
    }
    a %= MOD;
    b %= MOD;
  }
  return (b * 65536 + a).toString(16).padStart(8, '0');
}
