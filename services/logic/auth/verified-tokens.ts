import type { Clock } from '../../core/index.ts';
import { type AccessTokenClaims, type TokenDeps, verifyAccessToken } from './tokens.ts';

/** How long a token, once verified, is taken on trust (it is still refused once expired). */
export const VERIFIED_TOKEN_TTL_MS = 60_000;
const MAX_ENTRIES = 10_000;

/**
 * Access tokens this app verified lately, so a client calling again with the same token
 * does not pay for the signature check each time (a pilot heartbeating, a loop of
 * requests): a fifth of a busy app's CPU went to Ed25519 verification. The token string
 * itself is the key, so nothing unsigned is ever trusted; each entry lives at most
 * VERIFIED_TOKEN_TTL_MS and never past the token's own expiry. DiracX access tokens
 * cannot be revoked, so there is nothing else to wait for.
 */
export class VerifiedTokens {
  readonly #entries = new Map<string, { claims: AccessTokenClaims; untilMs: number }>();
  readonly #clock: Clock;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  async verify(deps: TokenDeps, token: string): Promise<AccessTokenClaims> {
    const now = this.#clock.nowMs();
    const hit = this.#entries.get(token);
    if (hit !== undefined && now < hit.untilMs) return hit.claims;
    if (hit !== undefined) this.#entries.delete(token);
    const claims = await verifyAccessToken(deps, token);
    if (this.#entries.size >= MAX_ENTRIES) {
      // Maps iterate in insertion order: the first key is the oldest entry.
      this.#entries.delete(this.#entries.keys().next().value!);
    }
    Object.freeze(claims.dirac_properties);
    this.#entries.set(token, {
      claims: Object.freeze(claims),
      untilMs: Math.min(now + VERIFIED_TOKEN_TTL_MS, claims.exp * 1000),
    });
    return claims;
  }
}
