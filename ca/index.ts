export { CaDirectory, type CertificateFiles } from './ca-directory.ts';
export {
  CA_DN,
  type CertificateAuthority,
  type KeyPair,
  createCa,
  issueHostCertificate,
  issueUserCertificate,
  loadCa,
} from './certificate-authority.ts';
export { dnOf, formatDn, parseDn } from './distinguished-name.ts';
export {
  DIRAC_GROUP_OID,
  GRIDBOX_VO_OID,
  type ProxyIdentity,
  type ProxyProblem,
  ProxyVerificationError,
  issueProxy,
  verifyProxy,
} from './proxy.ts';
