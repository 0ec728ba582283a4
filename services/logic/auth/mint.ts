import { type Config, UsageError } from '../../core/index.ts';
import { type TokenDeps, issueAccessToken } from './tokens.ts';

/** Who a minted token speaks for: someone of a VO acting in one of its groups. */
export interface TokenIdentity {
  vo: string;
  username: string;
  group: string;
  /**
   * The claims exactly as given, unchecked against the Registry (tests of access policies
   * need callers the Registry does not have). Without them, `username` must be a member of
   * `group` in the Registry, and the token carries the group's properties.
   */
  properties?: readonly string[];
}

/** DiracX's access-token lifetime; the box's own default. */
const DEFAULT_LIFETIME_MINUTES = 20;

/**
 * An access token signed with the box's key, as its token endpoint would issue it after a
 * login, without the login: what tests, the in-process simulation target and the
 * benchmarks use. The subject is `<vo>:<IdP subject>` of the Registry's user, or
 * `<vo>:<username>` for an identity given with its properties.
 */
export async function mintAccessToken(
  deps: Omit<TokenDeps, 'issuer'> & { issuer?: string; config: Config },
  identity: TokenIdentity,
  lifetimeMinutes = DEFAULT_LIFETIME_MINUTES,
): Promise<string> {
  const { vo, username, group } = identity;
  let sub = username;
  let properties = identity.properties;
  if (properties === undefined) {
    const registry = deps.config.Registry[vo];
    const member = Object.entries(registry?.Users ?? {}).find(
      ([id, user]) =>
        user.PreferedUsername === username && registry?.Groups[group]?.Users.includes(id),
    );
    if (member === undefined)
      throw new UsageError(`${username} is not a member of ${group} in VO ${vo}`);
    sub = member[0];
    properties = registry!.Groups[group]!.Properties;
  }
  const { token } = await issueAccessToken(
    { keystore: deps.keystore, clock: deps.clock, issuer: deps.issuer ?? 'gridbox' },
    {
      sub: `${vo}:${sub}`,
      vo,
      dirac_group: group,
      preferred_username: username,
      dirac_properties: [...properties],
    },
    lifetimeMinutes,
  );
  return token;
}
