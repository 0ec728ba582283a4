import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { InvalidRequestError } from '../../core/index.ts';

const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * The `state` DiracX sends through the identity provider carries the PKCE verifier and the
 * flow it belongs to, so it is encrypted and authenticated (AES-256-GCM here, where DiracX
 * uses Fernet) with a key the replicas share.
 */
export function encryptState(key: Buffer, state: Record<string, unknown>): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(state), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
}

export function decryptState(key: Buffer, text: string): Record<string, unknown> {
  try {
    const raw = Buffer.from(text, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
    decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
    const plain = Buffer.concat([
      decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)),
      decipher.final(),
    ]);
    const state: unknown = JSON.parse(plain.toString('utf8'));
    if (state === null || typeof state !== 'object') throw new Error('not an object');
    return state as Record<string, unknown>;
  } catch {
    throw new InvalidRequestError('Invalid state');
  }
}
