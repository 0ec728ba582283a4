import type { Config } from '../../core/index.ts';
import type { AuthDB } from '../../db/index.ts';
import type { IdpClient } from './idp-client.ts';
import type { TokenDeps } from './tokens.ts';

/** DiracX's auth settings (DIRACX_SERVICE_AUTH_*), with the same defaults. */
export interface AuthSettings {
  /** The only OAuth client id accepted (a public client). */
  clientId: string;
  /** Redirect URIs the authorization-code flow may send clients back to. */
  allowedRedirects: readonly string[];
  deviceFlowExpirationS: number;
  authorizationFlowExpirationS: number;
  accessTokenExpireMinutes: number;
  refreshTokenExpireMinutes: number;
  /** 32 bytes encrypting the state sent through identity providers. */
  stateKey: Buffer;
  availableProperties: readonly string[];
  /** How long a pilot's secret can be traded for tokens. */
  pilotSecretLifetimeS: number;
  /** SHA-256 hex of the API key accepted by the legacy exchange; undefined disables it. */
  legacyExchangeHashedApiKey: string | undefined;
}

/** What the auth logic works with; each call passes the configuration of the moment. */
export interface AuthDeps {
  authDb: AuthDB;
  config: Config;
  tokens: TokenDeps;
  idp: IdpClient;
  settings: AuthSettings;
}
