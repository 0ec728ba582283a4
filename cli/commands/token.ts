import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent } from 'undici';
import {
  BrowserLoginError,
  type DiracxEndpoint,
  DiracxHttpError,
  type TokenResponse,
  browserLogin,
  credentialsPath,
  issuerOf,
  pollDeviceToken,
  startDeviceFlow,
  storedIssuer,
  writeCredentials,
} from '../../client/index.ts';
import { type SettingKey, UsageError, parseSettings } from '../../services/core/index.ts';
import { boxFixtures } from '../box-fixtures.ts';
import type { Io } from '../io.ts';

export interface LoginFlags extends Partial<Record<SettingKey, string>> {
  user?: string;
  vo?: string;
  group?: string;
  url?: string;
  caBundle?: string;
  box?: string;
}

/** The part of `gridbox up --json`'s ready line that a login needs. */
interface BoxLine {
  url: string;
  ca_bundle: string | null;
  users: { username: string; password: string; vo: string }[];
}

const DEFAULT_URL = 'http://127.0.0.1:8000';
/** DiracX's CLI polls every 2 s and gives up 30 s before the device code expires. */
const POLL_INTERVAL_MS = 2000;
const POLL_MARGIN_S = 30;

async function endpointFor(flags: LoginFlags, io: Io, box?: BoxLine): Promise<DiracxEndpoint> {
  const url = flags.url ?? box?.url ?? io.env.DIRACX_URL ?? DEFAULT_URL;
  if (!/^https?:\/\//.test(url))
    throw new UsageError(`Invalid value "${url}" for --url: expected an http(s) URL`);
  const caPath = flags.caBundle ?? io.env.DIRACX_CA_PATH ?? box?.ca_bundle ?? undefined;
  if (caPath === undefined) return { url };
  let ca: string;
  try {
    ca = await readFile(caPath, 'utf8');
  } catch {
    throw new UsageError(`Cannot read the CA bundle ${caPath}`);
  }
  return { url, dispatcher: new Agent({ connect: { ca } }) };
}

function scopeOf(vo: string, group: string | undefined): string {
  return group === undefined ? `vo:${vo}` : `vo:${vo} group:${group}`;
}

/** Turns what the network or the server said into one sentence for the person at the CLI. */
function explain<T>(endpoint: DiracxEndpoint, work: Promise<T>): Promise<T> {
  return work.catch((error: unknown) => {
    if (error instanceof DiracxHttpError || error instanceof BrowserLoginError)
      throw new UsageError(error.message);
    if (error instanceof TypeError)
      throw new UsageError(
        `Cannot reach ${endpoint.url}: ${String((error.cause as Error | undefined)?.message ?? error.message)}`,
      );
    throw error;
  });
}

/**
 * Prints the access token and stores the tokens where DiracX's client looks, unless that
 * file holds a login to another server (another `iss`): a box's token must not replace a
 * real DiracX login, so the file is kept and a warning says how to store this one.
 * Returns whether the tokens were stored.
 */
async function saveAndPrint(tokens: TokenResponse, io: Io): Promise<boolean> {
  io.stdout.write(`${tokens.access_token}\n`);
  const path = credentialsPath(io.env);
  const existing = await storedIssuer(path);
  const issuer = issuerOf(tokens.access_token);
  if (existing !== 'absent' && existing !== undefined && existing !== issuer) {
    io.stderr.write(
      `gridbox: kept ${path}, which holds a login to another server (issuer ${existing}); set DIRACX_CREDENTIALS_PATH to store this login elsewhere.\n`,
    );
    return false;
  }
  await writeCredentials(path, tokens, Date.now());
  return true;
}

/** Reads the ready line of `gridbox up --json` from a file, or from stdin for `-`. */
function readBox(file: string): BoxLine {
  const name = file === '-' ? 'stdin' : file;
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (error) {
    throw new UsageError(
      `Cannot read the box's ready line from ${name}: ${(error as Error).message}`,
    );
  }
  let line: unknown;
  try {
    line = JSON.parse(text.trim().split('\n')[0] ?? '');
  } catch {
    line = undefined;
  }
  const box = line as Partial<BoxLine> | undefined;
  if (typeof box?.url !== 'string' || !Array.isArray(box.users))
    throw new UsageError(
      `${name} does not hold the ready line of gridbox up --json (a JSON object with url and users)`,
    );
  return { url: box.url, ca_bundle: box.ca_bundle ?? null, users: box.users };
}

/** The user to log in: from the box's ready line with --box, else from regenerated fixtures. */
async function fixtureUser(flags: LoginFlags, io: Io, box: BoxLine | undefined) {
  if (box !== undefined) {
    const user = box.users.find((u) => u.username === flags.user);
    if (user === undefined) {
      const some = box.users.slice(0, 5).map((u) => u.username);
      throw new UsageError(
        `No user ${flags.user} in the box at ${box.url}; its users include ${some.join(', ')}`,
      );
    }
    return user;
  }
  const settings = parseSettings({
    flags: { seed: flags.seed, fixtures: flags.fixtures, configFile: flags.configFile },
    env: io.env,
  });
  const { fixtureSet } = await boxFixtures(settings);
  const user = fixtureSet.users.find((u) => u.username === flags.user);
  if (user === undefined)
    throw new UsageError(
      `No user ${flags.user} in the fixtures of seed ${settings.seed}; for a box started with other flags, pass its ready line with --box FILE`,
    );
  return user;
}

/**
 * `gridbox token --user NAME`: the real device flow, driven without a person: the
 * verification link is opened and the identity provider's sign-in form filled in with the
 * fixture user's password. Prints the access token and stores both tokens where DiracX's
 * client looks for them.
 */
export async function token(flags: LoginFlags, io: Io): Promise<number> {
  if (flags.user === undefined) throw new UsageError('Say who logs in with --user NAME');
  const box = flags.box === undefined ? undefined : readBox(flags.box);
  const user = await fixtureUser(flags, io, box);
  const endpoint = await endpointFor(flags, io, box);
  const tokens = await explain(
    endpoint,
    (async () => {
      const flow = await startDeviceFlow(endpoint, scopeOf(flags.vo ?? user.vo, flags.group));
      await browserLogin(flow.verification_uri_complete, {
        username: user.username,
        password: user.password,
        ...(endpoint.dispatcher === undefined ? {} : { dispatcher: endpoint.dispatcher }),
        isDone: (url) => url.pathname.endsWith('/api/auth/device/complete/finished'),
      });
      const result = await pollDeviceToken(endpoint, flow.device_code);
      if (result === 'pending')
        throw new UsageError('The sign-in did not complete the device flow');
      return result;
    })(),
  );
  await saveAndPrint(tokens, io);
  return 0;
}

/** `gridbox login`: the device flow for a person, who opens the printed link. */
export async function login(flags: LoginFlags, io: Io): Promise<number> {
  if (flags.vo === undefined) throw new UsageError('Say which VO to log in to with --vo VO');
  const endpoint = await endpointFor(flags, io);
  const tokens = await explain(
    endpoint,
    (async () => {
      const flow = await startDeviceFlow(endpoint, scopeOf(flags.vo!, flags.group));
      io.stderr.write(
        `Open this link in a browser and sign in:\n  ${flow.verification_uri_complete}\n`,
      );
      const attempts = Math.max(
        1,
        Math.floor(((flow.expires_in - POLL_MARGIN_S) * 1000) / POLL_INTERVAL_MS),
      );
      for (let attempt = 0; attempt < attempts; attempt++) {
        const result = await pollDeviceToken(endpoint, flow.device_code);
        if (result !== 'pending') return result;
        await sleep(POLL_INTERVAL_MS);
      }
      throw new UsageError('The device code expired before the sign-in finished');
    })(),
  );
  if (await saveAndPrint(tokens, io))
    io.stderr.write(`Logged in; credentials saved to ${credentialsPath(io.env)}\n`);
  return 0;
}
