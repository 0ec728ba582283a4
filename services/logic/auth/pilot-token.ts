import { timingSafeEqual } from 'node:crypto';
import { ForbiddenError, type PilotTokenResponse, UnauthorizedError } from '../../core/index.ts';
import type { PilotAgentsDB } from '../../db/index.ts';
import { hashSecret } from '../pilots/register.ts';
import type { AuthDeps } from './deps.ts';
import { issueAccessToken } from './tokens.ts';

/** The `sub` of a token issued to the registered pilot `stamp` of `vo`. */
const pilotSubject = (vo: string, stamp: string) => `${vo}:pilot:${stamp}`;

/**
 * The stamp a token is bound to: set for tokens this module issued to a registered pilot
 * (GenericPilot, `sub` = `<vo>:pilot:<stamp>`); undefined for every other identity, the
 * VO's generic pilot from the proxy exchange included.
 */
export function pilotStampOf(claims: {
  sub: string;
  vo: string;
  dirac_properties: readonly string[];
}): string | undefined {
  if (!claims.dirac_properties.includes('GenericPilot')) return undefined;
  const prefix = pilotSubject(claims.vo, '');
  return claims.sub.startsWith(prefix) && claims.sub.length > prefix.length
    ? claims.sub.slice(prefix.length)
    : undefined;
}

/**
 * A registered pilot trades its stamp and secret for an access token in its VO's pilot
 * group (the group with GenericPilot). No refresh token: the pilot asks again.
 * Every refusal reads the same, so a caller cannot tell stamps from secrets.
 */
export async function pilotToken(
  deps: AuthDeps & { pilotAgentsDb: PilotAgentsDB },
  request: { stamp: string; secret: string },
): Promise<PilotTokenResponse> {
  const stored = await deps.pilotAgentsDb.getPilotSecret(request.stamp);
  const given = Buffer.from(hashSecret(request.secret), 'hex');
  const valid =
    stored !== undefined &&
    timingSafeEqual(given, Buffer.from(stored.hashedSecret, 'hex')) &&
    stored.expiresMs > deps.tokens.clock.nowMs();
  if (!valid) throw new UnauthorizedError('Invalid pilot credentials');
  const registry = deps.config.Registry[stored.vo];
  const group = Object.entries(registry?.Groups ?? {})
    .filter(([, g]) => g.Properties.includes('GenericPilot'))
    .map(([name]) => name)
    .sort()[0];
  if (group === undefined)
    throw new ForbiddenError(`VO ${stored.vo} has no group with the GenericPilot property`);
  const { token } = await issueAccessToken(
    deps.tokens,
    {
      sub: pilotSubject(stored.vo, stored.stamp),
      vo: stored.vo,
      dirac_group: group,
      preferred_username: `pilot-${stored.stamp}`,
      dirac_properties: [...registry!.Groups[group]!.Properties].sort(),
    },
    deps.settings.accessTokenExpireMinutes,
  );
  return {
    access_token: token,
    expires_in: deps.settings.accessTokenExpireMinutes * 60,
    token_type: 'Bearer',
  };
}
