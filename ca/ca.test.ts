import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch as undiciFetch } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../services/core/index.ts';
import {
  CaDirectory,
  ProxyVerificationError,
  createCa,
  issueHostCertificate,
  issueProxy,
  issueUserCertificate,
  verifyProxy,
} from './index.ts';

const NOW = Date.UTC(2026, 5, 1);
const clock = new ManualClock(NOW);
const ca = createCa(clock);
const DN = '/O=GridBox/OU=lhcb/CN=alice';
const alice = issueUserCertificate(ca, DN, clock);
const scratch = mkdtempSync(join(tmpdir(), 'gridbox-ca-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function problemOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof ProxyVerificationError) return error.problem;
    throw error;
  }
  return 'accepted';
}

describe('proxies', () => {
  it('carry the user DN and DIRAC group through verification', () => {
    const proxy = issueProxy(alice, { vo: 'lhcb', group: 'lhcb_user' }, clock, 3600);
    expect(verifyProxy(proxy, ca.certPem, NOW)).toEqual({
      dn: DN,
      group: 'lhcb_user',
      vo: 'lhcb',
      notAfterMs: NOW + 3600 * 1000,
    });
  });

  const otherCa = createCa(clock);
  const cases: [string, () => unknown, string][] = [
    [
      'from another CA',
      () =>
        verifyProxy(
          issueProxy(issueUserCertificate(otherCa, DN, clock), { vo: 'lhcb', group: 'g' }, clock),
          ca.certPem,
          NOW,
        ),
      'unknown-ca',
    ],
    [
      'after it expired',
      () =>
        verifyProxy(
          issueProxy(alice, { vo: 'lhcb', group: 'g' }, clock, 3600),
          ca.certPem,
          NOW + 3601 * 1000,
        ),
      'expired',
    ],
    [
      'that is a plain user certificate',
      () => verifyProxy(alice.certPem, ca.certPem, NOW),
      'not-a-proxy',
    ],
    [
      "signed by a key that is not the user's",
      () => {
        const impostor = issueUserCertificate(ca, '/O=GridBox/OU=lhcb/CN=mallory', clock);
        const forged = issueProxy(
          { certPem: alice.certPem, keyPem: impostor.keyPem },
          { vo: 'lhcb', group: 'g' },
          clock,
        );
        return verifyProxy(forged, ca.certPem, NOW);
      },
      'not-a-proxy',
    ],
    ['that is not PEM at all', () => verifyProxy('hello', ca.certPem, NOW), 'malformed'],
  ];
  it.each(cases)('are refused when %s', (_name, run, problem) => {
    expect(problemOf(run)).toBe(problem);
  });

  it.skipIf(spawnSync('openssl', ['version']).status !== 0)(
    'are accepted by OpenSSL as RFC 3820 proxies',
    () => {
      const proxyPath = join(scratch, 'proxy.pem');
      const caPath = join(scratch, 'ca.pem');
      const userPath = join(scratch, 'user.pem');
      writeFileSync(
        proxyPath,
        issueProxy(alice, { vo: 'lhcb', group: 'lhcb_user' }, new ManualClock(Date.now())),
      );
      writeFileSync(caPath, ca.certPem);
      writeFileSync(userPath, alice.certPem);
      const text = execFileSync('openssl', [
        'x509',
        '-in',
        proxyPath,
        '-noout',
        '-text',
      ]).toString();
      expect(text).toContain('Proxy Certificate Information');
      const verdict = execFileSync('openssl', [
        'verify',
        '-allow_proxy_certs',
        '-CAfile',
        caPath,
        '-untrusted',
        userPath,
        proxyPath,
      ]).toString();
      expect(verdict.trim()).toBe(`${proxyPath}: OK`);
    },
  );
});

describe('host certificates', () => {
  it('let a client that trusts the CA reach a TLS server on localhost and 127.0.0.1', async () => {
    const host = issueHostCertificate(ca, ['localhost', '127.0.0.1'], new ManualClock(Date.now()));
    const server = createServer({ cert: host.certPem, key: host.keyPem }, (_req, res) =>
      res.end('ok'),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const trusting = new Agent({ connect: { ca: ca.certPem } });
      for (const name of ['localhost', '127.0.0.1']) {
        const response = await undiciFetch(`https://${name}:${port}/`, { dispatcher: trusting });
        expect(await response.text()).toBe('ok');
      }
      await expect(undiciFetch(`https://127.0.0.1:${port}/`)).rejects.toThrow();
    } finally {
      server.close();
    }
  });
});

describe('CaDirectory', () => {
  it('creates the CA once and reuses it, and its certificates, on later calls', async () => {
    const dir = join(scratch, 'box');
    const first = new CaDirectory(dir, clock);
    const root = (await first.ensureCa()).certPem;
    const host = await first.ensureHost(['localhost', '127.0.0.1']);
    const hostPem = readFileSync(host.certPath, 'utf8');

    const second = new CaDirectory(dir, clock);
    expect((await second.ensureCa()).certPem).toBe(root);
    await second.ensureHost(['localhost', '127.0.0.1']);
    expect(readFileSync(host.certPath, 'utf8')).toBe(hostPem);

    await second.ensureHost(['localhost', '127.0.0.1', 'box.example']);
    expect(readFileSync(host.certPath, 'utf8')).not.toBe(hostPem);
  });

  it('writes a proxy that verifies against the CA it keeps', async () => {
    const dir = new CaDirectory(join(scratch, 'proxies'), clock);
    const path = await dir.writeProxy('alice', DN, { vo: 'lhcb', group: 'lhcb_user' }, 3600);
    const identity = verifyProxy(
      readFileSync(path, 'utf8'),
      readFileSync(dir.caCertPath, 'utf8'),
      NOW,
    );
    expect(identity).toMatchObject({ dn: DN, group: 'lhcb_user' });
  });

  it('refuses names that would escape its folder', async () => {
    const dir = new CaDirectory(join(scratch, 'tricks'), clock);
    await expect(dir.ensureUser('../../etc', DN)).rejects.toThrow('not a safe file name');
  });
});
