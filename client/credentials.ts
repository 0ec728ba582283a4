import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { TokenResponse } from './diracx-auth.ts';

/** DiracX's client renews a token this many seconds before it expires. */
const EXPIRY_MARGIN_S = 15;

/** Where DiracX's client looks for its tokens: DIRACX_CREDENTIALS_PATH or ~/.cache/diracx. */
export function credentialsPath(env: Readonly<Record<string, string | undefined>>): string {
  return env.DIRACX_CREDENTIALS_PATH ?? join(homedir(), '.cache', 'diracx', 'credentials.json');
}

/** Writes tokens in DiracX's credentials format (mode 0600), so its client picks them up. */
export async function writeCredentials(
  path: string,
  tokens: TokenResponse,
  nowMs: number,
): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const credentials = {
    access_token: tokens.access_token,
    refresh_token: tokens.refresh_token,
    expires_on: Math.floor(nowMs / 1000) + tokens.expires_in - EXPIRY_MARGIN_S,
  };
  await writeFile(path, `${JSON.stringify(credentials)}\n`, { mode: 0o600 });
}

/**
 * The `iss` of the access token stored at `path`: `absent` without a file, undefined when
 * the file holds no readable token (nothing worth keeping). Read without verifying: it only
 * tells whose login the file is.
 */
export async function storedIssuer(path: string): Promise<string | undefined | 'absent'> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
    throw error;
  }
  try {
    const { access_token } = JSON.parse(text) as { access_token?: unknown };
    return typeof access_token === 'string' ? issuerOf(access_token) : undefined;
  } catch {
    return undefined;
  }
}

/** The `iss` claim of a JWT, unverified; undefined when it has none. */
export function issuerOf(jwt: string): string | undefined {
  try {
    const payload = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString()) as {
      iss?: unknown;
    };
    return typeof payload.iss === 'string' ? payload.iss : undefined;
  } catch {
    return undefined;
  }
}
