import { DiracxHttpError, type TokenSource, type Transport } from '../client/index.ts';
import type { Clock } from '../services/core/index.ts';

/** DiracX's public client: refresh tokens are bound to it. */
const CLIENT_ID = 'myDIRACClientID';
/** Tokens are renewed this long before they expire, as DiracX's client does. */
const MARGIN_MS = 60_000;

interface TokenResponse {
  access_token: string;
  expires_in: number;
  refresh_token?: string;
}

/** Thrown by a session whose refresh token the server no longer honours. */
export class SessionEndedError extends Error {
  readonly status: number;
  constructor(who: string, status: number, detail: string) {
    super(`${who}'s session ended: refreshing the token was refused (${status}: ${detail})`);
    this.name = 'SessionEndedError';
    this.status = status;
  }
}

/**
 * A user's tokens as a DiracX client holds them: an access token used until shortly before
 * it expires, then a refresh at the token endpoint. Refreshes are counted for the report;
 * once the server refuses the refresh token, every later call fails with SessionEndedError.
 */
export class Session {
  readonly who: string;
  readonly #transport: Transport;
  readonly #clock: Clock;
  #access: string;
  #refresh: string | undefined;
  #expiresAtMs: number;
  #ended: SessionEndedError | undefined;
  refreshes = 0;

  constructor(who: string, transport: Transport, clock: Clock, tokens: TokenResponse) {
    this.who = who;
    this.#transport = transport;
    this.#clock = clock;
    this.#access = tokens.access_token;
    this.#refresh = tokens.refresh_token;
    this.#expiresAtMs = clock.nowMs() + tokens.expires_in * 1000;
  }

  /** A fixed token (someone else's server): never refreshed. */
  static ofToken(who: string, transport: Transport, clock: Clock, token: string): Session {
    return new Session(who, transport, clock, { access_token: token, expires_in: 1e9 });
  }

  get refreshToken(): string | undefined {
    return this.#refresh;
  }

  get ended(): SessionEndedError | undefined {
    return this.#ended;
  }

  readonly token: TokenSource = async () => {
    if (this.#ended !== undefined) throw this.#ended;
    if (this.#clock.nowMs() < this.#expiresAtMs - MARGIN_MS || this.#refresh === undefined)
      return this.#access;
    const response = await this.#transport.request({
      method: 'POST',
      path: '/api/auth/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: this.#refresh,
        client_id: CLIENT_ID,
      }).toString(),
    });
    const body = parse(response.body);
    if (response.status !== 200) {
      this.#ended = new SessionEndedError(this.who, response.status, detailOf(body));
      throw this.#ended;
    }
    const tokens = body as TokenResponse;
    this.#access = tokens.access_token;
    this.#refresh = tokens.refresh_token ?? this.#refresh;
    this.#expiresAtMs = this.#clock.nowMs() + tokens.expires_in * 1000;
    this.refreshes++;
    return this.#access;
  };

  /** Revokes this session's refresh token at the server (RFC 7009), as `dirac-logout` does. */
  async revoke(): Promise<void> {
    if (this.#refresh === undefined) throw new Error(`${this.who} has no refresh token`);
    const response = await this.#transport.request({
      method: 'POST',
      path: '/api/auth/revoke',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: this.#refresh, client_id: CLIENT_ID }).toString(),
    });
    if (response.status !== 200)
      throw new DiracxHttpError('Revoking a refresh token', response.status, parse(response.body));
  }
}

/**
 * Logs a user in the way DIRAC's own servers obtain a user's tokens from DiracX: the legacy
 * exchange, with the installation's shared API key.
 */
export async function legacyLogin(
  transport: Transport,
  clock: Clock,
  apiKey: string,
  user: { username: string; vo: string; group: string },
): Promise<Session> {
  const query = new URLSearchParams({
    preferred_username: user.username,
    scope: `vo:${user.vo} group:${user.group}`,
  });
  const response = await transport.request({
    method: 'GET',
    path: `/api/auth/legacy-exchange?${query}`,
    headers: { authorization: `Bearer diracx:legacy:${apiKey}` },
  });
  const body = parse(response.body);
  if (response.status !== 200)
    throw new DiracxHttpError(`Logging ${user.username} in`, response.status, body);
  return new Session(user.username, transport, clock, body as TokenResponse);
}

function parse(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return body.toString('utf8');
  }
}

function detailOf(body: unknown): string {
  if (typeof body === 'object' && body !== null) {
    const { detail, error_description, error } = body as Record<string, unknown>;
    return String(detail ?? error_description ?? error ?? JSON.stringify(body));
  }
  return String(body);
}
