import { randomBytes } from 'node:crypto';
import type { Clock } from './clock.ts';

/**
 * A UUIDv7 (RFC 9562): 48 bits of milliseconds, then random bits. DiracX uses these as
 * token ids and derives each token's expiry from the time inside its id.
 */
export function uuid7(clock: Clock, random: (n: number) => Uint8Array = randomBytes): string {
  const ms = clock.nowMs();
  const bytes = new Uint8Array(16);
  bytes.set(random(10), 6);
  for (let i = 5; i >= 0; i--) bytes[i] = Math.floor(ms / 2 ** (8 * (5 - i))) % 256;
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = Buffer.from(bytes).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The millisecond timestamp inside a UUIDv7. */
export function uuid7TimeMs(id: string): number {
  return Number.parseInt(id.replaceAll('-', '').slice(0, 12), 16);
}
