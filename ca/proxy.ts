import forge from 'node-forge';
import type { Clock } from '../services/core/index.ts';
import { type KeyPair, issuedBy, serialNumber } from './certificate-authority.ts';
import { type NameAttribute, dnOf } from './distinguished-name.ts';
import { generateRsaKey, publicKeyOf } from './keys.ts';

/** RFC 3820 ProxyCertInfo, and its "inherit all rights" policy language. */
const PROXY_CERT_INFO_OID = '1.3.6.1.5.5.7.1.14';
const INHERIT_ALL_OID = '1.3.6.1.5.5.7.21.1';
/** The extension in which DIRAC proxies carry the DIRAC group (a text value). */
export const DIRAC_GROUP_OID = '1.2.42.42';
/**
 * gridbox's extension for the VO, next to DIRAC's group: a text value standing in for the
 * VOMS attribute certificate (1.3.6.1.4.1.8005.100.100.5) that real grid proxies carry.
 */
export const GRIDBOX_VO_OID = '1.2.42.43';

export type ProxyProblem = 'malformed' | 'unknown-ca' | 'expired' | 'not-a-proxy' | 'no-group';

/** Why a proxy was refused; `problem` is stable, the message is for people. */
export class ProxyVerificationError extends Error {
  readonly problem: ProxyProblem;

  constructor(problem: ProxyProblem, message: string) {
    super(message);
    this.name = 'ProxyVerificationError';
    this.problem = problem;
  }
}

/** What a verified proxy says about its holder. */
export interface ProxyIdentity {
  /** DN of the end-entity (user or host) certificate that signed the proxy chain. */
  readonly dn: string;
  readonly group: string;
  /** The VO the proxy names; undefined for proxies made by tools that only set the group. */
  readonly vo: string | undefined;
  /** When the shortest-lived certificate of the chain expires. */
  readonly notAfterMs: number;
}

/**
 * Makes an RFC 3820 proxy of `user` that carries the VO and `group`, as
 * `dirac-proxy-init -g` would. Returns the proxy file: proxy certificate, its key, then the
 * user certificate.
 */
export function issueProxy(
  user: KeyPair,
  { vo, group }: { vo: string; group: string },
  clock: Clock,
  lifetimeS = 12 * 3600,
): string {
  const userCert = forge.pki.certificateFromPem(user.certPem);
  const userKey = forge.pki.privateKeyFromPem(user.keyPem);
  const key = generateRsaKey();
  const cert = forge.pki.createCertificate();
  const serial = serialNumber();
  cert.publicKey = publicKeyOf(key);
  cert.serialNumber = serial;
  cert.validity.notBefore = new Date(clock.nowMs() - 5 * 60_000);
  cert.validity.notAfter = new Date(
    Math.min(clock.nowMs() + lifetimeS * 1000, userCert.validity.notAfter.getTime()),
  );
  const issuer = userCert.subject.attributes as NameAttribute[];
  cert.setIssuer(issuer);
  // RFC 3820 3.4: the subject is the issuer's with one more CN, unique per proxy.
  cert.setSubject([
    ...issuer,
    { shortName: 'CN', value: BigInt(`0x${serial}`).toString().slice(0, 12) },
  ]);
  const { asn1 } = forge;
  cert.setExtensions([
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    {
      id: PROXY_CERT_INFO_OID,
      critical: true,
      value: asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
        asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
          asn1.create(
            asn1.Class.UNIVERSAL,
            asn1.Type.OID,
            false,
            asn1.oidToDer(INHERIT_ALL_OID).getBytes(),
          ),
        ]),
      ]),
    },
    {
      id: DIRAC_GROUP_OID,
      value: asn1.create(asn1.Class.UNIVERSAL, asn1.Type.IA5STRING, false, group),
    },
    {
      id: GRIDBOX_VO_OID,
      value: asn1.create(asn1.Class.UNIVERSAL, asn1.Type.IA5STRING, false, vo),
    },
  ]);
  cert.sign(userKey, forge.md.sha256.create());
  return [forge.pki.certificateToPem(cert), forge.pki.privateKeyToPem(key), user.certPem].join('');
}

/**
 * Checks a proxy chain (proxies first, then the end-entity certificate; private keys are
 * ignored) against the CA at `nowMs`, and returns who it speaks for and in which group.
 * Throws a ProxyVerificationError on anything it cannot vouch for.
 */
export function verifyProxy(chainPem: string, caCertPem: string, nowMs: number): ProxyIdentity {
  const chain = parseChain(chainPem);
  const ca = forge.pki.certificateFromPem(caCertPem);
  const endEntity = chain.at(-1)!;
  if (chain.length < 2)
    throw new ProxyVerificationError('not-a-proxy', 'The certificate is not a proxy');
  if (!issuedBy(ca, endEntity)) {
    throw new ProxyVerificationError('unknown-ca', 'The proxy was not issued under a trusted CA');
  }
  for (let i = chain.length - 2; i >= 0; i--) {
    const proxy = chain[i]!;
    const parent = chain[i + 1]!;
    if (!isProxyOf(proxy, parent) || !issuedBy(parent, proxy)) {
      throw new ProxyVerificationError('not-a-proxy', 'The chain is not an RFC 3820 proxy chain');
    }
  }
  for (const cert of [...chain, ca]) {
    if (nowMs < cert.validity.notBefore.getTime() || nowMs > cert.validity.notAfter.getTime()) {
      throw new ProxyVerificationError(
        'expired',
        `The certificate ${dnOf(cert.subject)} is expired or not yet valid`,
      );
    }
  }
  const group = chain.map((c) => textExtension(c, DIRAC_GROUP_OID)).find((g) => g !== undefined);
  if (group === undefined)
    throw new ProxyVerificationError('no-group', 'The proxy carries no DIRAC group');
  return {
    dn: dnOf(endEntity.subject),
    group,
    vo: chain.map((c) => textExtension(c, GRIDBOX_VO_OID)).find((v) => v !== undefined),
    notAfterMs: Math.min(...chain.map((c) => c.validity.notAfter.getTime())),
  };
}

function parseChain(chainPem: string): forge.pki.Certificate[] {
  try {
    const certs = forge.pem
      .decode(chainPem)
      .filter((block) => block.type === 'CERTIFICATE')
      .map((block) => forge.pki.certificateFromAsn1(forge.asn1.fromDer(block.body)));
    if (certs.length === 0) throw new Error('no certificate');
    return certs;
  } catch {
    throw new ProxyVerificationError('malformed', 'The proxy is not a PEM certificate chain');
  }
}

function isProxyOf(proxy: forge.pki.Certificate, parent: forge.pki.Certificate): boolean {
  const parentAttrs = parent.subject.attributes;
  const attrs = proxy.subject.attributes;
  const extendsParent =
    attrs.length === parentAttrs.length + 1 &&
    parentAttrs.every((a, i) => a.type === attrs[i]!.type && a.value === attrs[i]!.value) &&
    attrs.at(-1)!.shortName === 'CN';
  return extendsParent && extensionValue(proxy, PROXY_CERT_INFO_OID) !== undefined;
}

function textExtension(cert: forge.pki.Certificate, oid: string): string | undefined {
  const value = extensionValue(cert, oid);
  if (value === undefined) return undefined;
  try {
    return String(forge.asn1.fromDer(value).value);
  } catch {
    return undefined;
  }
}

/** The DER value of the extension `oid`, which forge keeps as a byte string. */
function extensionValue(cert: forge.pki.Certificate, oid: string): string | undefined {
  const extensions = cert.extensions as { id: string; value: string }[];
  return extensions.find((e) => e.id === oid)?.value;
}
