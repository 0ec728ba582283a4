import { type DeviceAuthorization, InvalidRequestError } from '../../core/index.ts';
import type { AuthDeps } from './deps.ts';
import { pkcePair } from './idp-client.ts';
import { parseScope } from './scope.ts';
import { decryptState, encryptState } from './state.ts';

function checkClient(deps: AuthDeps, clientId: string): void {
  if (clientId !== deps.settings.clientId) throw new InvalidRequestError('Unrecognised client ID');
}

/** POST /api/auth/device: a new device flow, for `dirac login`. */
export async function initiateDeviceFlow(
  deps: AuthDeps,
  request: { clientId: string; scope: string; verificationUri: string },
): Promise<DeviceAuthorization> {
  checkClient(deps, request.clientId);
  parseScope(request.scope, deps.config, deps.settings.availableProperties);
  const { userCode, deviceCode } = await deps.authDb.insertDeviceFlow(
    request.clientId,
    request.scope,
    deps.tokens.clock,
  );
  return {
    user_code: userCode,
    device_code: deviceCode,
    verification_uri: request.verificationUri,
    verification_uri_complete: `${request.verificationUri}?user_code=${userCode}`,
    expires_in: deps.settings.deviceFlowExpirationS,
  };
}

/** Where to send the browser to sign in at the VO's identity provider. */
async function idpLoginUrl(
  deps: AuthDeps,
  scope: string,
  redirectUri: string,
  state: Record<string, unknown>,
) {
  const { vo } = parseScope(scope, deps.config, deps.settings.availableProperties);
  const idp = deps.config.Registry[vo]!.IdP;
  const metadata = await deps.idp.metadata(idp.URL);
  const { verifier, challenge } = pkcePair();
  return deps.idp.authorizationUrl(metadata, {
    clientId: idp.ClientID,
    redirectUri,
    codeChallenge: challenge,
    state: encryptState(deps.settings.stateKey, { ...state, vo, code_verifier: verifier }),
  });
}

/** GET /api/auth/device?user_code=…: the user opened the verification link. */
export async function startDeviceFlowLogin(
  deps: AuthDeps,
  request: { userCode: string; redirectUri: string },
): Promise<string> {
  const flow = await deps.authDb.getDeviceFlow(request.userCode);
  const age = flow === undefined ? Infinity : deps.tokens.clock.nowMs() - flow.createdMs;
  if (
    flow === undefined ||
    flow.status !== 'PENDING' ||
    age > deps.settings.deviceFlowExpirationS * 1000
  ) {
    throw new InvalidRequestError('Invalid or expired user code');
  }
  return idpLoginUrl(deps, flow.scope, request.redirectUri, {
    grant_type: 'device',
    user_code: flow.userCode,
  });
}

/** Reads our state back and redeems the identity provider's code for the ID token's claims. */
async function idpClaims(
  deps: AuthDeps,
  request: { code: string; state: string; redirectUri: string },
  grantType: string,
) {
  const state = decryptState(deps.settings.stateKey, request.state);
  if (
    state.grant_type !== grantType ||
    typeof state.vo !== 'string' ||
    deps.config.Registry[state.vo] === undefined
  ) {
    throw new InvalidRequestError('Invalid state');
  }
  const idp = deps.config.Registry[state.vo]!.IdP;
  const claims = await deps.idp.idTokenClaims(await deps.idp.metadata(idp.URL), {
    clientId: idp.ClientID,
    code: request.code,
    codeVerifier: String(state.code_verifier),
    redirectUri: request.redirectUri,
  });
  return { state, claims };
}

/** GET /api/auth/device/complete: the identity provider sent the browser back. */
export async function finishDeviceFlowLogin(
  deps: AuthDeps,
  request: { code: string; state: string; redirectUri: string },
): Promise<void> {
  const { state, claims } = await idpClaims(deps, request, 'device');
  if (!(await deps.authDb.deviceFlowReady(String(state.user_code), claims))) {
    throw new InvalidRequestError('Device flow is not pending');
  }
}

/** GET /api/auth/authorize: a client starts the authorization-code flow with PKCE. */
export async function startAuthorizationFlow(
  deps: AuthDeps,
  request: {
    clientId: string;
    redirectUri: string;
    scope: string;
    codeChallenge: string;
    state: string;
    callbackUri: string;
    /** The server's own pages that may receive codes (its API docs), besides the setting's. */
    ownRedirects: readonly string[];
  },
): Promise<string> {
  checkClient(deps, request.clientId);
  if (![...deps.settings.allowedRedirects, ...request.ownRedirects].includes(request.redirectUri)) {
    throw new InvalidRequestError('Unrecognised redirect_uri');
  }
  parseScope(request.scope, deps.config, deps.settings.availableProperties);
  const uuid = await deps.authDb.insertAuthorizationFlow(
    {
      clientId: request.clientId,
      scope: request.scope,
      codeChallenge: request.codeChallenge,
      codeChallengeMethod: 'S256',
      redirectUri: request.redirectUri,
    },
    deps.tokens.clock,
  );
  return idpLoginUrl(deps, request.scope, request.callbackUri, {
    grant_type: 'authorization_code',
    uuid,
    external_state: request.state,
  });
}

/** GET /api/auth/authorize/complete: returns where to send the client, with its code. */
export async function finishAuthorizationFlow(
  deps: AuthDeps,
  request: { code: string; state: string; redirectUri: string },
): Promise<string> {
  const { state, claims } = await idpClaims(deps, request, 'authorization_code');
  const uuid = String(state.uuid);
  const flow = await deps.authDb.getAuthorizationFlow(uuid);
  const code =
    flow === undefined ? undefined : await deps.authDb.authorizationFlowReady(uuid, claims);
  if (flow === undefined || code === undefined)
    throw new InvalidRequestError('Authorization flow is not pending');
  const target = new URL(flow.redirectUri);
  target.searchParams.set('code', code);
  target.searchParams.set('state', String(state.external_state));
  return target.href;
}
