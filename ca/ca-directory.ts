import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import forge from 'node-forge';
import type { Clock } from '../services/core/index.ts';
import {
  type CertificateAuthority,
  type KeyPair,
  createCa,
  issueHostCertificate,
  issueUserCertificate,
  issuedBy,
  loadCa,
} from './certificate-authority.ts';
import { dnOf } from './distinguished-name.ts';
import { issueProxy } from './proxy.ts';

/** Certificates are renewed when they have less than this left. */
const RENEW_BEFORE_MS = 7 * 86_400_000;

export interface CertificateFiles {
  readonly certPath: string;
  readonly keyPath: string;
}

/**
 * A CA kept on disk as PEM files, as grid tools expect them:
 *
 *     <dir>/ca.pem, ca-key.pem                      the root
 *     <dir>/hosts/<name>/hostcert.pem, hostkey.pem  TLS server certificates
 *     <dir>/users/<user>/usercert.pem, userkey.pem  user certificates
 *     <dir>/users/<user>/proxy-<group>.pem          proxies (cert, key, user cert)
 *
 * Every method is idempotent: what exists and is still good is reused, not reissued.
 */
export class CaDirectory {
  readonly dir: string;
  readonly caCertPath: string;
  readonly #clock: Clock;
  #ca: CertificateAuthority | undefined;

  constructor(dir: string, clock: Clock) {
    this.dir = dir;
    this.caCertPath = join(dir, 'ca.pem');
    this.#clock = clock;
  }

  async ensureCa(): Promise<CertificateAuthority> {
    if (this.#ca !== undefined) return this.#ca;
    const keyPath = join(this.dir, 'ca-key.pem');
    if (existsSync(this.caCertPath) && existsSync(keyPath)) {
      this.#ca = loadCa({
        certPem: await readFile(this.caCertPath, 'utf8'),
        keyPem: await readFile(keyPath, 'utf8'),
      });
    } else {
      this.#ca = createCa(this.#clock);
      await writePair(this.dir, this.caCertPath, keyPath, this.#ca);
    }
    return this.#ca;
  }

  /** A TLS server certificate for `names`; the first name names its folder. */
  async ensureHost(names: readonly string[]): Promise<CertificateFiles> {
    const folder = join(this.dir, 'hosts', safeName(names[0] ?? ''));
    const files = { certPath: join(folder, 'hostcert.pem'), keyPath: join(folder, 'hostkey.pem') };
    const current = await this.#readValid(files);
    const covers = (cert: forge.pki.Certificate) => {
      const san = cert.getExtension('subjectAltName') as {
        altNames?: { value?: string; ip?: string }[];
      } | null;
      const present = new Set((san?.altNames ?? []).map((n) => n.ip ?? n.value));
      return names.every((name) => present.has(name));
    };
    if (current === undefined || !covers(current)) {
      await writePair(
        folder,
        files.certPath,
        files.keyPath,
        issueHostCertificate(await this.ensureCa(), names, this.#clock),
      );
    }
    return files;
  }

  /** A user certificate for `username` with the DN the configuration gives them. */
  async ensureUser(username: string, dn: string): Promise<CertificateFiles> {
    const folder = join(this.dir, 'users', safeName(username));
    const files = { certPath: join(folder, 'usercert.pem'), keyPath: join(folder, 'userkey.pem') };
    const current = await this.#readValid(files);
    if (current === undefined || dnOf(current.subject) !== dn) {
      await writePair(
        folder,
        files.certPath,
        files.keyPath,
        issueUserCertificate(await this.ensureCa(), dn, this.#clock),
      );
    }
    return files;
  }

  /** A new proxy of the user's certificate carrying the VO and group; returns the file's path. */
  async writeProxy(
    username: string,
    dn: string,
    attributes: { vo: string; group: string },
    lifetimeS: number,
  ): Promise<string> {
    const files = await this.ensureUser(username, dn);
    const user: KeyPair = {
      certPem: await readFile(files.certPath, 'utf8'),
      keyPem: await readFile(files.keyPath, 'utf8'),
    };
    const path = join(
      this.dir,
      'users',
      safeName(username),
      `proxy-${safeName(attributes.group)}.pem`,
    );
    await writeFile(path, issueProxy(user, attributes, this.#clock, lifetimeS), { mode: 0o600 });
    return path;
  }

  /** The certificate at `files` if both files exist and it is not about to expire. */
  async #readValid(files: CertificateFiles): Promise<forge.pki.Certificate | undefined> {
    if (!existsSync(files.certPath) || !existsSync(files.keyPath)) return undefined;
    const cert = forge.pki.certificateFromPem(await readFile(files.certPath, 'utf8'));
    const ca = await this.ensureCa();
    const fresh = cert.validity.notAfter.getTime() - this.#clock.nowMs() > RENEW_BEFORE_MS;
    return fresh && issuedBy(ca.cert, cert) ? cert : undefined;
  }
}

async function writePair(
  folder: string,
  certPath: string,
  keyPath: string,
  pair: KeyPair,
): Promise<void> {
  await mkdir(folder, { recursive: true });
  await writeFile(certPath, pair.certPem);
  await writeFile(keyPath, pair.keyPem, { mode: 0o600 });
}

/** File names from user input: no separators, no dot-dot, nothing hidden. */
function safeName(name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name))
    throw new Error(`not a safe file name: ${JSON.stringify(name)}`);
  return name;
}
