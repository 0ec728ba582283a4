export { BrowserLoginError, type BrowserLoginOptions, browserLogin } from './browser-login.ts';
export { credentialsPath, issuerOf, storedIssuer, writeCredentials } from './credentials.ts';
export {
  DIRAC_CLIENT_ID,
  type DeviceAuthorization,
  type DiracxEndpoint,
  DiracxHttpError,
  type TokenResponse,
  pollDeviceToken,
  startDeviceFlow,
} from './diracx-auth.ts';
export {
  type PilotCredentials,
  type PilotRegistration,
  type PilotUpdate,
  type SetStatusResult,
  type StatusReport,
  type TokenSource,
  DiracxClient,
} from './diracx-client.ts';
export { type FileCatalog, GridboxFileCatalog } from './file-catalog.ts';
export {
  type DirectCalls,
  type Injectable,
  type Transport,
  type TransportAnswer,
  type TransportCall,
  type TransportRequest,
  type TransportResponse,
  directTransport,
  httpTransport,
  injectTransport,
  sendAsBytes,
} from './transport.ts';
