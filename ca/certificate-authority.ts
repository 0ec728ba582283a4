import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import forge from 'node-forge';
import type { Clock } from '../services/core/index.ts';
import { type NameAttribute, parseDn } from './distinguished-name.ts';
import { generateRsaKey, publicKeyOf } from './keys.ts';

const DAY_MS = 86_400_000;

/** A certificate with its private key, both as PEM. */
export interface KeyPair {
  readonly certPem: string;
  readonly keyPem: string;
}

export interface CertificateAuthority extends KeyPair {
  readonly cert: forge.pki.Certificate;
  readonly key: forge.pki.rsa.PrivateKey;
}

/** The DN of gridbox's root; user DNs in the fixtures sit under the same organisation. */
export const CA_DN = '/O=GridBox/CN=GridBox Root CA';

export function loadCa({ certPem, keyPem }: KeyPair): CertificateAuthority {
  return {
    certPem,
    keyPem,
    cert: forge.pki.certificateFromPem(certPem),
    key: forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey,
  };
}

export function createCa(clock: Clock, validityDays = 3650): CertificateAuthority {
  const key = generateRsaKey();
  const subject = parseDn(CA_DN);
  const cert = newCertificate(key, subject, subject, clock, validityDays);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(key, forge.md.sha256.create());
  return loadCa({
    certPem: forge.pki.certificateToPem(cert),
    keyPem: forge.pki.privateKeyToPem(key),
  });
}

/** A TLS server certificate for `names` (host names and IP addresses), e.g. localhost. */
export function issueHostCertificate(
  ca: CertificateAuthority,
  names: readonly string[],
  clock: Clock,
  validityDays = 397,
): KeyPair {
  if (names.length === 0) throw new Error('a host certificate needs at least one name');
  const subject = [
    { shortName: 'O', value: 'GridBox' },
    { shortName: 'CN', value: names[0]! },
  ];
  return issueLeaf(ca, subject, clock, validityDays, [
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: names.map((name) =>
        isIP(name) === 0 ? { type: 2, value: name } : { type: 7, ip: name },
      ),
    },
  ]);
}

/** A grid user certificate for `dn` (DIRAC slash form), usable as a TLS client. */
export function issueUserCertificate(
  ca: CertificateAuthority,
  dn: string,
  clock: Clock,
  validityDays = 365,
): KeyPair {
  return issueLeaf(ca, parseDn(dn), clock, validityDays, [
    { name: 'extKeyUsage', clientAuth: true },
  ]);
}

/** An end-entity certificate signed by the CA, with its own new key and these extensions. */
function issueLeaf(
  ca: CertificateAuthority,
  subject: NameAttribute[],
  clock: Clock,
  validityDays: number,
  extensions: object[],
): KeyPair {
  const key = generateRsaKey();
  const issuer = ca.cert.subject.attributes as NameAttribute[];
  const cert = newCertificate(key, subject, issuer, clock, validityDays);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    ...extensions,
  ]);
  cert.sign(ca.key, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: forge.pki.privateKeyToPem(key) };
}

function newCertificate(
  key: forge.pki.rsa.PrivateKey,
  subject: NameAttribute[],
  issuer: NameAttribute[],
  clock: Clock,
  validityDays: number,
): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKeyOf(key);
  cert.serialNumber = serialNumber();
  // A little slack before now, so a client whose clock runs behind still accepts it.
  cert.validity.notBefore = new Date(clock.nowMs() - 5 * 60_000);
  cert.validity.notAfter = new Date(clock.nowMs() + validityDays * DAY_MS);
  cert.setSubject(subject);
  cert.setIssuer(issuer);
  return cert;
}

/** 16 random bytes with the top bit clear: a positive, unguessable serial (RFC 5280 4.1.2.2). */
export function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0]! &= 0x7f;
  return bytes.toString('hex');
}

/** Whether `parent` signed `child` (its name as issuer, and a valid signature). */
export function issuedBy(parent: forge.pki.Certificate, child: forge.pki.Certificate): boolean {
  try {
    return parent.verify(child);
  } catch {
    // forge throws when the child's issuer name is not the parent's subject.
    return false;
  }
}
