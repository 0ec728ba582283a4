import { createHash, randomBytes } from 'node:crypto';
import {
  createRemoteJWKSet,
  customFetch,
  type FetchImplementation,
  errors as joseErrors,
  jwtVerify,
} from 'jose';
import type { Dispatcher, RequestInit } from 'undici';
import { BadGatewayError, type Clock, UnauthorizedError } from '../../core/index.ts';

/** What DiracX reads from a VO's identity provider discovery document. */
export interface IdpMetadata {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
  id_token_signing_alg_values_supported?: string[];
}

const METADATA_TTL_MS = 3_600_000;

/**
 * DiracX's side of its VOs' identity providers: discovery (cached an hour), the
 * authorization URL, the code exchange and ID-token verification. One per app, so caches
 * are not shared between boxes.
 */
export class IdpClient {
  readonly #clock: Clock;
  readonly #dispatcher: Dispatcher | undefined;
  readonly #metadata = new Map<string, { value: IdpMetadata; fetchedMs: number }>();
  readonly #jwks = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

  constructor(clock: Clock, dispatcher?: Dispatcher) {
    this.#clock = clock;
    this.#dispatcher = dispatcher;
  }

  async metadata(idpUrl: string): Promise<IdpMetadata> {
    const cached = this.#metadata.get(idpUrl);
    if (cached !== undefined && this.#clock.nowMs() - cached.fetchedMs < METADATA_TTL_MS)
      return cached.value;
    const url = `${idpUrl.replace(/\/$/, '')}/.well-known/openid-configuration`;
    let value: IdpMetadata;
    try {
      const response = await this.#fetch(url);
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      value = (await response.json()) as IdpMetadata;
    } catch (error) {
      throw new BadGatewayError(
        `Failed to fetch the identity provider metadata at ${url}: ${(error as Error).message}`,
      );
    }
    this.#metadata.set(idpUrl, { value, fetchedMs: this.#clock.nowMs() });
    return value;
  }

  /** Where to send the user's browser: the IdP's login, with PKCE. */
  authorizationUrl(
    metadata: IdpMetadata,
    request: { clientId: string; redirectUri: string; state: string; codeChallenge: string },
  ): string {
    const url = new URL(metadata.authorization_endpoint);
    url.search = new URLSearchParams({
      response_type: 'code',
      code_challenge: request.codeChallenge,
      code_challenge_method: 'S256',
      client_id: request.clientId,
      redirect_uri: request.redirectUri,
      scope: 'openid profile',
      state: request.state,
    }).toString();
    return url.href;
  }

  /** Redeems the IdP's code and returns the verified claims of its ID token. */
  async idTokenClaims(
    metadata: IdpMetadata,
    request: { clientId: string; code: string; codeVerifier: string; redirectUri: string },
  ): Promise<Record<string, unknown>> {
    let response;
    try {
      response = await this.#fetch(metadata.token_endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          client_id: request.clientId,
          code: request.code,
          code_verifier: request.codeVerifier,
          redirect_uri: request.redirectUri,
        }).toString(),
      });
    } catch (error) {
      throw new BadGatewayError(
        `Failed to contact the identity provider: ${(error as Error).message}`,
      );
    }
    if (response.status >= 500) throw new BadGatewayError('Failed to contact IAM server');
    if (response.status >= 400) throw new UnauthorizedError('Invalid code');
    const { id_token: idToken } = (await response.json()) as { id_token?: string };
    if (typeof idToken !== 'string')
      throw new BadGatewayError('The identity provider returned no ID token');
    let jwks = this.#jwks.get(metadata.jwks_uri);
    if (jwks === undefined) {
      jwks = createRemoteJWKSet(new URL(metadata.jwks_uri), {
        // jose reads its own exported symbol, not a registered one.
        ...(this.#dispatcher === undefined ? {} : { [customFetch]: this.#fetchForJose() }),
      });
      this.#jwks.set(metadata.jwks_uri, jwks);
    }
    try {
      const { payload } = await jwtVerify(idToken, jwks, {
        issuer: metadata.issuer,
        audience: request.clientId,
        algorithms: metadata.id_token_signing_alg_values_supported ?? ['RS256'],
        requiredClaims: ['exp', 'iat', 'sub'],
        currentDate: new Date(this.#clock.nowMs()),
      });
      return payload as Record<string, unknown>;
    } catch (error) {
      if (error instanceof joseErrors.JOSEError) throw new UnauthorizedError('Invalid ID token');
      throw error;
    }
  }

  async #fetch(url: string, init: RequestInit = {}) {
    // Loaded when first needed: importing undici is a tenth of a second of every box's start.
    const { fetch } = await import('undici');
    return fetch(url, {
      ...init,
      ...(this.#dispatcher === undefined ? {} : { dispatcher: this.#dispatcher }),
    });
  }

  #fetchForJose(): FetchImplementation {
    // jose hands the global Headers and expects the global Response; undici's are the same
    // classes at run time under Node, only their declarations differ.
    const implementation = (url: string, init: Parameters<FetchImplementation>[1]) =>
      this.#fetch(url, {
        method: init.method,
        redirect: init.redirect,
        signal: init.signal,
        headers: Object.fromEntries(init.headers.entries()),
      });
    return implementation as unknown as FetchImplementation;
  }
}

/** A fresh PKCE verifier and its S256 challenge. */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: s256(verifier) };
}

export function s256(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}
