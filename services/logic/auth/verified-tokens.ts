import { type Clock, monotonicClock } from '../../core/index.ts';
import { type AccessTokenClaims, type TokenDeps, verifyAccessToken } from './tokens.ts';

/**
 * How long a token, once verified, is taken on trust (it is still refused once expired):
 * longer than the wall time between two calls of one pilot in a large virtual-time
 * simulation, where the half hour of model time between two heartbeats took 75 s at a
 * million jobs.
 */
export const VERIFIED_TOKEN_TTL_MS = 60 * 60_000;
/**
 * Room for the tokens of every pilot of a large grid at once (the `large` fixtures have about
 * 140,000 slots). With room for 10,000, a million-job simulation's pilots pushed each other's
 * tokens out, and nearly every call of theirs verified a signature again. An entry holds
 * about 1.2 KB, most of it the token string, so a full memo is about 240 MB.
 */
const MAX_ENTRIES = 200_000;

/**
 * Access tokens this app verified lately, so a client calling again with the same token
 * does not pay for the signature check each time (a pilot heartbeating, a loop of
 * requests): a fifth of a busy app's CPU went to Ed25519 verification. The token string
 * itself is the key, so nothing unsigned is ever trusted. DiracX access tokens cannot be
 * revoked, so there is nothing else to wait for.
 *
 * Two clocks: the token's own `exp` is checked on every hit against the app's clock, as a
 * full verification would; how long an entry is trusted (VERIFIED_TOKEN_TTL_MS) is
 * measured on a monotonic wall clock, because in a virtual-time simulation the app's clock
 * jumps hours between two requests. The memo's memory is bounded by its number of entries.
 */
export class VerifiedTokens {
  readonly #entries = new Map<
    string,
    { claims: AccessTokenClaims; expiresAtMs: number; trustedUntilMs: number }
  >();
  readonly #clock: Clock;
  readonly #wallClock: Clock;
  readonly #capacity: number;

  /** `wallClock` measures the trust window; tests pass a ManualClock, and a small capacity. */
  constructor(clock: Clock, wallClock: Clock = monotonicClock, capacity = MAX_ENTRIES) {
    this.#clock = clock;
    this.#wallClock = wallClock;
    this.#capacity = capacity;
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
    if (this.#entries.size >= this.#capacity) {
      // Maps iterate in insertion order: the first keys are the oldest entries. A tenth goes
      // at once, in one pass: an iterator walks over the holes deletions leave at the front,
      // so taking the first key at each insertion cost 40 us at 200,000 entries.
      let drop = Math.ceil(this.#capacity / 10);
      for (const key of this.#entries.keys()) {
        this.#entries.delete(key);
        if (--drop === 0) break;
      }
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
