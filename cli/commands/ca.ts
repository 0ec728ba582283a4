import { resolve } from 'node:path';
import { CaDirectory } from '../../ca/index.ts';
import {
  type SettingKey,
  UsageError,
  parseSettings,
  systemClock,
} from '../../services/core/index.ts';
import { boxFixtures } from '../box-fixtures.ts';
import type { Io } from '../io.ts';

export interface CaFlags extends Partial<Record<SettingKey, string>> {
  user?: string;
  group?: string;
  lifetimeHours?: string;
  name?: string[];
}

const DEFAULT_HOST_NAMES = ['localhost', '127.0.0.1', '::1'];
const MAX_PROXY_LIFETIME_H = 24 * 365;

/** The CA folder named by --ca-dir / GRIDBOX_CA_DIR, and the settings that chose it. */
function caDirectory({ caDir, seed, fixtures, configFile }: CaFlags, io: Io) {
  const settings = parseSettings({ flags: { caDir, seed, fixtures, configFile }, env: io.env });
  return { settings, dir: new CaDirectory(resolve(settings.caDir), systemClock) };
}

/** `gridbox ca init`: create the root (once) and print where its certificate is. */
export async function caInit(flags: CaFlags, io: Io): Promise<number> {
  const { dir } = caDirectory(flags, io);
  await dir.ensureCa();
  io.stdout.write(`${dir.caCertPath}\n`);
  return 0;
}

/** `gridbox ca host`: a TLS server certificate, by default for the loopback names. */
export async function caHost(flags: CaFlags, io: Io): Promise<number> {
  const { dir } = caDirectory(flags, io);
  const files = await dir.ensureHost(flags.name ?? DEFAULT_HOST_NAMES);
  io.stdout.write(`${files.certPath}\n${files.keyPath}\n`);
  return 0;
}

/** `gridbox ca user --user NAME`: the certificate of a fixture user, with their DN. */
export async function caUser(flags: CaFlags, io: Io): Promise<number> {
  const { settings, dir } = caDirectory(flags, io);
  const user = await fixtureUser(flags, settings);
  const files = await dir.ensureUser(user.username, user.dn);
  io.stdout.write(`${files.certPath}\n${files.keyPath}\n`);
  return 0;
}

/** `gridbox ca proxy --user NAME [--group G]`: an RFC 3820 proxy carrying a DIRAC group. */
export async function caProxy(flags: CaFlags, io: Io): Promise<number> {
  const { settings, dir } = caDirectory(flags, io);
  const { fixtureSet } = await boxFixtures(settings);
  const user = await fixtureUser(flags, settings);
  const defaultGroup = fixtureSet.config.Registry[user.vo]!.DefaultGroup;
  const group =
    flags.group ?? (user.groups.includes(defaultGroup) ? defaultGroup : user.groups[0]!);
  if (!user.groups.includes(group)) {
    throw new UsageError(
      `User ${user.username} is not in group ${group}; their groups are ${user.groups.join(', ')}`,
    );
  }
  const lifetimeH = parseLifetimeHours(flags.lifetimeHours);
  io.stdout.write(
    `${await dir.writeProxy(user.username, user.dn, { vo: user.vo, group }, Math.round(lifetimeH * 3600))}\n`,
  );
  return 0;
}

/** Whom a certificate is for: a person of the fixtures, or a Registry identity such as a VO's pilot. */
interface CertificateHolder {
  username: string;
  dn: string;
  vo: string;
  groups: string[];
}

async function fixtureUser(
  flags: CaFlags,
  settings: Parameters<typeof boxFixtures>[0],
): Promise<CertificateHolder> {
  if (flags.user === undefined)
    throw new UsageError('Say whose certificate it is with --user NAME');
  const { fixtureSet } = await boxFixtures(settings);
  const person = fixtureSet.users.find((u) => u.username === flags.user);
  if (person !== undefined) return person;
  for (const [vo, info] of Object.entries(fixtureSet.config.Registry)) {
    const found = Object.entries(info.Users).find(
      ([, user]) => user.PreferedUsername === flags.user,
    );
    if (found === undefined || found[1].DNs[0] === undefined) continue;
    const [sub, user] = found;
    const groups = Object.entries(info.Groups)
      .filter(([, group]) => group.Users.includes(sub))
      .map(([name]) => name);
    return { username: user.PreferedUsername, dn: user.DNs[0]!, vo, groups };
  }
  const known = fixtureSet.users
    .slice(0, 5)
    .map((u) => u.username)
    .join(', ');
  throw new UsageError(`No user ${flags.user} in these fixtures; users include ${known}`);
}

function parseLifetimeHours(text: string | undefined): number {
  if (text === undefined) return 12;
  const hours = /^\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
  if (!(hours > 0 && hours <= MAX_PROXY_LIFETIME_H)) {
    throw new UsageError(
      `Invalid value "${text}" for --lifetime-hours: expected hours above 0 and at most ${MAX_PROXY_LIFETIME_H}`,
    );
  }
  return hours;
}
