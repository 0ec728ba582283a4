export { BrowserLoginError, type BrowserLoginOptions, browserLogin } from './browser-login.ts';
export { credentialsPath, writeCredentials } from './credentials.ts';
export {
  DIRAC_CLIENT_ID,
  type DeviceAuthorization,
  type DiracxEndpoint,
  DiracxHttpError,
  type TokenResponse,
  pollDeviceToken,
  startDeviceFlow,
} from './diracx-auth.ts';
