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
  pollDeviceToken,
  startDeviceFlow,
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
}

const DEFAULT_URL = 'http://127.0.0.1:8000';
/** DiracX's CLI polls every 2 s and gives up 30 s before the device code expires. */
const POLL_INTERVAL_MS = 2000;
const POLL_MARGIN_S = 30;

async function endpointFor(flags: LoginFlags, io: Io): Promise<DiracxEndpoint> {
  const url = flags.url ?? io.env.DIRACX_URL ?? DEFAULT_URL;
  if (!/^https?:\/\//.test(url))
    throw new UsageError(`Invalid value "${url}" for --url: expected an http(s) URL`);
  const caPath = flags.caBundle ?? io.env.DIRACX_CA_PATH;
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

async function saveAndPrint(tokens: TokenResponse, io: Io): Promise<void> {
  await writeCredentials(credentialsPath(io.env), tokens, Date.now());
  io.stdout.write(`${tokens.access_token}\n`);
}

/**
 * `gridbox token --user NAME`: the real device flow, driven without a person: the
 * verification link is opened and the identity provider's sign-in form filled in with the
 * fixture user's password. Prints the access token and stores both tokens where DiracX's
 * client looks for them.
 */
export async function token(flags: LoginFlags, io: Io): Promise<number> {
  if (flags.user === undefined) throw new UsageError('Say who logs in with --user NAME');
  const settings = parseSettings({
    flags: { seed: flags.seed, fixtures: flags.fixtures, configFile: flags.configFile },
    env: io.env,
  });
  const { fixtureSet } = await boxFixtures(settings);
  const user = fixtureSet.users.find((u) => u.username === flags.user);
  if (user === undefined)
    throw new UsageError(`No user ${flags.user} in these fixtures (seed ${settings.seed})`);
  const endpoint = await endpointFor(flags, io);
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
  await saveAndPrint(tokens, io);
  io.stderr.write(`Logged in; credentials saved to ${credentialsPath(io.env)}\n`);
  return 0;
}
