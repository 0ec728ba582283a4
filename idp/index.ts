export {
  type IdpAccount,
  type IdpOptions,
  type StartedIdp,
  startIdp,
} from './identity-provider.ts';
