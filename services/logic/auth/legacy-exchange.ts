import { createHash, timingSafeEqual } from 'node:crypto';
import { type ProxyIdentity, ProxyVerificationError, verifyProxy } from '../../../ca/index.ts';
import {
  ForbiddenError,
  InvalidRequestError,
  LegacyExchangeDisabledError,
  UnauthorizedError,
} from '../../core/index.ts';
import type { AuthDeps } from './deps.ts';
import { issueTokens } from './issue-tokens.ts';
import type { TokenResponse } from '../../core/index.ts';

const LEGACY_HEADER = /^Bearer diracx:legacy:([A-Za-z0-9_-]+)$/;

/**
 * DiracX's legacy exchange: a DIRAC server holding the shared API key obtains tokens for a
 * user it names. The key travels as `Bearer diracx:legacy:<base64url>`; its SHA-256 must
 * match the setting.
 */
export async function legacyExchange(
  deps: AuthDeps,
  request: {
    authorization: string | undefined;
    preferredUsername: string;
    scope: string;
    expiresMinutes?: number;
  },
): Promise<TokenResponse> {
  const expected = deps.settings.legacyExchangeHashedApiKey;
  if (expected === undefined) throw new LegacyExchangeDisabledError();
  const match = LEGACY_HEADER.exec(request.authorization ?? '');
  if (match === null) throw new InvalidRequestError('Invalid authorization header');
  const given = createHash('sha256').update(Buffer.from(match[1]!, 'base64url')).digest();
  if (!timingSafeEqual(given, Buffer.from(expected, 'hex')))
    throw new UnauthorizedError('Invalid credentials');
  const vo = /(?:^| )vo:(\S+)/.exec(request.scope)?.[1];
  const users = vo === undefined ? undefined : deps.config.Registry[vo]?.Users;
  const sub = Object.entries(users ?? {}).find(
    ([, user]) => user.PreferedUsername === request.preferredUsername,
  )?.[0];
  if (sub === undefined)
    throw new InvalidRequestError(
      `User ${request.preferredUsername} not found in VO ${vo ?? '(none)'}`,
    );
  return issueTokens(deps, {
    scope: request.scope,
    idpSub: sub,
    legacyExchange: true,
    ...(request.expiresMinutes === undefined
      ? {}
      : {
          refreshExpiresAtS: Math.floor(
            deps.tokens.clock.nowMs() / 1000 + request.expiresMinutes * 60,
          ),
        }),
  });
}

/**
 * gridbox's proxy exchange, DIRAC's way in for holders of grid proxies: a proxy signed
 * (through its user certificate) by the box's CA is traded for tokens of the VO and group it
 * carries. The user is found in the Registry by certificate DN.
 */
export async function proxyExchange(
  deps: AuthDeps & { caCertPem: string },
  request: { proxy: string },
): Promise<TokenResponse> {
  let identity: ProxyIdentity;
  try {
    identity = verifyProxy(request.proxy, deps.caCertPem, deps.tokens.clock.nowMs());
  } catch (error) {
    if (error instanceof ProxyVerificationError) throw new UnauthorizedError(error.message);
    throw error;
  }
  const vo = Object.keys(deps.config.Registry).find(
    (name) => identity.group in deps.config.Registry[name]!.Groups,
  );
  if (vo === undefined)
    throw new ForbiddenError(`Group ${identity.group} is not known to this installation`);
  if (identity.vo !== undefined && identity.vo !== vo) {
    throw new ForbiddenError(
      `The proxy names VO ${identity.vo}, but group ${identity.group} belongs to ${vo}`,
    );
  }
  const sub = Object.entries(deps.config.Registry[vo]!.Users).find(([, user]) =>
    user.DNs.includes(identity.dn),
  )?.[0];
  if (sub === undefined) throw new ForbiddenError(`No user of VO ${vo} has the DN ${identity.dn}`);
  return issueTokens(deps, {
    scope: `vo:${vo} group:${identity.group}`,
    idpSub: sub,
    legacyExchange: true,
    refreshExpiresAtS: Math.floor(identity.notAfterMs / 1000),
  });
}
