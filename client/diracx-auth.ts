import type { Dispatcher } from 'undici';
import { fetch } from 'undici';
import type { DeviceAuthorization, TokenResponse } from '../services/core/index.ts';

export type { DeviceAuthorization, TokenResponse } from '../services/core/index.ts';

/** A DiracX server as the client reaches it. */
export interface DiracxEndpoint {
  /** Base URL, e.g. http://127.0.0.1:8000 (DIRACX_URL). */
  url: string;
  /** TLS settings (the CA bundle of DIRACX_CA_PATH). */
  dispatcher?: Dispatcher;
}

/** DiracX's public OAuth client id. */
export const DIRAC_CLIENT_ID = 'myDIRACClientID';

/** The server said no; `status` and `body` are what it answered. */
export class DiracxHttpError extends Error {
  readonly status: number;
  readonly body: unknown;

  constructor(what: string, status: number, body: unknown) {
    const detail = (body as { detail?: unknown } | null)?.detail;
    super(`${what} failed with HTTP ${status}${typeof detail === 'string' ? `: ${detail}` : ''}`);
    this.name = 'DiracxHttpError';
    this.status = status;
    this.body = body;
  }
}

async function call(
  endpoint: DiracxEndpoint,
  path: string,
  init: Parameters<typeof fetch>[1] = {},
) {
  return fetch(`${endpoint.url.replace(/\/$/, '')}${path}`, {
    ...init,
    ...(endpoint.dispatcher === undefined ? {} : { dispatcher: endpoint.dispatcher }),
  });
}

/** POST /api/auth/device, as `dirac login` starts. */
export async function startDeviceFlow(
  endpoint: DiracxEndpoint,
  scope: string,
): Promise<DeviceAuthorization> {
  const query = new URLSearchParams({ client_id: DIRAC_CLIENT_ID, scope });
  const response = await call(endpoint, `/api/auth/device?${query}`, { method: 'POST' });
  const body: unknown = await response.json();
  if (response.status !== 200)
    throw new DiracxHttpError('Starting the device flow', response.status, body);
  return body as DeviceAuthorization;
}

/** One poll of the token endpoint for a device code: the tokens, or 'pending'. */
export async function pollDeviceToken(
  endpoint: DiracxEndpoint,
  deviceCode: string,
): Promise<TokenResponse | 'pending'> {
  const response = await call(endpoint, '/api/auth/token', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
      device_code: deviceCode,
      client_id: DIRAC_CLIENT_ID,
    }).toString(),
  });
  const body: unknown = await response.json();
  if (response.status === 200) return body as TokenResponse;
  if (response.status === 400 && (body as { error?: unknown }).error === 'authorization_pending')
    return 'pending';
  throw new DiracxHttpError('Getting the token', response.status, body);
}
