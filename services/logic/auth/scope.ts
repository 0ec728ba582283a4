import { type Config, ForbiddenError, InvalidRequestError } from '../../core/index.ts';

/** What a scope string asks for: `vo:<vo> [group:<group>] [property:<p>…]`. */
export interface ScopeInfo {
  vo: string;
  group: string;
  /** Requested properties plus the group's, sorted. */
  properties: string[];
}

/**
 * Parses and checks a scope as DiracX does: exactly one known VO, at most one group of that
 * VO (its default group otherwise), and only known properties. Bad scopes are 400s.
 */
export function parseScope(
  scope: string,
  config: Config,
  availableProperties: readonly string[],
): ScopeInfo {
  const vos: string[] = [];
  const groups: string[] = [];
  const properties: string[] = [];
  const unrecognised: string[] = [];
  for (const item of new Set(scope.split(' ').filter((s) => s !== ''))) {
    if (item.startsWith('vo:')) vos.push(item.slice(3));
    else if (item.startsWith('group:')) groups.push(item.slice(6));
    else if (item.startsWith('property:')) properties.push(item.slice(9));
    else unrecognised.push(item);
  }
  if (unrecognised.length > 0)
    throw new InvalidRequestError(`Unrecognised scopes: ${unrecognised.join(', ')}`);
  if (vos.length === 0) {
    const available = Object.keys(config.Registry).map((vo) => `vo:${vo}`);
    throw new InvalidRequestError(
      `No vo scope requested, available values: ${available.join(' ')}`,
    );
  }
  if (vos.length > 1)
    throw new InvalidRequestError(`Only one vo is allowed but got ${vos.join(', ')}`);
  const vo = vos[0]!;
  const registry = config.Registry[vo];
  if (registry === undefined)
    throw new InvalidRequestError(`VO ${vo} is not known to this installation`);
  if (groups.length > 1)
    throw new InvalidRequestError(`Only one DIRAC group allowed but got ${groups.join(', ')}`);
  const group = groups[0] ?? registry.DefaultGroup;
  const groupInfo = registry.Groups[group];
  if (groupInfo === undefined) throw new InvalidRequestError(`${group} not in ${vo} groups`);
  const all = [...new Set([...properties, ...groupInfo.Properties])].sort();
  const unknown = all.filter((p) => !availableProperties.includes(p));
  if (unknown.length > 0)
    throw new InvalidRequestError(`${unknown.join(', ')} are not valid properties`);
  return { vo, group, properties: all };
}

/** Who a scope is granted to: the Registry's view of an identity-provider subject. */
export interface GrantedIdentity extends ScopeInfo {
  /** `<vo>:<IdP subject>`, unique across VOs. */
  sub: string;
  preferredUsername: string;
}

/**
 * Grants a parsed scope to the IdP subject `idpSub`, as DiracX does at token issue: the
 * subject must be a user of the VO, a member of the group, and entitled to every property
 * through one of its groups. DiracX answers 500 for an unregistered user; gridbox, 403.
 */
export function grantScope(config: Config, scope: ScopeInfo, idpSub: string): GrantedIdentity {
  const registry = config.Registry[scope.vo]!;
  const user = registry.Users[idpSub];
  if (user === undefined)
    throw new ForbiddenError(`User ${idpSub} is not registered in VO ${scope.vo}`);
  const name = user.PreferedUsername;
  if (!registry.Groups[scope.group]!.Users.includes(idpSub)) {
    throw new ForbiddenError(
      `User is not a member of the requested group (${name}, ${scope.group})`,
    );
  }
  const entitled = new Set(
    Object.values(registry.Groups)
      .filter((g) => g.Users.includes(idpSub))
      .flatMap((g) => g.Properties),
  );
  const excess = scope.properties.filter((p) => !entitled.has(p));
  if (excess.length > 0) {
    throw new ForbiddenError(
      `${excess.join(' ')} are not valid properties for user ${name}, available values: ${[...entitled].sort().join(' ')}`,
    );
  }
  return { ...scope, sub: `${scope.vo}:${idpSub}`, preferredUsername: name };
}
