import { type Clock, monotonicClock } from '../../core/index.ts';
import { type AccessTokenClaims, type TokenDeps, verifyAccessToken } from './tokens.ts';

/** How long a token, once verified, is taken on trust (it is still refused once expired). */
export const VERIFIED_TOKEN_TTL_MS = 60_000;
const MAX_ENTRIES = 10_000;

/**
 * Access tokens this app verified lately, so a client calling again with the same token
 * does not pay for the signature check each time (a pilot heartbeating, a loop of
 * requests): a fifth of a busy app's CPU went to Ed25519 verification. The token string
 * itself is the key, so nothing unsigned is ever trusted. DiracX access tokens cannot be
 * revoked, so there is nothing else to wait for.
 *
 * Two clocks: the token's own `exp` is checked on every hit against the app's clock, as a
 * full verification would; how long an entry is trusted (VERIFIED_TOKEN_TTL_MS) is
 * measured on a monotonic wall clock. The trust window bounds how long a memo lives in
 * memory, not the token's validity, and in a virtual-time simulation the app's clock jumps
 * hours between two requests, which would make nearly every request verify again.
 */
export class VerifiedTokens {
  readonly #entries = new Map<
    string,
    { claims: AccessTokenClaims; expiresAtMs: number; trustedUntilMs: number }
  >();
  readonly #clock: Clock;
  readonly #wallClock: Clock;

  /** `wallClock` measures the trust window; tests pass a ManualClock. */
  constructor(clock: Clock, wallClock: Clock = monotonicClock) {
    this.#clock = clock;
    this.#wallClock = wallClock;
  }

  async verify(deps: TokenDeps, token: string): Promise<AccessTokenClaims> {
    const hit = this.#entries.get(token);
    if (hit !== undefined) {
      if (this.#wallClock.nowMs() < hit.trustedUntilMs && this.#clock.nowMs() < hit.expiresAtMs)
        return hit.claims;
      this.#entries.delete(token);
    }
    const claims = await verifyAccessToken(deps, token);
    return this.remember(token, claims);
  }

  /**
   * Takes `token` on trust with `claims`: for what `verify` checked, or for a token this app
   * signed itself with exactly these claims (what verifying it would give).
   */
  remember(token: string, claims: AccessTokenClaims): AccessTokenClaims {
    if (this.#entries.size >= MAX_ENTRIES) {
      // Maps iterate in insertion order: the first key is the oldest entry.
      this.#entries.delete(this.#entries.keys().next().value!);
    }
    const kept = Object.freeze({
      ...claims,
      dirac_properties: Object.freeze([...claims.dirac_properties]) as string[],
    });
    this.#entries.set(token, {
      claims: kept,
      expiresAtMs: claims.exp * 1000,
      trustedUntilMs: this.#wallClock.nowMs() + VERIFIED_TOKEN_TTL_MS,
    });
    return kept;
  }
}
